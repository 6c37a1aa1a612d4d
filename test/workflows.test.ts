import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkWorkflowSchema,
  checkWorkflowStructure,
  discoverWorkflowFiles,
  loadActionlintIgnores,
  runActionlintOnFiles,
  type WorkflowFinding,
} from "@mlops/workflow-runner";
import { beforeAll, describe, expect, it } from "vitest";

const repoRoot = join(import.meta.dirname, "..");
const files = discoverWorkflowFiles(repoRoot);
const ignores = loadActionlintIgnores(repoRoot);

describe("workflow checks", () => {
  let actionlintFindings: WorkflowFinding[] = [];
  beforeAll(async () => {
    actionlintFindings = await runActionlintOnFiles(repoRoot, files, ignores);
  }, 120_000);

  it("finds the repository's workflows", () => {
    expect(files).toContain(".github/workflows/ci.yml");
  });

  describe.each(files)("%s", (file) => {
    const content = readFileSync(join(repoRoot, file), "utf8");

    it("parses with @actions/workflow-parser", () => {
      expect(checkWorkflowSchema(file, content)).toEqual([]);
    });

    it("passes actionlint", () => {
      expect(actionlintFindings.filter((finding) => finding.file === file)).toEqual([]);
    });

    it("has no script injection, pins third-party actions, sets permissions and timeouts", () => {
      expect(checkWorkflowStructure(file, content)).toEqual([]);
    });
  });
});
