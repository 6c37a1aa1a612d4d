// A signed version covers every file AND every part its manifest lists (issue 17 items 1 and 4): the
// signature's subjects are the SHA256SUMS entries (the whole file and each part) and SHA256SUMS itself; a
// part replaced together with model.json and SHA256SUMS is refused by the signature.
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type DsseEnvelope,
  keySigner,
  keyVersionSigner,
  SignatureError,
  type SigningPolicy,
} from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  downloadVerifiedModel,
  type GitHubClient,
  parseSha256Sums,
  registerModel,
  resolveModel,
} from "../src/index.js";
import { emulatorClient, headSha, OWNER, tempDir } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  work = await tempDir();
  emulator = await startEmulator();
  client = emulatorClient(emulator, emulator.createToken({ contents: "write" }));
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

const policy: SigningPolicy = {
  required: true,
  repository: `${OWNER}/signed-parts`,
  serverUrl: "https://github.com",
  publicKeys: [publicKey],
  keyless: false,
  allowedRefs: ["refs/heads/main"],
};

async function assetText(release: { assets: Array<{ id: number; name: string }> }, name: string) {
  const { data } = await client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo: "signed-parts",
    asset_id: release.assets.find((a) => a.name === name)?.id ?? 0,
    headers: { accept: "application/octet-stream" },
  });
  return Buffer.from(data as unknown as ArrayBuffer).toString("utf8");
}

async function replace(
  release: { uploadUrl: string; assets: Array<{ id: number; name: string }> },
  name: string,
  content: string | Buffer,
) {
  await client.request("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo: "signed-parts",
    asset_id: release.assets.find((a) => a.name === name)?.id ?? 0,
  });
  await client.request({
    method: "POST",
    url: `${release.uploadUrl.replace(/\{[^}]*\}$/, "")}?name=${name}`,
    headers: { "content-type": "application/octet-stream" },
    data: Buffer.from(content),
  });
}

describe("signed versions with parts", () => {
  it("signs the whole file and each part; a replaced part is refused by the signature", async () => {
    const repo = "signed-parts";
    const dir = join(work.dir, "src");
    await mkdir(dir, { recursive: true });
    const weights = Buffer.alloc(25, 7);
    await writeFile(join(dir, "model.bin"), weights);
    await registerModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      commitSha: await headSha(client, repo),
      files: [{ path: join(dir, "model.bin"), name: "model.bin" }],
      metrics: { accuracy: 0.9 },
      idempotencyKey: `${OWNER}/${repo}/1/fraud`,
      partBytes: 10,
      lineage: { workflow_ref: `${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main` },
      signer: keyVersionSigner(keySigner(privateKey)),
    });
    const resolved = await resolveModel(client, { owner: OWNER, repo, model: "fraud", selector: "v1" });
    const sums = parseSha256Sums(await assetText(resolved.release, "SHA256SUMS"));
    const parts = [...sums.keys()].filter((name) => name.includes(".part-"));
    expect(parts).toHaveLength(3);
    const envelope = JSON.parse(await assetText(resolved.release, "model.intoto.jsonl")) as DsseEnvelope;
    const subjects = (
      JSON.parse(Buffer.from(envelope.payload, "base64").toString()) as { subject: Array<{ name: string }> }
    ).subject.map((s) => s.name);
    expect(subjects.sort()).toEqual([...sums.keys(), "SHA256SUMS"].sort());
    expect(subjects).toEqual(expect.arrayContaining(["model.bin", ...parts]));

    const ok = await downloadVerifiedModel(client, {
      owner: OWNER,
      repo,
      resolved,
      dir: join(work.dir, "ok"),
      policy,
    });
    expect(ok.verified?.files).toBe(sums.size + 1);

    // Part 2 replaced, with model.json and SHA256SUMS rewritten to agree with it.
    const evilPart = Buffer.alloc(10, 9);
    const manifest = JSON.parse(await assetText(resolved.release, "model.json"));
    const whole = Buffer.concat([weights.subarray(0, 10), evilPart, weights.subarray(20)]);
    manifest.files[0].sha256 = sha256(whole);
    manifest.files[0].parts[1].sha256 = sha256(evilPart);
    const manifestText = JSON.stringify(manifest);
    const sumsText = [...sums]
      .map(([name, digest]) =>
        name === parts[1]
          ? [name, sha256(evilPart)]
          : name === "model.bin"
            ? [name, sha256(whole)]
            : name === "model.json"
              ? [name, sha256(manifestText)]
              : [name, digest],
      )
      .map(([name, digest]) => `${digest}  ${name}\n`)
      .join("");
    await replace(resolved.release, parts[1] ?? "", evilPart);
    await replace(resolved.release, "model.json", manifestText);
    await replace(resolved.release, "SHA256SUMS", sumsText);
    const again = await resolveModel(client, { owner: OWNER, repo, model: "fraud", selector: "v1" });
    const error = await downloadVerifiedModel(client, {
      owner: OWNER,
      repo,
      resolved: again,
      dir: join(work.dir, "bad"),
      policy,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureError);
    expect((error as Error).message).toMatch(
      /^fraud\/v1 model.intoto.jsonl: model.bin(\.part-0002-of-0003)? \(sha256:[0-9a-f]{12}…\) does not match the signed digest/,
    );
  });
});
