// Rebuilds every action bundle from scratch and fails when the result differs from what is committed
// (modified, deleted or untracked files under actions/*/dist, the shared chunks in actions/_shared/dist included).
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The committed bundles as a git pathspec. `:(glob)` and `/**` are needed: a plain `actions/*\/dist` matches the
 * folders' own paths only, never a file in them, so a check with it compared nothing.
 */
export const DIST_PATHSPEC = ":(glob)actions/*/dist/**";

function git(...args) {
  return execFileSync("git", args, { cwd: root, encoding: "utf8" });
}

function main() {
  // A pathspec that names no committed file would make the check below pass on anything: refuse instead.
  if (git("ls-files", "--", DIST_PATHSPEC).trim() === "") {
    console.error(`check:dist: no committed file matches ${DIST_PATHSPEC}; nothing to compare.`);
    process.exit(1);
  }
  execFileSync(process.execPath, [join(root, "scripts/build.mjs")], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, MLOPS_SOURCEMAP: "" },
  });
  const status = git("status", "--porcelain", "--untracked-files=all", "--", DIST_PATHSPEC);
  if (status.trim() !== "") {
    console.error(
      "The committed action bundles do not match the sources. Run `pnpm build` and commit actions/*/dist (actions/_shared/dist too):",
    );
    console.error(status);
    process.exit(1);
  }
  console.log("actions/*/dist and actions/_shared/dist match the sources.");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
