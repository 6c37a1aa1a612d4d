// The whole test suite: makes sure the Debian packages some tests need are there, runs vitest, and ends
// with one plain line `tests: N passed, N failed, N skipped`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSystemPackages } from "./system-deps.mjs";

ensureSystemPackages();
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
  { stdio: "inherit" },
);
let summary = "tests: no report was written";
try {
  const result = JSON.parse(readFileSync(report, "utf8"));
  const skipped = result.numPendingTests + result.numTodoTests;
  summary = `tests: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${skipped} skipped`;
  if (result.numTotalTests === 0) summary += " (no test ran)";
} catch {}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
process.exit(vitest.status ?? 1);
