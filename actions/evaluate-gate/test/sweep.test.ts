/**
 * `sweep`: the gate reads every cell's train artifact of this run, gates each against the one baseline,
 * ranks them and posts ONE comment and ONE check run (issue 16 item 6).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { expandSweepMatrix, sweepArtifactName, sweepCellOf } from "@mlops/core";
import { describe, expect, it } from "vitest";
import {
  checkRuns,
  gateComments,
  openPullRequest,
  runGate,
  runManifest,
  tempDir,
  useGateEmulator,
  workspace,
} from "./helpers.js";

const gh = useGateEmulator({ contents: "write", pull_requests: "write", checks: "read" });

const MATRIX = { lr: [0.1, 0.01], depth: [3, 5] };
const cells = expandSweepMatrix(MATRIX).map(sweepCellOf);

/** The train artifact of one cell (run.json as `train` writes it with `sweep-cell`). */
async function cellArtifact(
  store: ReturnType<typeof createDirectoryArtifactStore>,
  cellIndex: number,
  metrics: Record<string, number>,
  attempt = 1,
) {
  const cell = cells[cellIndex] as (typeof cells)[number];
  const dir = await tempDir("sweep-cell-");
  await writeFile(join(dir, "run.json"), runManifest(metrics, attempt, cell));
  const name = sweepArtifactName("mlops-churn", cell);
  await store.upload(attempt > 1 ? `${name}-attempt-${attempt}` : name, [join(dir, "run.json")], dir);
}

describe("evaluate-gate with 'sweep'", () => {
  it("ranks every cell against one baseline and posts one comment and one check run", async () => {
    const pr = await openPullRequest(gh.admin, "gate-sweep");
    const work = await workspace({ "base.json": JSON.stringify({ accuracy: 0.85, f1: 0.8 }) });
    const store = createDirectoryArtifactStore(join(work, ".artifacts"), { runId: 500 });
    await cellArtifact(store, 0, { accuracy: 0.86, f1: 0.82 }); // lr=0.1, depth=3
    await cellArtifact(store, 1, { accuracy: 0.7, f1: 0.75 }); // lr=0.1, depth=5
    await cellArtifact(store, 1, { accuracy: 0.9, f1: 0.85 }, 2); // … re-run: the newest attempt counts
    // cell 2 (lr=0.01, depth=3): its training failed, no artifact
    await cellArtifact(store, 3, { accuracy: 0.88, f1: 0.7 }); // lr=0.01, depth=5: fails f1 >= baseline - 0.01
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      store,
      attempt: 2,
      inputs: { metrics: "", baseline: "base.json", sweep: JSON.stringify(MATRIX) },
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs.passed).toBe("true");
    expect(JSON.parse(runtime.outputs["best-cell"] ?? "")).toEqual({
      cell: cells[1]?.id,
      values: { lr: 0.1, depth: 5 },
      accuracy: 0.9,
    });

    const comments = await gateComments(gh.admin, pr);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expect(body).toContain(
      "### ⚠️ churn sweep: the best of 4 cells passes the gate — c2 (lr=0.1, depth=5), accuracy 0.9 · ⚠️ 1 of 4 cells has no result",
    );
    const leaderboard = body.split("\n").filter((line) => /^\| +(🏆 )?[\d—]/.test(line));
    expect(leaderboard.map((line) => line.split("|")[2]?.trim())).toEqual([
      "c2 · lr=0.1, depth=5",
      "c4 · lr=0.01, depth=5",
      "c1 · lr=0.1, depth=3",
      "c3 · lr=0.01, depth=3",
    ]);
    expect(leaderboard[3]).toContain("💥 training failed or was cancelled |");
    expect(body).toContain(
      `c3 (training failed or was cancelled: this run has no artifact ${sweepArtifactName("mlops-churn", cells[2] as (typeof cells)[number])})`,
    );
    expect(leaderboard[1]).toContain("❌ 1 failed");
    expect(body).toContain("```mermaid");
    expect(body).toContain("#### Best cell against the baseline: ✅ churn c2 (lr=0.1, depth=5): gate passed");

    const checks = await checkRuns(gh.admin, pr);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: "mlops gate: churn", conclusion: "success" });
    expect(checks[0]?.output.title).toContain("churn sweep: the best of 4 cells passes the gate");

    const gate = JSON.parse(
      await readFile(
        join(work, ".artifacts", "runs", "500", "mlops-gate-churn-attempt-2", "gate.json"),
        "utf8",
      ),
    );
    expect(gate.sweep).toMatchObject({
      metric: "accuracy",
      goal: "maximize",
      mode: "best",
      best: cells[1]?.id,
    });
    // The best cell's run.json is this run's train artifact too: a sweep on main is the base-branch baseline.
    const asBaseline = JSON.parse(
      await readFile(join(work, ".artifacts", "runs", "500", "mlops-churn-attempt-2", "run.json"), "utf8"),
    );
    expect(asBaseline).toMatchObject({ metrics: { accuracy: 0.9, f1: 0.85 }, sweep: { cell: cells[1]?.id } });
    expect(gate.sweep.cells.map((c: { name: string; rank?: number }) => [c.name, c.rank])).toEqual([
      ["c2", 1],
      ["c4", 2],
      ["c1", 3],
      ["c3", undefined],
    ]);
  });

  it("fails loudly when no cell produced the ranking metric, even with fail-on-regression false", async () => {
    const pr = await openPullRequest(gh.admin, "gate-sweep-empty");
    const work = await workspace({});
    const store = createDirectoryArtifactStore(join(work, ".artifacts"), { runId: 500 });
    await cellArtifact(store, 0, { f1: 0.9 });
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      store,
      inputs: {
        metrics: "",
        baseline: "none",
        rules: "",
        "fail-on-regression": "false",
        sweep: JSON.stringify(MATRIX),
      },
    });
    expect(runtime.failure).toMatch(
      /^Sweep gate failed for churn: no cell of 4 produced accuracy, so nothing was ranked \(c1: its gate rules could not run: .*; c2: training failed/,
    );
    expect(runtime.outputs.passed).toBe("false");
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toContain(
      "### ❌ churn sweep: no cell produced accuracy — nothing ranked (4 cells)",
    );
    expect(await checkRuns(gh.admin, pr)).toMatchObject([{ conclusion: "failure" }]);
  });

  it("reads the cells from a folder of downloaded artifacts (the fork companion), newest attempt first", async () => {
    const pr = await openPullRequest(gh.admin, "gate-sweep-folder");
    const work = await workspace({});
    // As download-artifact with `pattern: mlops-*` writes them: one folder per artifact of the fork's run.
    const fork = join(work, "fork");
    const store = createDirectoryArtifactStore(fork);
    await cellArtifact(store, 0, { accuracy: 0.86, f1: 0.82 });
    await cellArtifact(store, 1, { accuracy: 0.7, f1: 0.75 });
    await cellArtifact(store, 1, { accuracy: 0.93, f1: 0.9 }, 3); // the fork's run was re-run twice
    await cellArtifact(store, 3, { accuracy: 0.88, f1: 0.83 });
    await writeFile(join(work, "base.json"), JSON.stringify({ accuracy: 0.85, f1: 0.8 }));
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { metrics: "fork", baseline: "base.json", sweep: JSON.stringify(MATRIX) },
    });
    expect(runtime.failure).toBeUndefined();
    expect(JSON.parse(runtime.outputs["best-cell"] ?? "")).toMatchObject({
      cell: cells[1]?.id,
      accuracy: 0.93,
    });
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toContain(
      "the best of 4 cells passes the gate — c2 (lr=0.1, depth=5), accuracy 0.93",
    );
    expect(comment?.body).toContain(`mlops-churn-cell-${cells[1]?.id}-attempt-3`);
    // gate.json keeps the matrix, so a companion can pass the same `sweep` on.
    const gate = JSON.parse(
      await readFile(join(work, ".artifacts", "runs", "500", "mlops-gate-churn", "gate.json"), "utf8"),
    );
    expect(gate.sweep.matrix).toEqual(MATRIX);
  });

  it("refuses a bad matrix, and a metrics file with 'sweep', before any request", async () => {
    const pr = await openPullRequest(gh.admin, "gate-sweep-bad");
    const work = await workspace({ "metrics.json": "{}" });
    const before = gh.emulator.requestLog.length;
    const bad = await runGate({ ...gh, pr, workspace: work, inputs: { metrics: "", sweep: "[]" } });
    expect(bad.failure).toMatch(/^sweep: expected a JSON object/);
    const both = await runGate({ ...gh, pr, workspace: work, inputs: { sweep: '{"lr":[1]}' } });
    expect(both.failure).toMatch(
      /^metrics: with 'sweep', expected a folder of downloaded train artifacts .*, got metrics\.json$/,
    );
    expect(gh.emulator.requestLog.length).toBe(before);
  });
});
