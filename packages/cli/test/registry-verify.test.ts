// `mlops registry verify MODEL[@alias|:vN]` (issue 17 item 2): the deploy action's verification from a laptop —
// exit 0 verified, 1 refused with the reason on one line, 2 bad input.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keySigner, keyVersionSigner } from "@mlops/core";
import { registerModel } from "@mlops/github";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let token: string;
let dir: string;
const trusted = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const other = generateKeyPairSync("ed25519");

beforeAll(async () => {
  emulator = await startEmulator();
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

  it("exit 2 on bad input: no key file, a private key", async () => {
    const missing = await cli(["fraud:v1", "--public-key", "nope.pub"]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining("no key file at")]);
    writeFileSync(join(dir, "private.pem"), trusted.privateKey.export({ type: "pkcs8", format: "pem" }));
    const secret = await cli(["fraud:v1", "--public-key", "private.pem"]);
    expect([secret.code, secret.stderr]).toEqual([2, expect.stringContaining("this is a private key")]);
  });
});
