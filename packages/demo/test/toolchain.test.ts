/**
 * The toolchain stand-ins must win over the real commands even when a step puts another directory
 * holding them first on PATH (as the setup-node stand-in does with Node's own directory, which holds
 * `corepack`), and must refuse privileged commands. The "real" commands here are decoys that only
 * report that they ran, so a failing test cannot touch the machine.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installToolchainStandIns } from "../src/toolchain.js";

const dir = mkdtempSync(join(tmpdir(), "mlops-toolchain-"));
const env = installToolchainStandIns(join(dir, "bin"));
const exampleDir = join(import.meta.dirname, "..", "..", "..", "examples", "node-classifier");
const decoys = join(dir, "decoys");
mkdirSync(decoys);
for (const name of ["corepack", "pnpm", "sudo", "apt-get"]) {
  writeFileSync(join(decoys, name), `#!/bin/sh\necho "DECOY ${name} ran"\n`);
  chmodSync(join(decoys, name), 0o755);
}

/** Runs `command` the way a `run:` step runs a setup-command: bash → `bash -c "$SETUP_COMMAND"`. */
function runSetup(command: string, cwd = dir) {
  const result = spawnSync(
    "bash",
    ["--noprofile", "--norc", "-c", `export PATH="${decoys}:$PATH"; bash -c "$SETUP_COMMAND"`],
    {
      cwd,
      env: { ...env, HOME: dir, SETUP_COMMAND: command },
      encoding: "utf8",
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  expect(output).not.toContain("DECOY");
  return { status: result.status, output };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("toolchain stand-ins", () => {
  it("replace corepack and pnpm install even when other ones come first on PATH", () => {
    const { status, output } = runSetup("corepack enable && pnpm install --frozen-lockfile", exampleDir);
    expect(output).toContain("[demo stand-in] corepack enable: skipped");
    expect(output).toMatch(/\[demo stand-in\] pnpm install: \d+ dependencies already installed/);
    expect(status).toBe(0);
  });

  it("fail pnpm install when a dependency is missing", () => {
    const { status, output } = runSetup("pnpm install", dir);
    expect(status).not.toBe(0);
    expect(output).toContain("package.json");
  });

  it("check apt-get installs instead of running them, and refuse other sudo commands", () => {
    const missing = runSetup("sudo apt-get update && sudo apt-get install -y no-such-package-mlops");
    expect(missing.output).toContain("apt-get update: skipped");
    expect(missing.output).toContain("not installed: no-such-package-mlops");
    expect(missing.status).not.toBe(0);
    const refused = runSetup("sudo touch /root/mlops-demo-must-not-exist");
    expect(refused.output).toContain("sudo touch: refused");
    expect(refused.status).not.toBe(0);
  });
});
