/**
 * Signed versions through the register and deploy actions (issue 17 items 1–3, key-based): register
 * signs with the `signing-key` input before publishing; deploy verifies files, signature and signer
 * BEFORE it creates a deployment, and refuses a tampered file, a swapped signature, another key and a
 * statement from another repository with one line and no deployment.
 */
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Harness, headSha, runStep, startHarness, writeTree } from "@mlops/action-kit/testing";
import { main as register } from "@mlops/action-register";
import { type GitHubClient, getPublishedRelease, registerModel, sigstoreVersionSigner } from "@mlops/github";
import { emulatorIdToken } from "@mlops/github/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as deploy } from "../src/main.js";

const OWNER = "acme";
let harness: Harness;

const pair = () => generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const pem = (key: KeyObject, type: "pkcs8" | "spki") => key.export({ type, format: "pem" }).toString();
const { privateKey, publicKey } = pair();
const PRIVATE = pem(privateKey, "pkcs8");
const PUBLIC = pem(publicKey, "spki");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

let runIds = 5000;
async function registerSigned(repo: string, weights: string, inputs: Record<string, string> = {}) {
  const cwd = join(harness.dir, repo, `register-${runIds}`);
  await writeTree(cwd, { "model.bin": weights, "metrics.json": '{"accuracy": 0.9}' });
  return runStep(register, {
    harness,
    repository: `${OWNER}/${repo}`,
    sha: await headSha(harness.client, OWNER, repo),
    runId: runIds++,
    cwd,
    inputs: {
      "model-name": "fraud",
      files: "model.bin",
      metrics: "metrics.json",
      "signing-key": PRIVATE,
      "gate-result": "passed",
      dispatch: "false",
      ...inputs,
    },
  });
}

async function deploySigned(repo: string, inputs: Record<string, string> = {}) {
  const cwd = join(harness.dir, repo, "deploy");
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, "trusted.pub"), PUBLIC);
  return runStep(deploy, {
    harness,
    repository: `${OWNER}/${repo}`,
    sha: await headSha(harness.client, OWNER, repo),
    runId: runIds++,
    cwd,
    inputs: {
      "model-name": "fraud",
      environment: "production",
      command: 'echo "$MODEL_VERSION" >> deployed.txt',
      "public-key": "trusted.pub",
      "require-signature": "true",
      version: "1",
      ...inputs,
    },
    deps: { sleep: async () => {} } as never,
  });
}

async function deployments(client: GitHubClient, repo: string): Promise<number> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/deployments", { owner: OWNER, repo });
  return data.length;
}

/** Replaces a published asset the way someone with `contents: write` could (without immutable releases). */
async function replaceAsset(repo: string, name: string, content: string): Promise<void> {
  const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
  const asset = release?.assets.find((a) => a.name === name);
  if (!release || !asset) throw new Error(`no asset ${name}`);
  await harness.client.request("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo,
    asset_id: asset.id,
  });
  await harness.client.request({
    method: "POST",
    url: `${release.uploadUrl.replace(/\{[^}]*\}$/, "")}?name=${name}`,
    headers: { "content-type": "application/octet-stream" },
    data: Buffer.from(content),
  });
}

async function assetText(repo: string, name: string): Promise<string> {
  const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
  const asset = release?.assets.find((a) => a.name === name);
  const { data } = await harness.client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo,
    asset_id: asset?.id ?? 0,
    headers: { accept: "application/octet-stream" },
  });
  return Buffer.from(data as unknown as ArrayBuffer).toString("utf8");
}

describe("signed versions (key-based)", () => {
  it("register attaches the signatures before publishing; deploy verifies them, then deploys", async () => {
    const repo = "signed-ok";
    const registered = await registerSigned(repo, "weights 1");
    expect(registered.failure).toBeUndefined();
    const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
    expect(release?.assets.map((a) => a.name).sort()).toEqual(
      ["SHA256SUMS", "model.bin", "model.intoto.jsonl", "model.json", "model.sig"].sort(),
    );
    // Every asset went to the draft: the publish PATCH is the last release write.
    const writes = harness.emulator.requestLog.filter(
      (r) => r.path.includes(`/repos/${OWNER}/${repo}/releases`) && r.method !== "GET",
    );
    expect(writes.at(-1)?.method).toBe("PATCH");
    const deployed = await deploySigned(repo);
    expect(deployed.failure).toBeUndefined();
    expect(deployed.lines.map((l) => l.message).join("\n")).toMatch(
      /fraud\/v1: signature verified \(key sha256:[0-9a-f]{12}… at refs\/heads\/main/,
    );
    expect(await deployments(harness.client, repo)).toBe(1);
  });

  it("refuses a file changed after signing (SHA256SUMS and model.json rewritten to match): no deployment", async () => {
    const repo = "signed-tampered";
    await registerSigned(repo, "weights 1");
    const manifest = JSON.parse(await assetText(repo, "model.json"));
    manifest.files[0].sha256 = sha256("evil");
    manifest.files[0].size = 4;
    const manifestText = JSON.stringify(manifest);
    await replaceAsset(repo, "model.bin", "evil");
    await replaceAsset(repo, "model.json", manifestText);
    await replaceAsset(
      repo,
      "SHA256SUMS",
      `${sha256("evil")}  model.bin\n${sha256(manifestText)}  model.json\n`,
    );
    const refused = await deploySigned(repo);
    expect(refused.failure).toMatch(
      /^fraud\/v1 model.intoto.jsonl: model.bin \(sha256:[0-9a-f]{12}…\) does not match the signed digest \(sha256:[0-9a-f]{12}…\): the file was changed after signing\.$/,
    );
    expect(await deployments(harness.client, repo)).toBe(0);
  });

  it("refuses a swapped signature (another version's), another key, and another repository's statement", async () => {
    const repo = "signed-swapped";
    await registerSigned(repo, "weights 1");
    await registerSigned(repo, "weights 2");
    const release2 = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v2");
    const { data } = await harness.client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
      owner: OWNER,
      repo,
      asset_id: release2?.assets.find((a) => a.name === "model.intoto.jsonl")?.id ?? 0,
      headers: { accept: "application/octet-stream" },
    });
    const original = await assetText(repo, "model.intoto.jsonl");
    await replaceAsset(
      repo,
      "model.intoto.jsonl",
      Buffer.from(data as unknown as ArrayBuffer).toString("utf8"),
    );
    expect((await deploySigned(repo)).failure).toMatch(
      /^fraud\/v1 model.intoto.jsonl: the signed statement is for fraud v2, not fraud v1: a signature of another version\.$/,
    );
    await replaceAsset(repo, "model.intoto.jsonl", original);

    const other = pem(pair().publicKey, "spki");
    expect((await deploySigned(repo, { "public-key": other })).failure).toMatch(
      /^fraud\/v1 model.intoto.jsonl: the signature does not verify with the trusted public key \(sha256:[0-9a-f]{12}…\)/,
    );
    expect(await deployments(harness.client, repo)).toBe(0);

    // The same key used by another repository's workflow: its statement names that repository.
    const foreign = "signed-foreign";
    await registerSigned(foreign, "weights 1");
    // A valid statement signed by evil/fraud's release workflow with the shared key, put on acme's release.
    const { keyVersionSigner, keySigner, parsePrivateKey } = await import("@mlops/core");
    const sums = await assetText(foreign, "SHA256SUMS");
    const signed = sums
      .trim()
      .split("\n")
      .map((line) => ({ name: line.slice(66), sha256: line.slice(0, 64) }));
    signed.push({ name: "SHA256SUMS", sha256: sha256(sums) });
    const [provenance] = await keyVersionSigner(keySigner(parsePrivateKey(PRIVATE, "key"))).sign(signed, {
      serverUrl: "https://github.localhost",
      repository: "evil/fraud",
      commit: "0".repeat(40),
      workflowRef: "evil/fraud/.github/workflows/release.yml@refs/heads/main",
      run: { id: 1, attempt: 1, url: "" },
      model: "fraud",
      version: "1",
      tag: "fraud/v1",
    });
    await replaceAsset(foreign, "model.intoto.jsonl", provenance?.content ?? "");
    expect((await deploySigned(foreign)).failure).toMatch(
      /^fraud\/v1 model.intoto.jsonl: the signed statement names the repository https:\/\/github.localhost\/evil\/fraud, not https:\/\/github.localhost\/acme\/signed-foreign: a statement from another repository\.$/,
    );
    expect(await deployments(harness.client, foreign)).toBe(0);
  });

  it("an unsigned version is refused when signatures are required, deployed with a warning when not", async () => {
    const repo = "signed-missing";
    await registerSigned(repo, "weights 1", { "signing-key": "", signing: "none" });
    expect((await deploySigned(repo)).failure).toBe(
      "fraud/v1 is not signed (no model.intoto.jsonl or provenance.sigstore.json in its release), and signatures are required.",
    );
    expect(await deployments(harness.client, repo)).toBe(0);
    const lenient = await deploySigned(repo, { "require-signature": "false" });
    expect(lenient.failure).toBeUndefined();
    expect(lenient.lines.map((l) => l.message).join("\n")).toContain(
      "fraud/v1 is not signed; using it because registry.signing.required is not set.",
    );
  });

  it("a rollback to a version that does not verify is reported with the failure, not instead of it", async () => {
    const repo = "signed-rollback";
    await registerSigned(repo, "weights 1", { "signing-key": "", signing: "none" });
    await registerSigned(repo, "weights 2");
    expect((await deploySigned(repo, { "require-signature": "false" })).failure).toBeUndefined();
    const failed = await deploySigned(repo, { version: "2", command: "exit 4" });
    expect(failed.failure).toBe(
      "fraud v2 was not deployed to production: deploy command failed with exit code 4; rolling back to v1 failed too: fraud/v1 is not signed (no model.intoto.jsonl or provenance.sigstore.json in its release), and signatures are required.",
    );
  });

  it("register refuses a bad key before anything is written", async () => {
    const repo = "signed-badkey";
    const refused = await registerSigned(repo, "weights 1", { "signing-key": "not a key" });
    expect(refused.failure).toMatch(/^signing-key: not a PEM private key/);
    expect(await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1")).toBeUndefined();
  });
});

describe("signed versions (keyless)", () => {
  /** `fraud` v1 signed keyless by `workflowRef`'s job (the emulator's Fulcio and Rekor), deploy's mlops.yml beside it. */
  async function registerKeyless(repo: string, workflowRef: string) {
    const cwd = join(harness.dir, repo, "keyless");
    const { sigstore } = harness.emulator;
    await writeTree(cwd, {
      "model.bin": "weights",
      "trusted_root.json": JSON.stringify(await sigstore.trustedRoot()),
      "mlops.yml": [
        "version: 1",
        "models:",
        "  - name: fraud",
        "registry:",
        "  signing:",
        "    required: true",
        "    sigstore:",
        "      trusted_root: trusted_root.json",
        `      oidc_issuer: ${sigstore.oidcIssuer}`,
        "",
      ].join("\n"),
    });
    await registerModel(harness.client, {
      owner: OWNER,
      repo,
      model: "fraud",
      commitSha: await headSha(harness.client, OWNER, repo),
      files: [{ path: join(cwd, "model.bin") }],
      metrics: { accuracy: 0.9 },
      idempotencyKey: `${repo}/keyless`,
      serverUrl: "https://github.localhost",
      lineage: { workflow_ref: workflowRef },
      signer: sigstoreVersionSigner({
        endpoints: {
          instance: "public-good",
          instanceFrom: "config",
          fulcioUrl: sigstore.fulcioUrl,
          rekorUrl: sigstore.rekorUrl,
        },
        idToken: (audience) =>
          emulatorIdToken(harness.emulator, {
            repository: workflowRef.split("/").slice(0, 2).join("/"),
            jobWorkflowRef: workflowRef,
            audience,
          }),
      }),
      attest: false,
    });
    return cwd;
  }

  const deployKeyless = async (repo: string, cwd: string, inputs: Record<string, string> = {}) =>
    runStep(deploy, {
      harness,
      repository: `${OWNER}/${repo}`,
      sha: await headSha(harness.client, OWNER, repo),
      runId: runIds++,
      cwd,
      inputs: {
        environment: "production",
        command: 'echo "$MODEL_VERSION" >> deployed.txt',
        version: "1",
        ...inputs,
      },
      deps: { sleep: async () => {} } as never,
    });

  it("mlops.yml's trusted_root and oidc_issuer: deploy verifies the certificate and says who signed", async () => {
    const repo = "keyless-ok";
    const cwd = await registerKeyless(repo, `${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main`);
    const deployed = await deployKeyless(repo, cwd);
    expect(deployed.failure).toBeUndefined();
    expect(deployed.lines.map((l) => l.message).join("\n")).toMatch(
      /fraud\/v1: signature verified \(https:\/\/github.localhost\/acme\/keyless-ok\/.github\/workflows\/release.yml@refs\/heads\/main at refs\/heads\/main, commit [0-9a-f]{12}; 3 files; Rekor log index \d+ /,
    );
    expect(deployed.summary.join("\n")).toMatch(
      /Signature verified: signed by https:\/\/github.localhost\/acme\/keyless-ok\/.github\/workflows\/release.yml@refs\/heads\/main at refs\/heads\/main, commit [0-9a-f]{12}; Rekor log index \d+ /,
    );
    expect(await deployments(harness.client, repo)).toBe(1);
    // The oidc-issuer input overrides the config: GitHub's issuer, which this certificate does not name.
    const refused = await deployKeyless(repo, cwd, {
      "oidc-issuer": "https://token.actions.githubusercontent.com",
    });
    expect(refused.failure).toBe(
      `fraud/v1 provenance.sigstore.json: the signing certificate was issued for an ID token of ${harness.emulator.sigstore.oidcIssuer}, not https://token.actions.githubusercontent.com (registry.signing.sigstore.oidc_issuer).`,
    );
    expect(await deployments(harness.client, repo)).toBe(1);
  });

  it("refuses a certificate of another repository's workflow and one at a ref that is not allowed: no deployment", async () => {
    const foreign = "keyless-foreign";
    const cwd = await registerKeyless(foreign, "evil/fraud/.github/workflows/release.yml@refs/heads/main");
    expect((await deployKeyless(foreign, cwd)).failure).toBe(
      "fraud/v1 provenance.sigstore.json: the signing certificate names the repository https://github.localhost/evil/fraud, not https://github.localhost/acme/keyless-foreign: a statement from another repository.",
    );
    const branch = "keyless-branch";
    const cwd2 = await registerKeyless(
      branch,
      `${OWNER}/${branch}/.github/workflows/release.yml@refs/heads/dev`,
    );
    expect((await deployKeyless(branch, cwd2)).failure).toMatch(
      /^fraud\/v1 provenance.sigstore.json: signed at refs\/heads\/dev, which the allowed signer refs \(refs\/heads\/main, refs\/tags\/v\*\) do not include\.$/,
    );
    expect([await deployments(harness.client, foreign), await deployments(harness.client, branch)]).toEqual([
      0, 0,
    ]);
  });
});
