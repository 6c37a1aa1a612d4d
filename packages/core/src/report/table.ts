import { markdownTable } from "markdown-table";
import type { MetricDiff, Verdict } from "../diff/diff.js";
import { formatDelta, formatNumber, formatPercent } from "../format/number.js";
import type { MetricSpec } from "../types.js";

export type Align = "l" | "r" | "c";

/** A cell is escaped so it cannot break the table: `|` and line breaks. */
export function escapeCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A GFM table (via markdown-table), every cell escaped. */
export function renderTable(headers: string[], rows: string[][], align?: Align[]): string {
  return markdownTable([headers.map(escapeCell), ...rows.map((row) => row.map(escapeCell))], {
    align: align ?? headers.map(() => "l"),
  });
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  improved: "🟢 improved",
  regressed: "🔴 regressed",
  unchanged: "⚪ unchanged",
  changed: "🔵 changed",
  added: "🆕 added",
  removed: "➖ removed",
};

/** metric | baseline | head | Δ | Δ% | status, numbers at each metric's precision. */
export function metricDiffRows(diffs: MetricDiff[], specs: Record<string, MetricSpec> = {}): string[][] {
  return diffs.map((d) => {
    const spec = specs[d.name];
    const precision = spec?.precision ?? 4;
    const unit = spec?.unit ? ` ${spec.unit}` : "";
    const num = (x: number | null) => (x === null ? "—" : formatNumber(x, { precision }) + unit);
    return [
      d.name,
      num(d.base),
      num(d.head),
      d.delta === null ? "—" : formatDelta(d.delta, { precision }),
      d.relative === null ? "—" : formatPercent(d.relative),
      VERDICT_LABEL[d.verdict],
    ];
  });
}

export function renderMetricDiffTable(
  diffs: MetricDiff[],
  specs: Record<string, MetricSpec> = {},
  headers = ["Metric", "Baseline", "Head", "Δ", "Δ%", "Status"],
): string {
  return renderTable(headers, metricDiffRows(diffs, specs), ["l", "r", "r", "r", "r", "l"]);
}
