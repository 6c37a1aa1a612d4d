/**
 * `mlops sweep DIR --matrix M` and the evaluate-gate action's `sweep` (reading the same folder of downloaded
 * train artifacts, as the fork companion does) decide through the same core steps (prepareGate,
 * decideFromSetup → decideSweepGate, gateJsonText): on the same cells, config, matrix and baseline they
 * give the same verdict and the same gate.json — ranks, values, which cells pass, the newest attempt of
 * each artifact, cells the matrix does not name listed last. The only differences: the action names the
 * PR (`pull_request`), and each says in its own words why a cell of the matrix has no metrics.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runCliCaptured } from "@mlops/cli/testing";
import { expandSweepMatrix, type SweepValues, sweepArtifactName, sweepCellOf } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { openPullRequest, runGate, runManifest, useGateEmulator, workspace } from "./helpers.js";

const gh = useGateEmulator({ contents: "write", issues: "write", pull_requests: "write" });

const MATRIX = { lr: [0.1, 0.01], depth: [3, 5] };

/** One cell's train artifact as download-artifact writes it: `<dir>/<artifact>/run.json`. */
async function artifact(dir: string, values: SweepValues, metrics: Record<string, number>, attempt = 1) {
  const cell = sweepCellOf(values);
  const name = sweepArtifactName("mlops-churn", cell);
  const folder = join(dir, attempt > 1 ? `${name}-attempt-${attempt}` : name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "run.json"), runManifest(metrics, attempt, cell));
}

describe("mlops sweep and the evaluate-gate action on the same folder", () => {
  it("same verdict and gate.json: ranks, gates, newest attempts, a missing cell and a stray", async () => {
    const [c1, c2, , c4] = expandSweepMatrix(MATRIX);
    const pr = await openPullRequest(gh.admin, "gate-sweep-parity");
    const work = await workspace({ "base.json": JSON.stringify({ accuracy: 0.85, f1: 0.8 }) });
    const cells = join(work, "cells");
    await artifact(cells, c1 as SweepValues, { accuracy: 0.86, f1: 0.82 });
    await artifact(cells, c2 as SweepValues, { accuracy: 0.7, f1: 0.75 });
    await artifact(cells, c2 as SweepValues, { accuracy: 0.93, f1: 0.9 }, 3); // re-run twice
    await artifact(cells, c4 as SweepValues, { accuracy: 0.78, f1: 0.83 }); // fails accuracy >= 0.80
    await artifact(cells, { lr: 1, depth: 3 }, { accuracy: 0.9, f1: 0.5 }); // not in the matrix
    // c3 (lr=0.01, depth=3) trained nothing.
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: {
        metrics: "cells",
        baseline: "base.json",
        sweep: JSON.stringify(MATRIX),
        "fail-on-regression": "false",
      },
    });
    expect(runtime.failure).toBeUndefined();
    const actionJson = JSON.parse(
      await readFile(join(dirname(runtime.outputs.report as string), "gate.json"), "utf8"),
    );

    const cli = await runCliCaptured(
      ["sweep", "cells", "--matrix", JSON.stringify(MATRIX), "--baseline", "base.json", "--format", "json"],
      { cwd: work },
    );
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(actionJson.passed ? 0 : 1);
    const cliJson = JSON.parse(cli.stdout);

    const { pull_request, ...actionRest } = actionJson;
    expect(pull_request).toBe(pr.number);
    // Why c3 has no metrics, each in its own words; everything else the same.
    const missing = sweepCellOf(expandSweepMatrix(MATRIX)[2] as SweepValues).id;
    const withoutProblem = (json: typeof actionRest) => ({
      ...json,
      sweep: {
        ...json.sweep,
        cells: json.sweep.cells.map((c: { cell: string; problem?: string }) =>
          c.cell === missing ? { ...c, problem: expect.any(String) } : c,
        ),
      },
    });
    expect(cliJson).toEqual(withoutProblem(actionRest));
    expect(actionRest.verdict).toBe(
      "⚠️ churn sweep: the best of 5 cells passes the gate — c2 (lr=0.1, depth=5), accuracy 0.93 · ⚠️ 1 of 5 cells has no result",
    );
    expect(
      actionRest.sweep.cells.map((c: { name: string; rank?: number }) => [c.name, c.rank ?? null]),
    ).toEqual([
      ["c2", 1],
      ["c5", 2],
      ["c1", 3],
      ["c4", 4],
      ["c3", null],
    ]);
  });
});
