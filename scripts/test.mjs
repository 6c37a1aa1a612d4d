// The whole test suite: runs vitest and ends with one plain line `tests: N passed, N failed, N skipped`,
// then, on the following lines, the name of every skipped test. It installs nothing: the Debian
// packages some tests need are installed by the setup step `node scripts/system-deps.mjs` (CI runs it);
// when some are missing, it says which, and only the tests that need them skip.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { missingSystemPackages } from "./system-deps.mjs";

// MLOPS_MISSING_SYSTEM_PACKAGES=chromium,… shows what a machine without those packages runs.
const preset = process.env.MLOPS_MISSING_SYSTEM_PACKAGES;
const missing = preset !== undefined ? preset.split(",").filter(Boolean) : missingSystemPackages();
if (missing.length > 0) {
  console.error(`Missing Debian packages: ${missing.join(" ")}. The tests that need them are skipped.`);
  console.error("Install them with the setup step: sudo node scripts/system-deps.mjs");
}
const dir = mkdtempSync(join(tmpdir(), "mlops-test-"));
const report = join(dir, "vitest.json");
const vitest = spawnSync(
  "pnpm",
  [
    "exec",
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", env: { ...process.env, MLOPS_MISSING_SYSTEM_PACKAGES: missing.join(",") } },
);
const skippedNames = [];
let summary = "tests: no report was written";
try {
  const result = JSON.parse(readFileSync(report, "utf8"));
  const skipped = result.numPendingTests + result.numTodoTests;
  summary = `tests: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${skipped} skipped`;
  if (result.numTotalTests === 0) summary += " (no test ran)";
  for (const file of result.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === "skipped" || test.status === "pending" || test.status === "todo") {
        skippedNames.push(`skipped: ${relative(process.cwd(), file.name)} > ${test.fullName}`);
      }
    }
  }
} catch {}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
for (const line of skippedNames) console.log(line);
if (missing.length > 0)
  console.log(`missing Debian packages: ${missing.join(" ")} (sudo node scripts/system-deps.mjs)`);
process.exit(vitest.status ?? 1);
