import { maxLabelChars, shortNumber, xyChart } from "../format/mermaid.js";
import { formatDelta, formatNumber } from "../format/number.js";
import { cellName, type SweepCellOutcome, type SweepResult, sweepVerdictLine } from "../sweep/rank.js";
import type { MetricSpec, MetricValues } from "../types.js";
import { type Budget, measure, PR_COMMENT_BUDGET, unitLabel } from "./budget.js";
import { ReportBuilder } from "./builder.js";
import { type GateReportInput, type ReportIdentity, renderGateReport } from "./gate-report.js";

/** Everything a sweep report shows; the PR comment, the check run, the job summary render the same thing. */
export interface SweepReportInput extends ReportIdentity {
  model: string;
  result: SweepResult;
  baseline?: MetricValues;
  specs?: Record<string, MetricSpec>;
  /**
   * The best cell's plots (prediction plots from its per-example results, trend, `plots:`), shown in its
   * gate report; that report then gets half the budget instead of a quarter.
   */
  bestPlots?: GateReportInput["plots"];
}

export interface SweepReportOptions {
  budget?: Budget;
  /** Kept free for the caller (a marker line), in the budget's unit. */
  reserve?: number;
  /** Where the whole report is, named when something had to be left out. */
  elsewhere?: string;
}

/**
 * Most bars the chart draws: beyond it, the best ones (a note says so). At 30 bars a label has room for
 * two or three digits (`maxLabelChars`), so the cells are numbered and no label overlaps its neighbour
 * (test/mermaid-render.test.ts measures it in Chromium).
 */
export const SWEEP_CHART_MAX_CELLS = 30;
/** Other gated metrics shown as leaderboard columns next to the ranking metric. */
const MAX_EXTRA_COLUMNS = 3;

const GOAL_ARROW = { maximize: "↑", minimize: "↓" } as const;

/** `✅ pass` · `❌ 2 failed` · `⚠️ pass, 1 skipped` · `💥 training failed …` — a cell's gate at a glance. */
function gateCell(outcome: SweepCellOutcome): string {
  const { run } = outcome;
  // The leaderboard keeps the reason short (its first clause); the notice above and the details say it all.
  if (!run) return `💥 ${(outcome.problem ?? "no result").split(":")[0]}`;
  const failed = run.rules.filter((r) => r.status === "failed").length;
  const skipped = run.rules.filter((r) => r.status === "skipped").length;
  const status = run.passed
    ? skipped > 0
      ? `⚠️ pass, ${skipped} skipped`
      : "✅ pass"
    : failed > 0
      ? `❌ ${failed} failed`
      : `❌ ${skipped} skipped`;
  return outcome.problem ? `${status} · ❔ ${outcome.problem.split(":")[0]}` : status;
}

function rankCell(outcome: SweepCellOutcome, best: SweepCellOutcome | undefined): string {
  if (outcome.rank === undefined) return "—";
  const medal = outcome.rank === 1 && outcome === best ? "🏆 " : "";
  return `${medal}${outcome.ties > 0 ? "=" : ""}${outcome.rank}`;
}

/**
 * The y range of the chart: the values (and the baseline) with a margin, so that differences of a few
 * thousandths are visible (a range from 0 would draw equal-looking bars); never below 0 for non-negative data.
 */
function chartRange(values: number[]): { min: number; max: number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = hi > lo ? (hi - lo) * 0.15 : Math.abs(hi) * 0.05 || 1;
  const min = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
  return { min: Number(min.toPrecision(3)), max: Number((hi + pad).toPrecision(3)) };
}

/** The Mermaid bar chart of the ranking metric per cell (matrix order), with the baseline as a line. */
function sweepChart(input: SweepReportInput): { chart: string; note?: string } | undefined {
  const { result, baseline } = input;
  const { metric } = result.ranking;
  let shown = result.cells.filter((o) => o.rank !== undefined);
  if (shown.length === 0) return undefined;
  let note: string | undefined;
  if (shown.length > SWEEP_CHART_MAX_CELLS) {
    note = `The chart shows the ${SWEEP_CHART_MAX_CELLS} best of ${shown.length} ranked cells.`;
    shown = shown.slice(0, SWEEP_CHART_MAX_CELLS);
  }
  shown = [...shown].sort((a, b) => a.index - b.index);
  const values = shown.map((o) => o.value as number);
  const base = baseline?.[metric];
  const series: Parameters<typeof xyChart>[0]["series"] = [
    { kind: "bar", name: `${metric} per cell`, values },
  ];
  if (base !== undefined && Number.isFinite(base))
    series.push({
      kind: "line",
      name: `baseline${input.baselineLabel ? ` ${input.baselineLabel}` : ""}: ${shortNumber(base, 4)}`,
      values: shown.map(() => base),
    });
  const labels = shown.map(cellName);
  const fitsLabels = labels.every((label) => label.length <= maxLabelChars(labels.length));
  const chart = xyChart({
    title: `${metric} (${GOAL_ARROW[result.ranking.goal]} better) per sweep cell`,
    x: fitsLabels ? labels : shown.map((o) => String(o.index)),
    xTitle: fitsLabels ? "cell" : "cell number (3 = c3 in the leaderboard)",
    yTitle: metric,
    y: chartRange(base !== undefined && Number.isFinite(base) ? [...values, base] : values),
    series,
  });
  return note ? { chart, note } : { chart };
}

/** The gate report of one cell (its verdict names the cell). */
function cellReportInput(input: SweepReportInput, outcome: SweepCellOutcome): GateReportInput | undefined {
  if (!outcome.run || !outcome.metrics) return undefined;
  return {
    ...(input.bestPlots && outcome === input.result.best ? { plots: input.bestPlots } : {}),
    model: `${input.model} ${cellName(outcome)} (${outcome.cell.label})`,
    run: outcome.run,
    head: outcome.metrics,
    headLabel: cellName(outcome),
    ...(input.specs ? { specs: input.specs } : {}),
    ...(input.baseline ? { baseline: input.baseline } : {}),
    ...(input.baselineLabel ? { baselineLabel: input.baselineLabel } : {}),
    ...(input.baselineUrl ? { baselineUrl: input.baselineUrl } : {}),
    candidateLabel: `${input.candidateLabel ?? "this run"}, cell ${cellName(outcome)}${outcome.artifact ? ` (artifact \`${outcome.artifact}\`)` : ""}`,
    ...(input.candidateUrl ? { candidateUrl: input.candidateUrl } : {}),
    ...(input.runUrl ? { runUrl: input.runUrl } : {}),
  };
}

/**
 * One report for a whole sweep, within `budget`: the verdict; a goal-aware leaderboard (rank, cell, the
 * ranking metric and its change against the baseline, other gated metrics, the cell's gate); a Mermaid
 * bar chart of the metric across cells with the baseline as a line; the best cell's gate report against
 * the baseline; then every other cell's gate report collapsed under `<details>`, best first, as many as
 * fit. Cells without a result are listed with the reason. What does not fit is named, with `elsewhere`.
 */
export function renderSweepReport(input: SweepReportInput, options: SweepReportOptions = {}): string {
  const budget = options.budget ?? PR_COMMENT_BUDGET;
  const elsewhere = options.elsewhere ?? "the job summary and the report artifact";
  const { result, specs = {} } = input;
  const { metric, goal } = result.ranking;
  const precisionOf = (name: string) => specs[name]?.precision ?? 4;
  const num = (name: string, x: number | undefined) =>
    x === undefined
      ? "—"
      : `${formatNumber(x, { precision: precisionOf(name) })}${specs[name]?.unit ? ` ${specs[name]?.unit}` : ""}`;

  const head = new ReportBuilder();
  head.heading(
    sweepVerdictLine(input.model, result, (x) => num(metric, x)),
    3,
    10,
  );
  const link = (text: string, url: string | undefined) => (url ? `[${text}](${url})` : text);
  const identity = [
    input.baseline === undefined
      ? "**Baseline:** none"
      : `**Baseline:** ${link(input.baselineLabel ?? "given metrics", input.baselineUrl)}`,
    `**Candidates:** ${result.cells.length} cells of ${link(input.candidateLabel ?? "this run", input.candidateUrl)}${input.runUrl ? ` ([run](${input.runUrl}))` : ""}`,
    `**Ranked by:** \`${metric}\` (${goal}, ${GOAL_ARROW[goal]} better; from ${result.ranking.metricFrom}, goal from ${result.ranking.goalFrom})`,
    `**Gate:** ${result.mode === "best" ? "the best cell must pass" : "every cell must pass"} (\`sweep.gate: ${result.mode}\`)`,
  ];
  head.markdown(identity.join(" · "), 9);
  for (const note of input.notes ?? []) head.markdown(note, 9);
  const unranked = result.cells.filter((o) => o.rank === undefined);
  if (unranked.length > 0)
    head.markdown(
      `> [!${result.best ? "WARNING" : "CAUTION"}]\n> ${unranked.length} of ${result.cells.length} cells are not ranked: ${unranked
        .slice(0, 10)
        .map((o) => `${cellName(o)} (${o.problem})`)
        .join(
          "; ",
        )}${unranked.length > 10 ? `; and ${unranked.length - 10} more (see the leaderboard)` : ""}.${result.best ? " The best cell is the best of the others only." : ` No cell produced \`${metric}\`, so nothing was ranked and the gate fails.`}`,
      9,
    );
  const bestTies = result.best && result.best.ties > 0 ? result.best.ties : 0;
  if (result.best && bestTies > 0)
    head.markdown(
      `> [!NOTE]\n> ${bestTies + 1} cells share the best \`${metric}\` (${num(metric, result.best.value)}): ${result.cells
        .filter((o) => o.rank === 1)
        .map(cellName)
        .join(
          ", ",
        )}. The first of them that passes its gate (else the first in the matrix) is shown as the best.`,
      9,
    );

  const extras = [...new Set(result.cells.flatMap((o) => o.run?.rules.map((r) => r.metric) ?? []))]
    .filter((name) => name !== metric)
    .slice(0, MAX_EXTRA_COLUMNS);
  const base = input.baseline?.[metric];
  const rows = result.cells.map((o) => [
    rankCell(o, result.best),
    `${cellName(o)} · ${o.cell.label}`,
    num(metric, o.value ?? o.metrics?.[metric]),
    base === undefined || o.value === undefined
      ? "—"
      : formatDelta(o.value - base, { precision: precisionOf(metric) }),
    ...extras.map((name) => num(name, o.metrics?.[name])),
    gateCell(o),
  ]);
  head.table(["Rank", "Cell", `${metric} ${GOAL_ARROW[goal]}`, "Δ baseline", ...extras, "Gate"], rows, {
    align: ["r", "l", "r", "r", ...extras.map(() => "r" as const), "l"],
    priority: 8,
  });

  const chart = sweepChart(input);
  if (chart) head.markdown(chart.note ? `${chart.chart}\n\n${chart.note}` : chart.chart, 6);

  const bestInput = result.best ? cellReportInput(input, result.best) : undefined;
  if (result.best && bestInput)
    head.markdown(
      renderGateReport(bestInput, {
        budget: { ...budget, limit: Math.floor(budget.limit / (bestInput.plots ? 2 : 4)) },
      }).replace(/^### /, "#### Best cell against the baseline: "),
      7,
    );

  // The cells' details, best first, as many as fit; the rest are named in one note.
  const reserve = options.reserve ?? 0;
  const noteRoom = 300;
  const text = head.build({
    budget,
    reserve: reserve + noteRoom,
    truncationNote: `full report in ${elsewhere}`,
  });
  const limit = budget.limit - reserve - noteRoom;
  const parts = [text];
  let used = measure(text, budget.unit);
  const rest = result.cells.filter((o) => o !== result.best);
  let shown = 0;
  for (const outcome of rest) {
    const block = cellDetails(input, outcome, budget);
    const size = measure(block, budget.unit) + 2;
    if (used + size > limit) break;
    parts.push(block);
    used += size;
    shown++;
  }
  const left = rest.length - shown;
  if (left > 0)
    parts.push(
      `_Details of ${left.toLocaleString("en-US")} more cell${left === 1 ? "" : "s"} left out to fit GitHub's ${budget.what} limit (${budget.limit.toLocaleString("en-US")} ${unitLabel(budget.unit)}) — they are in ${elsewhere}._`,
    );
  return parts.join("\n\n");
}

/** A cell's gate report (or why it has none), collapsed. */
function cellDetails(input: SweepReportInput, outcome: SweepCellOutcome, budget: Budget): string {
  const gateInput = cellReportInput(input, outcome);
  const rank =
    outcome.rank === undefined ? "not ranked" : `rank ${outcome.ties > 0 ? "=" : ""}${outcome.rank}`;
  const summary = `${cellName(outcome)} · ${outcome.cell.label} — ${rank} · ${gateCell(outcome)}`;
  const body = gateInput
    ? `${outcome.problem ? `> [!WARNING]\n> Not ranked: ${outcome.problem}.\n\n` : ""}${renderGateReport(
        gateInput,
        {
          budget: { ...budget, limit: Math.min(budget.limit, 16_000) },
        },
      )}`
    : `No gate report: ${outcome.problem}.${outcome.artifact ? ` Artifact: \`${outcome.artifact}\`.` : ""}`;
  return `<details>\n<summary>${escapeSummary(summary)}</summary>\n\n${body}\n\n</details>`;
}

/** A `<summary>` holds inline HTML: `<`, `>` and `&` of user data are escaped. */
function escapeSummary(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
