/** Markdown and Mermaid rendering of a monitoring report (GitHub renders ```mermaid natively). */
import { binLabels, fitLabels, timeLabels, xyChart } from "@mlops/core";
import { decileBins, type MonitoringReport } from "./compare.js";
import type { PerformanceReport } from "./performance.js";
import { OTHER_CATEGORY, type Profile } from "./profile.js";
import { bucketize, sketchSample, type WeightedSample } from "./sketch.js";

const fmt = (x: number | null) =>
  x === null ? "—" : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2);

/** The legend names of a distribution chart's two series (bars: reference, line: current). */
const DISTRIBUTION_SERIES = ["reference", "current"] as const;

/**
 * Mermaid `xychart-beta` chart of one column: reference shares as bars, current shares as a line, over
 * the bins/categories (short, unique labels), with a legend line under it.
 */
export function distributionChart(
  column: string,
  bins: string[],
  reference: number[],
  current: number[],
  xTitle?: string,
): string {
  const fit = fitLabels(bins, xTitle ?? "category");
  const title = fit.title ?? xTitle;
  const chart = xyChart({
    title: `${column}: reference vs current`,
    x: fit.labels,
    ...(title ? { xTitle: title } : {}),
    yTitle: "share",
    series: [
      { kind: "bar", name: DISTRIBUTION_SERIES[0], values: reference },
      { kind: "line", name: DISTRIBUTION_SERIES[1], values: current },
    ],
  });
  // Numbered categories: the key line names them all (the x-axis title names the ends only).
  return fit.key ? `${chart}\n\n${fit.key}` : chart;
}

/** Mermaid line chart of drift share over runs (`time`: each run's ISO time; one point per run). */
export function driftHistoryChart(history: { label: string; drift_share: number }[]): string {
  const x = timeLabels(history.map((h) => h.label));
  return xyChart({
    title: "Drift share over time",
    x: x.labels,
    xTitle: x.title,
    yTitle: "drift share",
    y: { min: 0, max: 1 },
    series: [{ kind: "line", name: "drift share", values: history.map((h) => h.drift_share) }],
  });
}

const share = (counts: number[]) => {
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  return counts.map((c) => c / total);
};

/**
 * Reference vs current shares of one column: the reference's deciles for a numerical column (each bin
 * labelled by its upper edge, 2–3 significant digits: `≤ -1.4`, …, `≥ 1.3`), the ten most frequent
 * reference categories (+ "other") for a categorical one. Undefined when not comparable.
 */
export function columnDistribution(
  reference: Profile,
  current: Profile,
  column: string,
): { bins: string[]; reference: number[]; current: number[]; xTitle?: string } | undefined {
  const ref = reference.columns[column];
  const cur = current.columns[column];
  if (!ref || !cur || ref.type !== cur.type || !ref.count || !cur.count) return undefined;
  if (ref.type === "numerical" && cur.type === "numerical") {
    const side = (p: typeof ref): WeightedSample => (p.values ? bucketize(p.values) : sketchSample(p.sketch));
    const r = side(ref);
    const c = side(cur);
    const [rb, cb, edges] = decileBins(r, c);
    const bins = binLabels(edges);
    return { bins, reference: share(rb), current: share(cb), xTitle: "bin (by its upper edge)" };
  }
  if (ref.type === "categorical" && cur.type === "categorical") {
    const top = Object.entries(ref.frequencies)
      .filter(([k]) => k !== OTHER_CATEGORY)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 10)
      .map(([k]) => k);
    const pick = (f: Record<string, number>, total: number) => {
      const shown = top.map((k) => f[k] ?? 0);
      return [...shown, total - shown.reduce((a, b) => a + b, 0)];
    };
    return {
      bins: [...top, "other"],
      reference: share(pick(ref.frequencies, ref.count)),
      current: share(pick(cur.frequencies, cur.count)),
    };
  }
  return undefined;
}

/** A run's label in the drift history: its time to the second (`2026-12-07 09:15:42`), so runs stay apart. */
export function runLabel(report: MonitoringReport): string {
  return report.generated_at.slice(0, 19).replace("T", " ");
}

/** How bad a report is: the dataset drifted, some columns drifted (below the dataset threshold), or none. */
export type DriftLevel = "dataset" | "columns" | "none";

export function driftLevel(report: MonitoringReport): DriftLevel {
  if (report.dataset_drift) return "dataset";
  return report.columns.some((c) => c.drifted) ? "columns" : "none";
}

const percent = (share: number) => `${Number((share * 100).toFixed(1))}%`;

/**
 * The verdict in one line, without an icon. Dataset drift keeps its meaning (the share of drifted columns
 * reaches the threshold), but drifted columns are named whenever there are any: a report never reads
 * "no drift" while a column drifted.
 */
export function driftHeadline(report: MonitoringReport): string {
  const drifted = report.columns.filter((c) => c.drifted).length;
  const tested = report.columns.filter((c) => !c.note).length;
  const of = `${drifted} of ${tested} column${tested === 1 ? "" : "s"} drifted${untestedClause(report)}`;
  if (tested === 0)
    return `Nothing was tested: no column had enough values on both sides${untestedClause(report)}`;
  const threshold = percent(report.drift_share_threshold);
  switch (driftLevel(report)) {
    case "dataset":
      return `Dataset drift detected: ${of} (threshold ${threshold} reached)`;
    case "columns":
      return `${of} (dataset drift threshold ${threshold} not reached)`;
    default:
      return `No drift: ${of}`;
  }
}

/** ` (2 not tested: no values on one side; 1 not tested: too few rows)`, or "" when every column was tested. */
function untestedClause(report: MonitoringReport): string {
  const noValues = report.columns.filter((c) => c.note?.startsWith("no values")).length;
  const tooFew = report.columns.filter((c) => c.note && !c.note.startsWith("no values")).length;
  const parts = [
    ...(noValues ? [`${noValues} not tested: no values on one side`] : []),
    ...(tooFew ? [`${tooFew} not tested: too few rows`] : []),
  ];
  return parts.length ? ` (${parts.join("; ")})` : "";
}

/** ⚠️ for any drift or when no column could be tested, ✅ for none. */
export function driftIcon(report: MonitoringReport): string {
  return driftLevel(report) === "none" && report.columns.some((c) => !c.note) ? "✅" : "⚠️";
}

/** The table's last cell: yes/no, or why the column was not tested. */
const driftedCell = (c: MonitoringReport["columns"][number]) =>
  c.note ? `not tested (${c.note})` : c.drifted ? "yes" : "no";

/** The drifted columns with their test and p-value (or statistic), most significant first, at most `max`. */
export function driftedColumnsLine(report: MonitoringReport, max = 10): string {
  const drifted = report.columns
    .filter((c) => c.drifted)
    .sort((a, b) => (a.p_value ?? 1) - (b.p_value ?? 1) || b.statistic - a.statistic);
  const shown = drifted
    .slice(0, max)
    .map(
      (c) =>
        `\`${c.name}\` (${c.test}, ${c.p_value === null ? `${fmt(c.statistic)} ≥ ${fmt(c.threshold)}` : c.p_value === 0 ? "p ≈ 0" : `p = ${fmt(c.p_value)}`})`,
    );
  return shown.join(", ") + (drifted.length > max ? `, … ${drifted.length - max} more` : "");
}

export interface RenderOptions {
  /** Profiles, for reference-vs-current distribution charts of the drifted columns (at most `charts`). */
  profiles?: { reference: Profile; current: Profile };
  charts?: number;
  /** Earlier runs' drift shares (oldest first) for the drift-over-time chart; this run is appended. */
  history?: { label: string; drift_share: number }[];
  /** Title line (default: the drift verdict). */
  title?: string;
}

/** One metric per chunk (period) of the current data, as a line. */
function performanceChart(metric: string, p: PerformanceReport): string {
  const values = p.chunks.map((c) =>
    Number((c.metrics as unknown as Record<string, number | null>)[metric] ?? 0),
  );
  const chunk = p.chunk ?? "chunk";
  const x = fitLabels(
    p.chunks.map((c) => c.period),
    chunk,
  );
  return xyChart({
    title: `${metric} per ${chunk}`,
    x: x.labels,
    xTitle: x.title ?? chunk,
    yTitle: metric,
    y: { min: 0, max: Math.max(1, ...values) },
    series: [{ kind: "line", name: metric, values }],
  });
}

function performanceTable(p: PerformanceReport): string[] {
  const keys =
    p.task === "classification"
      ? ["accuracy", "precision", "recall", "f1", "roc_auc"]
      : ["mae", "rmse", "r2"];
  const get = (m: unknown, k: string) => (m as Record<string, number | null>)[k] ?? null;
  const lines = [
    "",
    `### Model performance (${p.task})`,
    "",
    "| Metric | Reference | Current | Δ |",
    "|---|---:|---:|---:|",
    ...keys.map(
      (k) =>
        `| ${k} | ${p.reference ? fmt(get(p.reference, k)) : "—"} | ${fmt(get(p.current, k))} | ${k in p.delta ? fmt(p.delta[k] as number) : "—"} |`,
    ),
  ];
  if (p.chunks.length > 1) {
    const k = keys[0] as string;
    lines.push("", performanceChart(k, p));
  }
  return lines;
}

/** Markdown for a job summary, an issue body or `mlops monitor --format markdown`. */
export function renderMarkdown(report: MonitoringReport, options: RenderOptions = {}): string {
  const body = renderReportTable(report);
  const extra: string[] = [];
  if (report.performance) extra.push(...performanceTable(report.performance));
  if (options.history) {
    const history = [...options.history, { label: runLabel(report), drift_share: report.drift_share }];
    if (history.length > 1)
      extra.push("", "### Drift share over time", "", driftHistoryChart(history.slice(-30)));
  }
  if (options.profiles) {
    const drifted = report.columns.filter((c) => c.drifted).slice(0, options.charts ?? 5);
    const charts = drifted
      .map((c) => {
        const d = columnDistribution(
          options.profiles?.reference as Profile,
          options.profiles?.current as Profile,
          c.name,
        );
        return d ? distributionChart(c.name, d.bins, d.reference, d.current, d.xTitle) : undefined;
      })
      .filter((x): x is string => x !== undefined);
    if (charts.length) extra.push("", "### Reference vs current", "", ...charts.flatMap((c) => [c, ""]));
  }
  return `${body}${extra.length ? `${extra.join("\n")}\n` : ""}`;
}

function renderReportTable(report: MonitoringReport): string {
  const drifted = report.columns.some((c) => c.drifted);
  const lines = [
    `## ${driftIcon(report)} ${driftHeadline(report)}`,
    "",
    ...(drifted ? [`Drifted: ${driftedColumnsLine(report)}.`, ""] : []),
    `Drift share ${fmt(report.drift_share)} (dataset drift at ${fmt(report.drift_share_threshold)}); reference ${report.reference.rows} rows, current ${report.current.rows} rows.`,
    "",
    "| Column | Type | Test | Statistic | p-value | Threshold | Drifted |",
    "|---|---|---|---:|---:|---:|:---:|",
    ...report.columns.map(
      (c) =>
        `| ${c.name.replace(/\|/g, "\\|")} | ${c.type} | ${c.test} | ${fmt(c.statistic)} | ${fmt(c.p_value)} | ${fmt(c.threshold)} | ${driftedCell(c)} |`,
    ),
  ];
  if (report.findings.length)
    lines.push(
      "",
      "<details><summary>Findings (" + report.findings.length + ")</summary>",
      "",
      ...report.findings.map((f) => `- ${f.message}`),
      "",
      "</details>",
    );
  return `${lines.join("\n")}\n`;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A standalone HTML page: the column table, findings, performance and the Mermaid charts (rendered by Mermaid from jsDelivr). */
export function renderHtml(report: MonitoringReport, options: RenderOptions = {}): string {
  const markdown = renderMarkdown(report, options);
  // Each chart with the legend line written under it.
  const charts = [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```\n\n([^\n]*)/g)].map((m) => ({
    chart: m[1] as string,
    legend: m[2] as string,
  }));
  const rows = report.columns
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.name)}</td><td>${c.type}</td><td>${c.test}</td><td>${fmt(c.statistic)}</td><td>${fmt(c.p_value)}</td><td>${fmt(c.threshold)}</td><td>${escapeHtml(driftedCell(c))}</td></tr>`,
    )
    .join("\n");
  const perf = report.performance
    ? `<h2>Model performance (${report.performance.task})</h2><pre>${escapeHtml(JSON.stringify(report.performance.current, null, 2))}</pre>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Monitoring report</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}</style>
</head><body>
<h1>${escapeHtml(driftHeadline(report))}</h1>
<p>Drift share ${fmt(report.drift_share)} (threshold ${fmt(report.drift_share_threshold)}); reference ${report.reference.rows} rows, current ${report.current.rows} rows; generated ${escapeHtml(report.generated_at)}.</p>
<table><thead><tr><th>Column</th><th>Type</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Drifted</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${report.findings.length ? `<h2>Findings</h2><ul>${report.findings.map((f) => `<li>${escapeHtml(f.message)}</li>`).join("")}</ul>` : ""}
${perf}
${charts.map((c) => `<pre class="mermaid">${escapeHtml(c.chart)}</pre><p>${escapeHtml(c.legend)}</p>`).join("\n")}
<script type="module">import mermaid from "https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.esm.min.mjs"; mermaid.initialize({ startOnLoad: true });</script>
</body></html>
`;
}
