/**
 * The best cell's plots in a sweep report (`decideSweepGate(…).withBestCellPlots`, `SweepReportInput.bestPlots`):
 * drawn inside the best cell's gate report only, which then gets half the budget, and the whole comment
 * still fits GitHub's limit with 200 cells.
 */
import { describe, expect, it } from "vitest";
import {
  collectGateRules,
  decideSweepGate,
  measure,
  mermaidBlocks,
  metricSpecsOf,
  mulberry32,
  PR_COMMENT_BUDGET,
  parseConfig,
  parsePredictions,
  predictionPlots,
  type SweepCellInput,
  sweepCellOf,
  sweepRankingOf,
  trendSection,
} from "../src/index.js";

const CONFIG = `version: 1
models:
  - name: churn
    metric_specs:
      accuracy: { goal: maximize, precision: 4 }
    gate:
      rules: ["accuracy >= 0.85"]
`;

function binary(skill: number, seed: number) {
  const random = mulberry32(seed);
  const lines = ["label,prediction,probability"];
  for (let i = 0; i < 300; i++) {
    const label = random() < 0.4 ? 1 : 0;
    const p = Math.round(Math.min(1, label * skill + random() * (1 - skill)) * 1000) / 1000;
    lines.push(`${label},${p >= 0.5 ? 1 : 0},${p}`);
  }
  const parsed = parsePredictions(lines.join("\n"), `cell-${seed}.csv`);
  if ("missing" in parsed) throw new Error(parsed.missing);
  return parsed;
}

describe("a sweep report with the best cell's plots", () => {
  const parsed = parseConfig(CONFIG, "mlops.yml");
  const model = parsed.models[0];
  if (!model) throw new Error("no model");
  const specs = metricSpecsOf(parsed, model);
  const rules = collectGateRules({ model, specs });
  const cells: SweepCellInput[] = Array.from({ length: 200 }, (_, i) => ({
    cell: sweepCellOf({ learning_rate: 0.001 * (i + 1), max_depth: i % 7 }),
    metrics: { accuracy: 0.85 + ((i * 37) % 200) / 2000 },
  }));
  const decision = decideSweepGate({
    model: "churn",
    rules,
    onSkipped: "warn",
    report: { specs, baseline: { accuracy: 0.9 }, baselineLabel: "churn v3" },
    log: { info: () => {} },
    cells,
    notes: [],
    matrix: {},
    ranking: sweepRankingOf({ rules, specs }),
    mode: "best",
    baseline: { accuracy: 0.9 },
  });
  const plots = predictionPlots({
    head: { predictions: binary(0.5, 1), label: "candidate" },
    baseline: { predictions: binary(0.3, 2), label: "baseline" },
  });

  it("draws them in the best cell's gate report only, and the comment stays within GitHub's limit", () => {
    const without = decision.render({ reserve: 200 });
    expect(mermaidBlocks(without)).toHaveLength(1); // the sweep's bar chart
    const withPlots = decision.withBestCellPlots?.(plots);
    if (!withPlots) throw new Error("a sweep decision takes the best cell's plots");
    expect([withPlots.verdict, withPlots.passed, withPlots.bestCellId]).toEqual([
      decision.verdict,
      decision.passed,
      decision.bestCellId,
    ]);
    const report = withPlots.render({ reserve: 200 });
    expect(measure(report, "chars")).toBeLessThanOrEqual(PR_COMMENT_BUDGET.limit - 200);
    const bestStart = report.indexOf("#### Best cell against the baseline:");
    const bestEnd = report.indexOf("<details>\n<summary>c");
    const best = report.slice(bestStart, bestEnd);
    expect(best).toContain("**ROC curve**");
    for (const title of [
      "Precision–recall curve",
      "Confusion matrix (candidate and baseline)",
      "Calibration (reliability)",
    ])
      expect(best).toContain(`<summary>${title}</summary>`);
    expect(best).not.toContain("Plots left out");
    expect(mermaidBlocks(report)).toHaveLength(4); // bar chart, ROC, precision–recall, calibration
    expect(mermaidBlocks(report.slice(bestEnd))).toHaveLength(0); // no other cell's report has plots
    // Every cell is still in the leaderboard.
    expect(report.match(/^\| [^R-].*· learning_rate=/gm)).toHaveLength(200);
  });

  it("gives the best cell's report half the comment when it has plots: a 50-version trend and multi-class curves fit", () => {
    const classes = Array.from({ length: 12 }, (_, i) => `class-${String.fromCharCode(97 + i)}`);
    const multi = (seed: number) => {
      const random = mulberry32(seed);
      const lines = [`label,prediction,${classes.map((c) => `proba_${c}`).join(",")}`];
      for (let i = 0; i < 300; i++) {
        const truth = Math.floor(random() * classes.length);
        const e = classes.map((_, k) => Math.exp(random() * 2 + (k === truth ? 1 : 0)));
        const sum = e.reduce((a, b) => a + b, 0);
        const p = e.map((x) => Math.round((x / sum) * 1e4) / 1e4);
        lines.push(`${classes[truth]},${classes[p.indexOf(Math.max(...p))]},${p.join(",")}`);
      }
      const parsed = parsePredictions(lines.join("\n"), `cell-${seed}.csv`);
      if ("missing" in parsed) throw new Error(parsed.missing);
      return parsed;
    };
    const curves = predictionPlots({
      head: { predictions: multi(1), label: "candidate" },
      baseline: { predictions: multi(2), label: "baseline" },
    });
    const trend = trendSection({
      versions: Array.from({ length: 50 }, (_, i) => ({
        label: `v${i + 1}`,
        name: `v${i + 1}`,
        metrics: { accuracy: 0.85 + i / 1000 },
      })),
      candidate: { accuracy: 0.95 },
      metrics: ["accuracy"],
      specs,
    });
    if (!trend) throw new Error("no trend");
    const plots = { sections: [...curves.sections, trend], notes: curves.notes };
    // More than a quarter of the comment: the best cell's report without plots gets a quarter.
    const size = plots.sections.reduce((a, s) => a + measure(s.markdown, "chars"), 0);
    expect(size).toBeGreaterThan(PR_COMMENT_BUDGET.limit / 4);
    const report = decision.withBestCellPlots?.(plots).render({ reserve: 200 }) ?? "";
    expect(measure(report, "chars")).toBeLessThanOrEqual(PR_COMMENT_BUDGET.limit - 200);
    const best = report.slice(report.indexOf("#### Best cell"), report.indexOf("<details>\n<summary>c"));
    expect(best).not.toContain("Plots left out");
    for (const section of plots.sections.slice(1))
      expect(best).toContain(`<summary>${section.title}</summary>`);
    expect(mermaidBlocks(best)).toHaveLength(5); // ROC, PR (candidate), ROC + PR (baseline), trend
  });
});
