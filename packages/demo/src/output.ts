/** Writes the page and the local Mermaid copy it loads, so the page renders offline. */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type GitHubView, renderGitHubView } from "./github-view.js";

const MERMAID_FILE = "mermaid.min.js";

export function mermaidBundlePath(): string {
  return createRequire(import.meta.url).resolve(`mermaid/dist/${MERMAID_FILE}`);
}

/** Writes `index.html` and `mermaid.min.js` into `outDir`; returns the page's path. */
export function writeGitHubView(view: GitHubView, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  copyFileSync(mermaidBundlePath(), join(outDir, MERMAID_FILE));
  const page = join(outDir, "index.html");
  writeFileSync(page, renderGitHubView(view, `./${MERMAID_FILE}`));
  return page;
}
