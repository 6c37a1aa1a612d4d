// Options for local runs of a repository's own workflows: warnings before steps that install packages on this
// machine, `skipSetup` to leave them out, and `withInputs` to override what the jobs pass to reusable workflows.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWorkflow, type WorkflowResult } from "../src/index.js";
import { installingCommand } from "../src/run/steps/setup-detect.js";

/** A repository whose workflow calls a reusable one (setup-command + train-command, as the toolkit's). */
function repository(): { dir: string; marks: string; bin: string } {
  const dir = mkdtempSync(join(tmpdir(), "runner-local-"));
  const marks = mkdtempSync(join(tmpdir(), "runner-marks-"));
  const bin = mkdtempSync(join(tmpdir(), "runner-bin-"));
  // a stand-in `pip` on PATH that records it ran (no real package is installed by this test)
  writeFileSync(join(bin, "pip"), `#!/bin/sh\necho "pip $*" >> "${marks}/pip.log"\n`);
  chmodSync(join(bin, "pip"), 0o755);
  mkdirSync(join(dir, ".github/workflows"), { recursive: true });
  writeFileSync(
    join(dir, ".github/workflows/reusable-train.yml"),
    `name: reusable-train
on:
  workflow_call:
    inputs:
      setup-command:
        type: string
        default: ""
      train-command:
        type: string
        required: true
permissions:
  contents: read
jobs:
  train:
    runs-on: ubuntu-latest
    steps:
      - name: Set up the project
        if: inputs.setup-command != ''
        env:
          SETUP_COMMAND: \${{ inputs.setup-command }}
        run: bash -c "$SETUP_COMMAND"
      - name: Install tools
        run: |
          pip install --quiet scikit-learn
      - name: Train
        env:
          TRAIN_COMMAND: \${{ inputs.train-command }}
        run: bash -c "$TRAIN_COMMAND"
`,
  );
  writeFileSync(
    join(dir, ".github/workflows/pr-check.yml"),
    `name: pr-check
on: push
permissions:
  contents: read
jobs:
  check:
    uses: ./.github/workflows/reusable-train.yml
    with:
      setup-command: touch ${marks}/setup-ran
      train-command: echo "trained by the file's command"
`,
  );
  return { dir, marks, bin };
}

async function run(
  repo: { dir: string; bin: string },
  options: { skipSetup?: boolean; withInputs?: Record<string, string> } = {},
): Promise<{ result: WorkflowResult; log: string }> {
  const lines: string[] = [];
  const result = await runWorkflow({
    workflow: ".github/workflows/pr-check.yml",
    workspace: repo.dir,
    event: "push",
    env: { PATH: `${repo.bin}:${process.env.PATH}` },
    log: (line) => lines.push(line),
    ...options,
  });
  return { result, log: lines.join("\n") };
}

describe("steps that install packages on this machine", () => {
  it.each([
    ["pip install -r requirements.txt", true],
    ["python3 -m pip install --upgrade pip", true],
    ["uv pip install .", true],
    ["npm ci", true],
    ["pnpm install --frozen-lockfile", true],
    ["sudo apt-get install -y python3-sklearn", true],
    ["conda env create -f environment.yml", true],
    ["poetry install", true],
    ["npm run train", false],
    ["python train.py --pip-install-free", false],
    ["echo install", false],
    ["pnpm test", false],
  ])("%s → %s", (line, installs) => {
    expect(installingCommand(`set -e\n${line}\n`, {}) !== undefined).toBe(installs);
  });

  it("a setup-command handed over in SETUP_COMMAND counts whatever it runs", () => {
    expect(installingCommand('bash -c "$SETUP_COMMAND"', { SETUP_COMMAND: "make deps" })).toBe(
      "SETUP_COMMAND=make deps",
    );
    expect(installingCommand('bash -c "$SETUP_COMMAND"', { SETUP_COMMAND: "" })).toBeUndefined();
  });

  it("run after a warning (log and annotation) by default", async () => {
    const repo = repository();
    const { result, log } = await run(repo);
    expect(result.conclusion).toBe("success");
    expect(log).toMatch(
      /⚠ Set up the project installs packages on this machine \(SETUP_COMMAND=touch .*setup-ran\)/,
    );
    expect(log).toMatch(
      /⚠ Install tools installs packages on this machine \(pip install --quiet scikit-learn\)/,
    );
    const warnings = result.jobs[0]?.annotations.filter((a) => a.level === "warning") ?? [];
    expect(warnings).toHaveLength(2);
    expect(existsSync(join(repo.marks, "setup-ran"))).toBe(true);
    expect(existsSync(join(repo.marks, "pip.log"))).toBe(true);
  });

  it("are skipped with skipSetup; the other steps run", async () => {
    const repo = repository();
    const { result, log } = await run(repo, { skipSetup: true });
    expect(result.conclusion).toBe("success");
    const steps = result.jobs[0]?.steps ?? [];
    expect(steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Set up the project", "skipped"],
      ["Install tools", "skipped"],
      ["Train", "success"],
    ]);
    expect(log).toContain(
      "○ Install tools (skipped by --skip-setup: installs packages: pip install --quiet scikit-learn)",
    );
    expect(log).toContain("trained by the file's command");
    expect(existsSync(join(repo.marks, "setup-ran"))).toBe(false);
    expect(existsSync(join(repo.marks, "pip.log"))).toBe(false);
  });
});

describe("withInputs: overriding the with: inputs of called workflows", () => {
  it("replaces the value the job passes, and says so", async () => {
    const repo = repository();
    const { result, log } = await run(repo, {
      skipSetup: true,
      withInputs: { "train-command": 'echo "trained by the local override"' },
    });
    expect(result.conclusion).toBe("success");
    expect(log).toContain("trained by the local override");
    expect(log).not.toContain("trained by the file's command");
    expect(log).toContain(
      `--with train-command=echo "trained by the local override" (replaces the job's with: value)`,
    );
  });

  it("refuses a name that no called workflow declares, before anything runs", async () => {
    const repo = repository();
    await expect(run(repo, { withInputs: { "train-comand": "x" } })).rejects.toThrow(
      "--with train-comand: not an input of the called workflows (./.github/workflows/reusable-train.yml: setup-command, train-command)",
    );
    expect(existsSync(join(repo.marks, "setup-ran"))).toBe(false);
  });
});
