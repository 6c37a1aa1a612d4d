/**
 * Working copies of the example repository: one temporary directory per branch state (main, each pull
 * request's head, main after the merge). A copy holds the example's committed files (no
 * `node_modules`, no generated outputs) plus, for the Node example, a link to the dependencies already
 * installed for it in this workspace, so nothing is downloaded.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";

/** Paths (relative, `/`-separated) left out of a working copy and of the commits. */
const IGNORED = new Set([
  "node_modules",
  "model",
  "metrics.json",
  "predictions.csv",
  "run.json",
  "deployed",
  "__pycache__",
  ".venv",
]);

/** Every file of the example that a repository would hold, as `relative path → UTF-8 content`. */
export function repositoryFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (IGNORED.has(entry.name)) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files[relative(dir, path).split(sep).join("/")] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

export interface WorkingCopy {
  dir: string;
  /** The files that differ from the example (what the branch's commit changes). */
  changes: Record<string, string>;
}

export class WorkingCopies {
  private readonly root: string;

  constructor(
    private readonly exampleDir: string,
    private readonly toolkitRoot: string,
  ) {
    this.root = mkdtempSync(join(tmpdir(), "mlops-demo-"));
  }

  /**
   * A fresh copy of the example named `name`, with `changes` (`relative path → content`) applied.
   * Reusable workflows called by a local path (`./.github/workflows/reusable-*.yml`) that the example
   * does not carry are taken from this toolkit, as if the repository had vendored them.
   */
  create(name: string, changes: Record<string, string> = {}): WorkingCopy {
    const dir = join(this.root, name);
    cpSync(this.exampleDir, dir, {
      recursive: true,
      filter: (source) => !IGNORED.has(source.split(sep).pop() ?? ""),
    });
    const modules = join(this.exampleDir, "node_modules");
    if (existsSync(modules)) symlinkSync(modules, join(dir, "node_modules"), "dir");
    for (const [path, content] of Object.entries(changes)) writeFileSync(join(dir, path), content);
    this.vendorReusableWorkflows(dir);
    return { dir, changes };
  }

  private vendorReusableWorkflows(dir: string): void {
    const workflows = join(dir, ".github", "workflows");
    if (!existsSync(workflows)) return;
    for (const file of readdirSync(workflows)) {
      const text = readFileSync(join(workflows, file), "utf8");
      for (const match of text.matchAll(/uses:\s*\.\/\.github\/workflows\/([\w.-]+\.ya?ml)/g)) {
        const target = join(workflows, match[1] as string);
        const source = join(this.toolkitRoot, ".github", "workflows", match[1] as string);
        if (!existsSync(target) && existsSync(source)) cpSync(source, target);
      }
    }
  }

  /** Removes every working copy. */
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
