import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const WORKFLOW_EXTENSION = /\.ya?ml$/;

function listYaml(dir: string): string[] {
  try {
    if (!statSync(dir).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => WORKFLOW_EXTENSION.test(name))
    .map((name) => join(dir, name));
}

/**
 * Lists every workflow YAML of the repository, as repository-relative paths:
 * `.github/workflows/*`, `workflows/*` (starter templates) and `examples/<name>/.github/workflows/*`.
 */
export function discoverWorkflowFiles(repoRoot: string): string[] {
  const files = [...listYaml(join(repoRoot, ".github/workflows")), ...listYaml(join(repoRoot, "workflows"))];
  const examplesDir = join(repoRoot, "examples");
  let examples: string[] = [];
  try {
    examples = readdirSync(examplesDir);
  } catch {
    examples = [];
  }
  for (const example of examples) files.push(...listYaml(join(examplesDir, example, ".github/workflows")));
  return files.map((file) => relative(repoRoot, file)).sort();
}
