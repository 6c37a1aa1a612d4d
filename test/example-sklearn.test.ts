/**
 * The scikit-learn example's PR check through the local runner, the bundled actions and the emulator:
 * its real workflow file runs `train.py` with Debian's python3-sklearn (/usr/bin/python3), on main for
 * the baseline, then on a better and a worse pull request (the demo's first three stages).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoResult, runDemo } from "@mlops/demo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingOf } from "../scripts/system-deps.mjs";

/** Debian packages this file needs (installed by `node scripts/system-deps.mjs`); missing → its tests skip. */
const lacking = missingOf("python3-sklearn", "python3-yaml");

const outDir = mkdtempSync(join(tmpdir(), "mlops-sklearn-"));
const lines: string[] = [];
let result: DemoResult;

beforeAll(async () => {
  if (lacking.length > 0) return;
  const probe = spawnSync("/usr/bin/python3", ["-c", "import sklearn, yaml"], { encoding: "utf8" });
  if (probe.status !== 0)
    throw new Error(`/usr/bin/python3 cannot import scikit-learn (install python3-sklearn): ${probe.stderr}`);
  result = await runDemo({
    example: "sklearn",
    verbosity: "quiet",
    outDir,
    only: ["setup", "better-pr", "worse-pr"],
    write: (line) => lines.push(line),
  });
}, 600_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe.skipIf(lacking.length > 0)("examples/sklearn-classifier PR check through the runner", () => {
  it("trains on main, passes the better PR and fails the worse PR naming a rule", () => {
    const played = result.stages.filter((stage) => stage.detail !== "skipped: not selected");
    expect(played.map((s) => `${s.id}: ${s.status}${s.status === "passed" ? "" : ` (${s.detail})`}`)).toEqual(
      ["setup: passed", "better-pr: passed", "worse-pr: passed"],
    );
    expect(result.violations).toBe(0);
  });

  it("ran the workflows against the emulator (REST and artifact runtime)", () => {
    expect(result.apiCalls.workflowRest).toBeGreaterThan(0);
    expect(result.apiCalls.artifactRuntime).toBeGreaterThan(0);
  });
});
