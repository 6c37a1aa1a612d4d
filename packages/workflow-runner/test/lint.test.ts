import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkAllWorkflows,
  checkWorkflowSchema,
  checkWorkflowStructure,
  discoverWorkflowFiles,
  isThirdPartyUses,
  loadActionlintIgnores,
  parseActionlintOutput,
  runActionlint,
  runActionlintOnFiles,
} from "../src/index.js";

const SHA = "11bd71901bbe5b1630ceea73d27597364c9af683";

const badWorkflow = `on: pull_request
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Greet
        run: echo "\${{ github.event.pull_request.title }} \${{ inputs.x }} \${{ github.head_ref }}"
      - run: echo "\${{ github.sha }}"
  call:
    uses: other/repo/.github/workflows/x.yml@main
`;

const goodWorkflow = `on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@${SHA}
      - uses: mlops-actions/mlops-actions/actions/train@v1
      - uses: ./actions/train
      - env:
          TITLE: \${{ github.event.head_commit.message }}
        run: echo "$TITLE \${{ github.sha }}"
`;

function tempRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "wf-lint-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe("structure checks", () => {
  it("reports injection, unpinned uses and missing permissions/timeouts", () => {
    const findings = checkWorkflowStructure("bad.yml", badWorkflow);
    const byCheck = (check: string) => findings.filter((finding) => finding.check === check);
    expect(byCheck("injection")).toHaveLength(3);
    expect(byCheck("injection")[0]?.message).toContain("github.event.pull_request.title");
    expect(byCheck("pinning").map((finding) => finding.message)).toEqual([
      "job build step 1 (actions/checkout@v4): actions/checkout@v4 is not pinned to a full commit SHA",
      "job call: other/repo/.github/workflows/x.yml@main is not pinned to a full commit SHA",
    ]);
    expect(byCheck("permissions")).toHaveLength(2);
    expect(byCheck("timeout").map((finding) => finding.message)).toEqual([
      "job build has no timeout-minutes",
    ]);
  });

  it("accepts pinned, first-party and local actions and env-passed event data", () => {
    expect(checkWorkflowStructure("good.yml", goodWorkflow)).toEqual([]);
  });

  it("classifies uses references", () => {
    expect(isThirdPartyUses("./actions/x")).toBe(false);
    expect(isThirdPartyUses("docker://alpine")).toBe(false);
    expect(isThirdPartyUses("mlops-actions/mlops-actions/actions/deploy@v1")).toBe(false);
    expect(isThirdPartyUses("actions/checkout@v4")).toBe(true);
  });
});

describe("schema check", () => {
  it("reports schema errors and accepts valid workflows", () => {
    expect(checkWorkflowSchema("good.yml", goodWorkflow)).toEqual([]);
    const errors = checkWorkflowSchema("bad.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((error) => error.check === "parse")).toBe(true);
  });
});

describe("actionlint", () => {
  it("parses CLI output lines", () => {
    const output =
      'Checking 1 workflow file(s)...\nw.yml:7:13 invalid CRON format "x" [events]\n   5 | on:\n';
    expect(parseActionlintOutput(output)).toEqual([
      { file: "w.yml", check: "actionlint", line: 7, message: 'invalid CRON format "x" [events]' },
    ]);
  });

  it("runs on a real file and applies ignores from .github/actionlint.yaml", async () => {
    const workflow = `on:\n  schedule:\n    - cron: $cron-daily\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n`;
    const root = tempRepo({ "workflows/t.yml": workflow, ".github/workflows/t.yml": workflow });
    writeFileSync(
      join(root, ".github/actionlint.yaml"),
      "paths:\n  workflows/*.yml:\n    ignore:\n      - 'invalid CRON format'\n",
    );
    const ignores = loadActionlintIgnores(root);
    expect(await runActionlint(root, "workflows/t.yml", ignores)).toEqual([]);
    const reported = await runActionlintOnFiles(
      root,
      [".github/workflows/t.yml", "workflows/t.yml"],
      ignores,
    );
    expect(reported).toHaveLength(1);
    expect(reported[0]?.file).toBe(".github/workflows/t.yml");
    expect(reported[0]?.message).toContain("invalid CRON format");
    expect(discoverWorkflowFiles(root)).toEqual([".github/workflows/t.yml", "workflows/t.yml"]);
    const all = await checkAllWorkflows(root);
    expect(all.filter((finding) => finding.check === "actionlint")).toHaveLength(1);
    expect(all.filter((finding) => finding.check === "permissions")).toHaveLength(2);
  }, 60_000);
});
