/**
 * A sweep's comment shows the best cell's prediction plots (issue 16's gap: "sweeps get no prediction
 * plots"): the cells' per-example results are found in their artifacts, and the best cell's are drawn by
 * the same `gateReportPlots` a single candidate's are, inside the best cell's gate report.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { expandSweepMatrix, mermaidBlocks, mulberry32, sweepArtifactName, sweepCellOf } from "@mlops/core";
import { describe, expect, it } from "vitest";
import {
  gateComments,
  openPullRequest,
  runGate,
  runManifest,
  tempDir,
  useGateEmulator,
  workspace,
} from "./helpers.js";

const gh = useGateEmulator({ contents: "write", pull_requests: "write" });

const MATRIX = { lr: [0.1, 0.01] };
const cells = expandSweepMatrix(MATRIX).map(sweepCellOf);

/** Binary predictions (label, prediction, probability) of a model whose positives score `skill` higher. */
function predictions(skill: number, seed: number): string {
  const random = mulberry32(seed);
  const lines = ["id,label,prediction,probability"];
  for (let i = 0; i < 200; i++) {
    const label = random() < 0.4 ? 1 : 0;
    const p = Math.round(Math.min(1, label * skill + random() * (1 - skill)) * 1000) / 1000;
    lines.push(`e${i},${label},${p >= 0.5 ? 1 : 0},${p}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A cell's train artifact: run.json and its per-example results (mlops.yml `per_example: predictions.csv`). */
async function cellArtifact(
  store: ReturnType<typeof createDirectoryArtifactStore>,
  index: number,
  metrics: Record<string, number>,
  csv: string,
) {
  const cell = cells[index] as (typeof cells)[number];
  const dir = await tempDir("sweep-cell-");
  await writeFile(join(dir, "predictions.csv"), csv);
  await writeFile(join(dir, "run.json"), runManifest(metrics, 1, cell));
  await store.upload(
    sweepArtifactName("mlops-churn", cell),
    [join(dir, "run.json"), join(dir, "predictions.csv")],
    dir,
  );
}

describe("evaluate-gate with 'sweep': the best cell's plots", () => {
  it("draws the best cell's ROC, precision–recall, confusion matrix and calibration in its gate report", async () => {
    const pr = await openPullRequest(gh.admin, "gate-sweep-plots");
    const work = await workspace({ "base.json": JSON.stringify({ accuracy: 0.85, f1: 0.8 }) });
    const store = createDirectoryArtifactStore(join(work, ".artifacts"), { runId: 500 });
    const best = predictions(0.5, 1);
    await cellArtifact(store, 0, { accuracy: 0.9, f1: 0.85 }, best); // lr=0.1: the best
    await cellArtifact(store, 1, { accuracy: 0.86, f1: 0.82 }, predictions(0.1, 2));
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      store,
      inputs: { metrics: "", baseline: "base.json", sweep: JSON.stringify(MATRIX) },
    });
    expect(runtime.failure).toBeUndefined();
    const [comment] = await gateComments(gh.admin, pr);
    const body = comment?.body ?? "";
    const bestReport = body.slice(body.indexOf("#### Best cell against the baseline: ✅ churn c1 (lr=0.1)"));
    const bestSection = bestReport.slice(0, bestReport.indexOf("<details>\n<summary>c2"));
    expect(bestSection).toContain("**ROC curve**");
    for (const title of [
      "Precision–recall curve",
      "Confusion matrix (candidate)",
      "Calibration (reliability)",
    ])
      expect(bestSection).toContain(`<summary>${title}</summary>`);
    // The best cell's own predictions: 200 examples, and the base.json baseline has none (said so).
    expect(bestSection).toContain("**candidate** — 200 examples");
    expect(mermaidBlocks(bestSection).length).toBeGreaterThanOrEqual(3);
    // The other cell's report has no plots (only the best cell's are drawn).
    const other = bestReport.slice(bestReport.indexOf("<details>\n<summary>c2"));
    expect(other).not.toContain("ROC curve");
    expect(runtime.lines.map((l) => l.message).join("\n")).toContain(
      "Plots: ROC curve, Precision–recall curve",
    );
  });
});
