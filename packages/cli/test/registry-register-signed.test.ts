// `mlops registry register --signing-key` (issue 17, CLI parity with the register action): signs from a laptop
// with a statement of what is true there — the checked-out commit and branch, no workflow, no run — refuses a
// dirty work tree unless --allow-dirty, and respects registry.signing.required. `mlops registry verify` accepts
// such a version unless the policy names a workflow.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let token: string;
let checkout: string;
let keys: string;
let head: string;

const git = (...args: string[]) => execFileSync("git", args, { cwd: checkout, encoding: "utf8" }).trim();

beforeAll(async () => {
  emulator = await startEmulator();
  token = emulator.createToken({ contents: "write" }, "ana");
  // The key pair and configs live outside the checkout (they are not part of the model's source).
  keys = mkdtempSync(join(tmpdir(), "cli-sign-keys-"));
  const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  writeFileSync(join(keys, "signing.key"), pair.privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(join(keys, "signing.pub"), pair.publicKey.export({ type: "spki", format: "pem" }));
  // A checkout on main with one commit, which the repository has too (as after `git push`).
  checkout = mkdtempSync(join(tmpdir(), "cli-sign-checkout-"));
  git("init", "-q", "-b", "main");
  git("config", "user.email", "ana@example.com");
  git("config", "user.name", "Ana");
  writeFileSync(join(checkout, "train.py"), "print('train')\n");
  git("add", "train.py");
  git("commit", "-q", "-m", "train");
  head = git("rev-parse", "HEAD");
  await emulatorClient(emulator, token).request("POST /_emulator/repos/{owner}/{repo}/commits", {
    owner: "acme",
    repo: "models",
    branch: "main",
    message: "train",
    files: { "train.py": "print('train')\n" },
    sha: head,
  });
  writeFileSync(join(checkout, "model.bin"), "weights"); // untracked: it is what is registered
});
afterAll(() => emulator.close());

function cli(args: string[]) {
  return runCliCaptured([...args, "--repo", "acme/models", "--api-url", emulator.url], {
    cwd: checkout,
    env: { GITHUB_TOKEN: token, USER: "ana", MLOPS_WRITE_PACING_MS: "0" },
  });
}

/** `mlops registry register fraud model.bin ARGS…` in the checkout. */
const register = (...args: string[]) => cli(["registry", "register", "fraud", "model.bin", ...args]);
/** The same, signed with the test's key. */
const registerSigned = (...args: string[]) => register("--signing-key", join(keys, "signing.key"), ...args);

async function releaseTags(): Promise<string[]> {
  const { data } = await emulatorClient(emulator, token).request("GET /repos/{owner}/{repo}/releases", {
    owner: "acme",
    repo: "models",
  });
  return data.map((r) => r.tag_name).sort();
}

describe("mlops registry register --signing-key", () => {
  it("signs the checkout's commit and branch (no workflow); verify accepts it unless the policy names a workflow", async () => {
    const registered = await registerSigned("--format", "json");
    expect(registered.code, registered.stderr).toBe(0);
    const answer = JSON.parse(registered.stdout) as {
      version: string;
      signed_by: string;
      assets: { name: string }[];
    };
    expect(answer.version).toBe("1");
    expect(answer.signed_by).toMatch(/^key sha256:[0-9a-f]{12}…, local checkout at refs\/heads\/main$/);
    expect(answer.assets.map((a) => a.name)).toEqual(
      expect.arrayContaining(["model.intoto.jsonl", "model.sig"]),
    );
    expect(registered.stderr).toMatch(
      /fraud: signed 3 files of v1 \(key sha256:.*, local checkout at refs\/heads\/main\)/,
    );

    const verified = await cli(["registry", "verify", "fraud:v1", "--public-key", join(keys, "signing.pub")]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(
      new RegExp(
        `^fraud/v1: verified — signed by key sha256:[0-9a-f]{12}… \\(from a local checkout, no workflow\\) at refs/heads/main, commit ${head}; 3 files match`,
      ),
    );

    // A policy that names the release workflow refuses a version no workflow signed: one line, exit 1.
    writeFileSync(
      join(keys, "mlops.yml"),
      `version: 1\nmodels:\n  - name: fraud\nregistry:\n  signing:\n    required: true\n    public_key: signing.pub\n    workflow: .github/workflows/mlops-release.yml\n`,
    );
    const refused = await cli(["registry", "verify", "fraud:v1", "--config", join(keys, "mlops.yml")]);
    expect([refused.code, refused.stderr.trim().split("\n")]).toEqual([
      1,
      [
        "mlops: fraud/v1 model.intoto.jsonl: registered and signed from a local checkout with mlops registry register (no workflow, no run), not by .github/workflows/mlops-release.yml.",
      ],
    ]);
  });

  it("refuses a dirty work tree with one line before writing anything; --allow-dirty signs and says so", async () => {
    writeFileSync(join(checkout, "train.py"), "print('changed')\n");
    const before = await releaseTags();
    const dirty = await registerSigned();
    expect([dirty.code, dirty.stderr.trim().split("\n")]).toEqual([
      2,
      [
        `mlops: --signing-key: the work tree has uncommitted changes (1 path, e.g. train.py); a signature would claim commit ${head.slice(0, 7)}, which they are not part of — commit them, or pass --allow-dirty (the statement then says so).`,
      ],
    ]);
    expect(await releaseTags()).toEqual(before);

    writeFileSync(join(checkout, "model.bin"), "weights trained from the changed train.py");
    const allowed = await registerSigned("--allow-dirty");
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain(
      "warning: registering with 1 uncommitted change (--allow-dirty); the signed statement says the work tree was not clean.",
    );
    expect(allowed.stderr).toContain("fraud: signed 3 files of v2 (key sha256:");
    expect(allowed.stderr).toContain("local checkout at refs/heads/main with uncommitted changes)");
    git("checkout", "--", "train.py");
  });

  it("respects registry.signing.required: no key → one line, exit 2, nothing registered", async () => {
    writeFileSync(
      join(keys, "required.yml"),
      "version: 1\nmodels:\n  - name: fraud\nregistry:\n  signing:\n    required: true\n",
    );
    const before = await releaseTags();
    const unsigned = await register("--config", join(keys, "required.yml"));
    expect([unsigned.code, unsigned.stderr.trim().split("\n").length]).toEqual([2, 1]);
    expect(unsigned.stderr).toContain(
      "registry.signing.required is true, but no --signing-key was given (keyless signing needs a GitHub Actions job",
    );
    expect(await releaseTags()).toEqual(before);
  });

  it("refuses to sign another commit than the checked-out one, and a detached HEAD without a tag", async () => {
    const other = await registerSigned("--commit", "0".repeat(40));
    expect([other.code, other.stderr]).toEqual([
      2,
      expect.stringContaining(`--signing-key signs what is checked out (HEAD ${head.slice(0, 7)})`),
    ]);
    git("checkout", "-q", "--detach");
    const detached = await registerSigned();
    expect([detached.code, detached.stderr]).toEqual([
      2,
      expect.stringContaining("is detached and no tag points at it"),
    ]);
    git("checkout", "-q", "main");
  });
});
