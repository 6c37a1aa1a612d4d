import { describe, expect, it } from "vitest";
import {
  auc,
  CURVE_POINTS,
  dataChart,
  evenGrid,
  InputError,
  imagesSection,
  interpolateLinear,
  measure,
  mermaidBlocks,
  mulberry32,
  PR_COMMENT_BUDGET,
  type Predictions,
  parsePredictions,
  plotFileKind,
  predictionPlots,
  renderGateReport,
  rocCurve,
  runGate,
  trendMetrics,
  trendSection,
  vegaLiteChart,
} from "../src/index.js";

/** A seeded binary classifier's predictions: `skill` moves positives' scores up. */
function binaryCsv(n: number, skill: number, seed: number): string {
  const random = mulberry32(seed);
  const lines = ["id,label,prediction,probability,correct"];
  for (let i = 0; i < n; i++) {
    const label = random() < 0.4 ? 1 : 0;
    const p = Math.min(1, Math.max(0, Math.round((label * skill + random() * (1 - skill)) * 1000) / 1000));
    const prediction = p >= 0.5 ? 1 : 0;
    lines.push(`e${i},${label},${prediction},${p},${label === prediction ? 1 : 0}`);
  }
  return `${lines.join("\n")}\n`;
}

const predictions = (text: string, file = "predictions.csv") => {
  const parsed = parsePredictions(text, file);
  if (!("task" in parsed)) throw new Error(parsed.missing);
  return parsed;
};

/** The numbers of the n-th `line [...]` of a Mermaid block. */
function lineValues(block: string, n: number): number[] {
  const lines = block.split("\n").filter((l) => l.trim().startsWith("line ["));
  return JSON.parse((lines[n] as string).trim().slice(5)) as number[];
}

describe("prediction plots", () => {
  const head = predictions(binaryCsv(300, 0.5, 1));
  const base = predictions(binaryCsv(300, 0.3, 2));

  it("draws ROC, precision–recall, confusion matrix and calibration for binary predictions", () => {
    const { sections, notes } = predictionPlots({
      head: { predictions: head, label: "candidate" },
      baseline: { predictions: base, label: "baseline v3" },
    });
    expect(notes).toEqual([]);
    expect(sections.map((s) => s.title)).toEqual([
      "ROC curve",
      "Precision–recall curve",
      "Confusion matrix (candidate and baseline)",
      "Calibration (reliability)",
    ]);
    const roc = mermaidBlocks(sections[0]?.markdown ?? "")[0] as string;
    expect(roc).toContain('x-axis "False positive rate" 0 --> 1');
    // The candidate's line is its ROC curve at an even grid of false-positive rates, and its AUC is in the legend.
    const bin = head.task === "classification" ? head.binary : undefined;
    if (!bin) throw new Error("binary expected");
    const curve = rocCurve(bin.labels, bin.scores);
    const expected = interpolateLinear(curve.fpr, curve.tpr, evenGrid(0, 1, CURVE_POINTS));
    for (const [i, v] of lineValues(roc, 0).entries()) expect(v).toBeCloseTo(expected[i] as number, 3);
    expect(lineValues(roc, 0)).toHaveLength(CURVE_POINTS);
    expect(sections[0]?.markdown).toContain(
      `candidate (AUC ${Number(auc(curve.fpr, curve.tpr).toPrecision(3))})`,
    );
    expect(lineValues(roc, 2)).toEqual(evenGrid(0, 1, CURVE_POINTS)); // chance diagonal
    // A better model has the larger AUC.
    const baseBin = base.task === "classification" ? base.binary : undefined;
    if (!baseBin) throw new Error("binary expected");
    const baseCurve = rocCurve(baseBin.labels, baseBin.scores);
    expect(auc(curve.fpr, curve.tpr)).toBeGreaterThan(auc(baseCurve.fpr, baseCurve.tpr));
  });

  it("writes the confusion matrix as a table with counts and per-class rates", () => {
    const text =
      "id,label,prediction\na,cat,cat\nb,cat,dog\nc,dog,dog\nd,bird,cat\ne,bird,bird\nf,bird,bird\n";
    const p = predictions(text);
    expect(p.task).toBe("classification");
    const { sections, notes } = predictionPlots({ head: { predictions: p, label: "candidate" } });
    expect(sections.map((s) => s.title)).toEqual(["Confusion matrix (candidate)"]);
    expect(notes.join(" ")).toContain("no score column");
    const md = sections[0]?.markdown ?? "";
    expect(md).toContain("| actual ↓ · predicted → | `bird` | `cat` | `dog` |");
    expect(md).toContain("| `bird` (3) | **2 (67%)** | 1 (33%) | 0 (0%) |");
    expect(md).toContain("| `cat` (2) | 0 (0%) | **1 (50%)** | 1 (50%) |");
    // per-class: cat precision = 1 of 2 predicted cats
    expect(md).toContain("| `cat` | 2 | 50% | 50% |");
  });

  it("draws residuals vs predicted and the error distribution for regression", () => {
    const random = mulberry32(3);
    const rows = ["id,target,prediction"];
    for (let i = 0; i < 200; i++) {
      const y = 50 + random() * 40;
      rows.push(`r${i},${y.toFixed(3)},${(y + (random() - 0.5) * 6 + 1).toFixed(3)}`);
    }
    const p = predictions(rows.join("\n"));
    expect(p.task).toBe("regression");
    const { sections } = predictionPlots({
      head: { predictions: p, label: "candidate" },
      baselineMissing: "no per-example results",
    });
    expect(sections.map((s) => s.title)).toEqual(["Residuals vs predicted", "Error distribution"]);
    expect(sections[0]?.markdown).toMatch(/\| candidate \| 200 \| [\d.]+ \| [\d.]+ \| -0\.9\d* \|/);
    const shares = lineValues(mermaidBlocks(sections[1]?.markdown ?? "")[0] as string, 0);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });

  it("says what is missing instead of drawing nothing", () => {
    expect(parsePredictions("id,correct\na,1\n", "p.csv")).toEqual({
      missing: expect.stringContaining("p.csv has no label column"),
    });
    const { sections, notes } = predictionPlots({ head: { missing: "p.csv has no label column" } });
    expect(sections).toEqual([]);
    expect(notes).toEqual(["No plots: p.csv has no label column."]);
    expect(() => parsePredictions("id,label\na,1\n", "p.csv", { prediction: "yhat" })).toThrow(InputError);
  });

  it("puts the first plot open and the rest collapsed, and cuts plots first when over budget", () => {
    const plots = predictionPlots({
      head: { predictions: head, label: "candidate" },
      baseline: { predictions: base, label: "baseline" },
    });
    const metrics = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, i]));
    const input = {
      model: "m",
      run: runGate({ head: metrics, rules: [] }),
      head: metrics,
      baseline: metrics,
      plots,
    };
    const report = renderGateReport(input);
    const firstChart = report.indexOf("```mermaid");
    const firstDetails = report.indexOf("<details>");
    expect(firstChart).toBeGreaterThan(0);
    expect(firstChart).toBeLessThan(firstDetails);
    expect(report).toContain("<summary>Precision–recall curve</summary>");
    expect(mermaidBlocks(report)).toHaveLength(3);
    // A budget that holds the table but not the plots: every metric row stays, the plots go, with a note.
    const tableOnly = renderGateReport({ ...input, plots: { sections: [] } });
    const budget = { ...PR_COMMENT_BUDGET, limit: measure(tableOnly, "chars") + 200 };
    const cut = renderGateReport(input, { budget });
    expect(measure(cut, "chars")).toBeLessThanOrEqual(budget.limit);
    for (let i = 0; i < 40; i++) expect(cut).toContain(`| m${i} `);
    expect(cut).not.toContain("```mermaid");
    expect(cut).toContain("Plots left out to fit GitHub's size limit");
  });
});

describe("parsePredictions", () => {
  it("reads 1.0 and 1 as one class and picks 1 as the positive class", () => {
    const p = parsePredictions("label,prediction,score\n1.0,1,0.9\n0,0,0.2\n", "p.csv") as Predictions;
    expect(p.task === "classification" && p.binary?.positive).toBe("1");
    expect(p.task === "classification" && p.classes).toEqual(["0", "1"]);
  });

  it("refuses a score that is not a number, naming the file and line", () => {
    expect(() => parsePredictions("label,prediction,score\n1,1,high\n", "p.csv")).toThrow(
      expect.objectContaining({ position: { file: "p.csv", line: 2 } }),
    );
  });
});

describe("metric trend", () => {
  const versions = [0.9, 0.92, 0.91].map((accuracy, i) => ({
    label: `v${i + 1}`,
    name: `v${i + 1}${i === 2 ? " (@production)" : ""}`,
    metrics: { accuracy, loss: 0.3 - i / 100 },
    url: `https://github.com/o/r/releases/tag/m%2Fv${i + 1}`,
  }));

  it("charts the first metric over the versions and this PR, tabulates every metric and ranks the PR by goal", () => {
    const section = trendSection({
      versions,
      candidate: { accuracy: 0.915, loss: 0.25 },
      metrics: ["accuracy", "loss"],
      specs: { accuracy: { goal: "maximize" }, loss: { goal: "minimize" } },
    });
    if (!section) throw new Error("no section");
    expect(section.title).toBe("Metric trend (3 registered versions)");
    const block = mermaidBlocks(section.markdown)[0] as string;
    expect(block).toContain('x-axis "Registered versions, then this PR" ["v1", "v2", "v3", "PR"]');
    expect(lineValues(block, 0)).toEqual([0.9, 0.92, 0.91, 0.915]);
    expect(lineValues(block, 1)).toEqual([0.915, 0.915, 0.915, 0.915]);
    expect(section.markdown).toContain(
      "| [v3 (@production)](https://github.com/o/r/releases/tag/m%2Fv3) | 0.91 | 0.28 |",
    );
    expect(section.markdown).toContain("| **this PR** | **0.915** | **0.25** |");
    expect(section.markdown).toContain("This PR ranks `accuracy` 2nd of 4, `loss` 1st of 4");
  });

  it("adds the base-branch run after the versions, and draws nothing without history", () => {
    const section = trendSection({
      versions,
      baseRuns: [{ label: "base", name: "main @ abc1234 (run 7)", metrics: { accuracy: 0.93 } }],
      candidate: { accuracy: 0.915 },
      metrics: ["accuracy"],
    });
    expect(section?.title).toBe("Metric trend (3 registered versions, 1 base-branch run)");
    expect(mermaidBlocks(section?.markdown ?? "")[0]).toContain('["v1", "v2", "v3", "base", "PR"]');
    expect(trendSection({ versions: [], candidate: { accuracy: 1 }, metrics: ["accuracy"] })).toBeUndefined();
  });

  it("picks the metrics of the gate rules, else those with a goal, at most four", () => {
    const candidate = { a: 1, b: 2, c: 3, d: 4, e: 5 };
    expect(trendMetrics(candidate, { ruleMetrics: ["b", "zz", "b"] })).toEqual(["b"]);
    expect(trendMetrics(candidate, { specs: { e: { goal: "minimize" } } })).toEqual(["e"]);
    expect(trendMetrics(candidate, {})).toEqual(["a", "b", "c", "d"]);
    expect(trendMetrics(candidate, { configured: ["e", "a"] })).toEqual(["e", "a"]);
  });
});

describe("user plots (DVC-style plots:)", () => {
  it("knows images, Vega-Lite specs and data files by name", () => {
    expect(["a.PNG", "b.svg", "c.vl.json", "d.csv", "e.txt"].map((p) => plotFileKind(p))).toEqual([
      "image",
      "image",
      "vega-lite",
      "data",
      "unsupported",
    ]);
    expect(plotFileKind("f.json", '{"$schema": "https://vega.github.io/schema/vega-lite/v5.json"}')).toBe(
      "vega-lite",
    );
  });

  it("converts a Vega-Lite line spec with inline values, one series per colour value", () => {
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      title: "Loss",
      mark: { type: "line" },
      data: {
        values: [1, 2, 3].flatMap((epoch) => [
          { epoch, split: "train", loss: 1 / epoch },
          { epoch, split: "val", loss: 1.2 / epoch },
        ]),
      },
      encoding: {
        x: { field: "epoch" },
        y: { field: "loss", type: "quantitative" },
        color: { field: "split" },
      },
    };
    const chart = vegaLiteChart(spec, "loss.vl.json");
    if (!("markdown" in chart)) throw new Error(chart.unsupported);
    const block = mermaidBlocks(chart.markdown)[0] as string;
    expect(block).toContain('title "Loss"');
    expect(block).toContain('x-axis "epoch" ["1", "2", "3"]');
    expect(lineValues(block, 0)).toEqual([1, 0.5, 0.3333]);
    expect(lineValues(block, 1)).toEqual([1.2, 0.6, 0.4]);
    expect(chart.markdown).toContain("🟦 train (line) · 🟧 val (line)");
  });

  it("says why a spec is not converted", () => {
    expect(vegaLiteChart({ mark: "point", data: { values: [] } }, "x")).toEqual({
      unsupported: 'mark "point" (only line and bar are converted)',
    });
    expect(vegaLiteChart({ mark: "line", data: { url: "data.csv" } }, "x")).toEqual({
      unsupported: "data is not inline `data.values` (a `url` is not read)",
    });
    expect(vegaLiteChart({ layer: [] }, "x")).toEqual({ unsupported: "`layer` is not converted" });
  });

  it("draws a DVC data file (x and y columns), thinning long series to 50 points", () => {
    const csv = `step,loss,acc\n${Array.from({ length: 120 }, (_, i) => `${i},${1 / (i + 1)},${i / 120}`).join("\n")}`;
    const chart = dataChart("plots/train.csv", csv, { x: "step", y: "loss" });
    if (!("markdown" in chart)) throw new Error(chart.unsupported);
    const values = lineValues(mermaidBlocks(chart.markdown)[0] as string, 0);
    expect(values).toHaveLength(50);
    expect(values.at(-1)).toBeCloseTo(1 / 120, 4);
    expect(chart.markdown).toContain("_50 of 120 points drawn");
    expect(dataChart("p.csv", "a,b\nx,y\n", {})).toEqual({ unsupported: "no numeric column to draw" });
  });

  it("shows images by URL and lists what is not shown", () => {
    const section = imagesSection(
      [{ path: "plots/roc.png", url: "https://github.com/o/r/blob/abc/m/roc.png?raw=true" }],
      [{ path: "plots/huge.png", reason: "too big" }],
    );
    expect(section?.markdown).toContain(
      "![plots/roc.png](https://github.com/o/r/blob/abc/m/roc.png?raw=true)",
    );
    expect(section?.markdown).toContain("- `plots/huge.png`: too big");
    expect(imagesSection([], [])).toBeUndefined();
  });
});

describe("metric trend title", () => {
  it("counts only what there is (no '0 registered versions')", () => {
    const section = trendSection({
      versions: [],
      baseRuns: [{ label: "base", name: "main @ abc1234", metrics: { accuracy: 0.9 } }],
      candidate: { accuracy: 0.91 },
      metrics: ["accuracy"],
    });
    expect(section?.title).toBe("Metric trend (1 base-branch run)");
  });
});
