import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { globSync } from "tinyglobby";

/**
 * `hashFiles(patterns…)` as the runner computes it: the sha256 of each matching file (patterns relative
 * to the workspace, `!` excludes, dot files included), then the sha256 of those digests concatenated.
 * Files are taken in sorted path order. No match → the empty string.
 */
export function hashFiles(workspace: string, patterns: string[]): string {
  const include = patterns.filter((p) => p.trim() !== "" && !p.startsWith("!")).map((p) => p.trim());
  const ignore = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1).trim());
  if (include.length === 0) return "";
  const files = globSync(include, {
    cwd: workspace,
    ignore,
    dot: true,
    onlyFiles: true,
    expandDirectories: false,
  }).sort();
  if (files.length === 0) return "";
  const total = createHash("sha256");
  for (const file of files) {
    total.update(
      createHash("sha256")
        .update(readFileSync(`${workspace}/${file}`))
        .digest(),
    );
  }
  return total.digest("hex");
}
