// Immutable releases (issue 17 item 3): a signed registration uploads every asset, signatures included,
// to the draft and then publishes, so it works when the repository has immutable releases enabled; the
// emulator refuses what GitHub refuses on a published immutable release (an upload, an asset deletion, a
// moved tag).
import { generateKeyPairSync } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { keySigner, keyVersionSigner } from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadVerifiedModel, type GitHubClient, registerModel, resolveModel } from "../src/index.js";
import { emulatorClient, headSha, OWNER, tempDir } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let admin: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

beforeAll(async () => {
  work = await tempDir();
  emulator = await startEmulator();
  client = emulatorClient(emulator, emulator.createToken({ contents: "write" }));
  admin = emulatorClient(emulator, emulator.createToken({ administration: "write", contents: "write" }));
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

const status = (promise: Promise<unknown>) =>
  promise.then(
    () => ({ status: 200, message: "" }),
    (e: { status?: number; response?: { data?: { message?: string } } }) => ({
      status: e.status,
      message: e.response?.data?.message ?? "",
    }),
  );

describe("immutable releases", () => {
  it("a signed version registers (draft → every asset → publish) and verifies; afterwards nothing can change", async () => {
    const repo = "immutable";
    expect(
      (await status(client.request("PUT /repos/{owner}/{repo}/immutable-releases", { owner: OWNER, repo })))
        .status,
    ).toBe(403);
    await admin.request("PUT /repos/{owner}/{repo}/immutable-releases", { owner: OWNER, repo });
    const { data: setting } = await admin.request("GET /repos/{owner}/{repo}/immutable-releases", {
      owner: OWNER,
      repo,
    });
    expect(setting).toEqual({ enabled: true, enforced_by_owner: false });

    const dir = join(work.dir, "src");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "model.bin"), "weights");
    const registered = await registerModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      commitSha: await headSha(client, repo),
      files: [{ path: join(dir, "model.bin") }],
      metrics: { accuracy: 0.9 },
      idempotencyKey: `${OWNER}/${repo}/1/fraud`,
      lineage: { workflow_ref: `${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main` },
      signer: keyVersionSigner(keySigner(privateKey)),
    });
    const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/{release_id}", {
      owner: OWNER,
      repo,
      release_id: registered.releaseId,
    });
    expect(release.immutable).toBe(true);
    expect(release.assets.map((a) => a.name).sort()).toEqual([
      "SHA256SUMS",
      "model.bin",
      "model.intoto.jsonl",
      "model.json",
      "model.sig",
    ]);

    const resolved = await resolveModel(client, { owner: OWNER, repo, model: "fraud", selector: "v1" });
    const { verified } = await downloadVerifiedModel(client, {
      owner: OWNER,
      repo,
      resolved,
      dir: join(work.dir, "out"),
      policy: {
        required: true,
        repository: `${OWNER}/${repo}`,
        serverUrl: "https://github.com",
        publicKeys: [publicKey],
        keyless: false,
        allowedRefs: ["refs/heads/main"],
      },
    });
    expect(verified?.files).toBe(3); // model.bin, model.json, SHA256SUMS

    const upload = await status(
      client.request({
        method: "POST",
        url: `${release.upload_url.replace(/\{[^}]*\}$/, "")}?name=late.txt`,
        headers: { "content-type": "text/plain" },
        data: Buffer.from("late"),
      }),
    );
    expect(upload).toEqual({ status: 422, message: "Cannot upload assets to an immutable release" });
    const asset = release.assets.find((a) => a.name === "model.intoto.jsonl");
    const removal = await status(
      client.request("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}", {
        owner: OWNER,
        repo,
        asset_id: asset?.id ?? 0,
      }),
    );
    expect(removal.status).toBe(422);
    const moved = await status(
      client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
        owner: OWNER,
        repo,
        ref: "tags/fraud/v1",
        sha: await headSha(client, repo),
        force: true,
      }),
    );
    expect(moved.status).toBe(422);
    // Title and notes stay editable.
    const edited = await status(
      client.request("PATCH /repos/{owner}/{repo}/releases/{release_id}", {
        owner: OWNER,
        repo,
        release_id: release.id,
        name: "fraud v1 (edited)",
      }),
    );
    expect(edited.status).toBe(200);

    await admin.request("DELETE /repos/{owner}/{repo}/immutable-releases", { owner: OWNER, repo });
    expect(
      (await status(admin.request("GET /repos/{owner}/{repo}/immutable-releases", { owner: OWNER, repo })))
        .status,
    ).toBe(404);
  });
});
