// `mlops registry verify MODEL[@alias|:vN]` (issue 17 item 2): the deploy action's verification from a laptop —
// exit 0 verified, 1 refused with the reason on one line, 2 bad input.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keySigner, keyVersionSigner } from "@mlops/core";
import { registerModel, sigstoreVersionSigner } from "@mlops/github";
import { emulatorClient, emulatorIdToken } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let token: string;
let dir: string;
const trusted = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const other = generateKeyPairSync("ed25519");

beforeAll(async () => {
  // Certificates from the emulator's Fulcio name `https://github.com/<job_workflow_ref>`, as GitHub's do.
  emulator = await startEmulator({ serverUrl: "https://github.com" });
  token = emulator.createToken({ contents: "write" }, "ana");
  dir = mkdtempSync(join(tmpdir(), "cli-verify-"));
  writeFileSync(join(dir, "trusted.pub"), trusted.publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(join(dir, "other.pub"), other.publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(join(dir, "model.bin"), "weights");
  const client = emulatorClient(emulator, token);
  const { data: head } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner: "acme",
    repo: "models",
    ref: "heads/main",
  });
  await registerModel(client, {
    owner: "acme",
    repo: "models",
    model: "fraud",
    commitSha: head.object.sha,
    files: [{ path: join(dir, "model.bin") }],
    metrics: { accuracy: 0.9 },
    idempotencyKey: "acme/models/1/fraud",
    aliases: ["production"],
    lineage: { workflow_ref: "acme/models/.github/workflows/release.yml@refs/heads/main" },
    signer: keyVersionSigner(keySigner(trusted.privateKey)),
  });
  // v2 signed keyless (Fulcio certificate + Rekor entry from the emulator's stand-ins).
  const workflowRef = "acme/models/.github/workflows/release.yml@refs/heads/main";
  await registerModel(client, {
    owner: "acme",
    repo: "models",
    model: "fraud",
    commitSha: head.object.sha,
    files: [{ path: join(dir, "model.bin") }],
    metrics: { accuracy: 0.91 },
    idempotencyKey: "acme/models/2/fraud",
    lineage: { workflow_ref: workflowRef },
    signer: sigstoreVersionSigner({
      endpoints: {
        instance: "public-good",
        instanceFrom: "config",
        fulcioUrl: emulator.sigstore.fulcioUrl,
        rekorUrl: emulator.sigstore.rekorUrl,
      },
      idToken: (audience) =>
        emulatorIdToken(emulator, { repository: "acme/models", jobWorkflowRef: workflowRef, audience }),
    }),
    attest: false,
  });
  writeFileSync(join(dir, "trusted_root.json"), JSON.stringify(await emulator.sigstore.trustedRoot()));
});
afterAll(() => emulator.close());

function cli(args: string[]) {
  return runCliCaptured(
    [
      "registry",
      "verify",
      ...args,
      "--repo",
      "acme/models",
      "--api-url",
      emulator.url,
      "--server-url",
      "https://github.com",
    ],
    { cwd: dir, env: { GITHUB_TOKEN: token, USER: "ana" } },
  );
}

describe("mlops registry verify", () => {
  it("exit 0 when the signature, signer and files verify (by alias or version)", async () => {
    const ok = await cli(["fraud@production", "--public-key", "trusted.pub"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /^fraud\/v1: verified — signed by key sha256:[0-9a-f]{12}… at refs\/heads\/main, commit [0-9a-f]{40}; 3 files match/,
    );
    const json = await cli(["fraud:v1", "--public-key", "trusted.pub", "--format", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      model: "fraud",
      version: "1",
      verified: true,
      ref: "refs/heads/main",
      files: 3,
    });
  });

  it("exit 1 with one line when refused: another key, a ref not allowed", async () => {
    const wrongKey = await cli(["fraud:v1", "--public-key", "other.pub"]);
    expect([wrongKey.code, wrongKey.stderr.trim().split("\n").length]).toEqual([1, 1]);
    expect(wrongKey.stderr).toMatch(
      /^mlops: fraud\/v1 model.intoto.jsonl: the signature does not verify with the trusted public key/,
    );
    const ref = await cli([
      "fraud:v1",
      "--public-key",
      "trusted.pub",
      "--allowed-signer-refs",
      "refs/tags/v*",
    ]);
    expect(ref.code).toBe(1);
    expect(ref.stderr).toContain(
      "signed at refs/heads/main, which the allowed signer refs (refs/tags/v*) do not include",
    );
  });

  it("exit 1 for a key-signed version when no key is given (keyless alone cannot verify it)", async () => {
    const nothing = await cli(["fraud:v1"]);
    expect([nothing.code, nothing.stderr]).toEqual([
      1,
      "mlops: fraud/v1 is signed with a key (model.intoto.jsonl), and no trusted public key is configured (registry.signing.public_key, the public-key input or --public-key).",
    ]);
  });

  it("keyless: exit 0 naming the certificate SAN and the Rekor entry; exit 1 for another issuer or ref", async () => {
    const keyless = ["fraud:v2", "--trusted-root", "trusted_root.json"];
    const ok = await cli([...keyless, "--oidc-issuer", emulator.sigstore.oidcIssuer]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /^fraud\/v2: verified — signed by https:\/\/github.com\/acme\/models\/.github\/workflows\/release.yml@refs\/heads\/main at refs\/heads\/main, commit [0-9a-f]{40}; 3 files match; Rekor log index \d+ \(\d{4}-/,
    );
    // Default issuer: GitHub's, which the emulator's certificate does not name.
    const issuer = await cli(keyless);
    expect([issuer.code, issuer.stderr.trim().split("\n").length]).toEqual([1, 1]);
    expect(issuer.stderr).toContain(
      `fraud/v2 provenance.sigstore.json: the signing certificate was issued for an ID token of ${emulator.sigstore.oidcIssuer}, not https://token.actions.githubusercontent.com`,
    );
    const ref = await cli([
      ...keyless,
      "--oidc-issuer",
      emulator.sigstore.oidcIssuer,
      "--allowed-signer-refs",
      "refs/tags/v*",
    ]);
    expect([ref.code, ref.stderr.trim().split("\n").length]).toEqual([1, 1]);
    expect(ref.stderr).toContain(
      "signed at refs/heads/main, which the allowed signer refs (refs/tags/v*) do not include",
    );
    const missing = await cli(["fraud:v2", "--trusted-root", "nope.json"]);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringContaining("trusted-root: no trusted root file at"),
    ]);
  });

  it("exit 2 on bad input: no key file, a private key", async () => {
    const missing = await cli(["fraud:v1", "--public-key", "nope.pub"]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining("no key file at")]);
    writeFileSync(join(dir, "private.pem"), trusted.privateKey.export({ type: "pkcs8", format: "pem" }));
    const secret = await cli(["fraud:v1", "--public-key", "private.pem"]);
    expect([secret.code, secret.stderr]).toEqual([2, expect.stringContaining("this is a private key")]);
  });
});
