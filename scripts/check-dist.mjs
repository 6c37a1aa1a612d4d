// Rebuilds every action bundle from scratch and fails when the result differs from what is committed
// (modified, deleted or untracked files under actions/*/dist).
import { execFileSync } from "node:child_process";

execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
const status = execFileSync(
  "git",
  ["status", "--porcelain", "--untracked-files=all", "--", "actions/*/dist"],
  {
    encoding: "utf8",
  },
);
if (status.trim() !== "") {
  console.error(
    "The committed action bundles do not match the sources. Run `pnpm build` and commit actions/*/dist:",
  );
  console.error(status);
  process.exit(1);
}
console.log("actions/*/dist matches the sources.");
