import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadActionlintIgnores, runActionlint, runActionlintOnFiles } from "./actionlint.js";
import { discoverWorkflowFiles } from "./discover.js";
import { checkWorkflowSchema } from "./parse-check.js";
import { checkWorkflowStructure } from "./structure-checks.js";
import type { WorkflowFinding } from "./types.js";

export {
  loadActionlintIgnores,
  parseActionlintOutput,
  runActionlint,
  runActionlintOnFiles,
} from "./actionlint.js";
export { discoverWorkflowFiles } from "./discover.js";
export { checkWorkflowSchema } from "./parse-check.js";
export {
  checkJobHygiene,
  checkPinnedActions,
  checkScriptInjection,
  checkWorkflowStructure,
  FIRST_PARTY_REPOSITORY,
  isThirdPartyUses,
} from "./structure-checks.js";
export type { WorkflowFinding } from "./types.js";

/** Runs every workflow check (schema, actionlint, injection, pinning, permissions, timeout) on one file. */
export async function checkWorkflowFile(repoRoot: string, file: string): Promise<WorkflowFinding[]> {
  const content = readFileSync(join(repoRoot, file), "utf8");
  return [
    ...checkWorkflowSchema(file, content),
    ...checkWorkflowStructure(file, content),
    ...(await runActionlint(repoRoot, file, loadActionlintIgnores(repoRoot))),
  ];
}

/** Runs the workflow checks on every workflow file of the repository (see `discoverWorkflowFiles`). */
export async function checkAllWorkflows(repoRoot: string): Promise<WorkflowFinding[]> {
  const files = discoverWorkflowFiles(repoRoot);
  const local = files.flatMap((file) => {
    const content = readFileSync(join(repoRoot, file), "utf8");
    return [...checkWorkflowSchema(file, content), ...checkWorkflowStructure(file, content)];
  });
  return [...local, ...(await runActionlintOnFiles(repoRoot, files, loadActionlintIgnores(repoRoot)))];
}
