/** Markdown and Mermaid rendering of a monitoring report (GitHub renders ```mermaid natively). */
import type { MonitoringReport } from "./compare.js";

const fmt = (x: number | null) =>
  x === null ? "—" : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2);
const label = (s: string) => `"${s.replace(/"/g, "'")}"`;

/** Mermaid `xychart-beta` bar chart with reference and current shares per bin/category. */
export function distributionChart(
  column: string,
  bins: string[],
  reference: number[],
  current: number[],
): string {
  const max = Math.max(0.01, ...reference, ...current);
  return [
    "```mermaid",
    "xychart-beta",
    `  title ${label(`${column}: reference vs current`)}`,
    `  x-axis [${bins.map(label).join(", ")}]`,
    `  y-axis "share" 0 --> ${Number((max * 1.1).toFixed(4))}`,
    `  bar [${reference.map((v) => Number(v.toFixed(4))).join(", ")}]`,
    `  line [${current.map((v) => Number(v.toFixed(4))).join(", ")}]`,
    "```",
  ].join("\n");
}

/** Mermaid line chart of drift share over previous runs. */
export function driftHistoryChart(history: { label: string; drift_share: number }[]): string {
  return [
    "```mermaid",
    "xychart-beta",
    `  title "Drift share over time"`,
    `  x-axis [${history.map((h) => label(h.label)).join(", ")}]`,
    `  y-axis "drift share" 0 --> 1`,
    `  line [${history.map((h) => Number(h.drift_share.toFixed(4))).join(", ")}]`,
    "```",
  ].join("\n");
}

/** Markdown for a job summary or issue body. */
export function renderMarkdown(report: MonitoringReport): string {
  const drifted = report.columns.filter((c) => c.drifted).length;
  const lines = [
    `## ${report.dataset_drift ? "⚠️ Dataset drift detected" : "✅ No dataset drift"}`,
    "",
    `${drifted} of ${report.columns.length} columns drifted (share ${fmt(report.drift_share)}); reference ${report.reference.rows} rows, current ${report.current.rows} rows.`,
    "",
    "| Column | Type | Test | Statistic | p-value | Threshold | Drifted |",
    "|---|---|---|---:|---:|---:|:---:|",
    ...report.columns.map(
      (c) =>
        `| ${c.name.replace(/\|/g, "\\|")} | ${c.type} | ${c.test} | ${fmt(c.statistic)} | ${fmt(c.p_value)} | ${fmt(c.threshold)} | ${c.drifted ? "yes" : "no"} |`,
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

/** Strict structural check of the xychart-beta blocks we emit (no Node-side Mermaid parser covers xychart). */
export function checkXyChart(block: string): string[] {
  const errors: string[] = [];
  const body = block
    .replace(/^```mermaid\n/, "")
    .replace(/\n```$/, "")
    .split("\n");
  if (body[0] !== "xychart-beta") errors.push("first line must be xychart-beta");
  let xCount = -1;
  for (const line of body.slice(1)) {
    const t = line.trim();
    const x = /^x-axis \[(.*)\]$/.exec(t);
    if (x) xCount = (x[1] ?? "").match(/"[^"]*"/g)?.length ?? 0;
    else if (/^(bar|line) \[(.*)\]$/.test(t)) {
      const vals = (/\[(.*)\]/.exec(t)?.[1] ?? "").split(",").map((v) => v.trim());
      if (vals.some((v) => !/^-?\d+(\.\d+)?(e-?\d+)?$/.test(v))) errors.push(`non-numeric series: ${t}`);
      if (xCount >= 0 && vals.length !== xCount)
        errors.push(`series length ${vals.length} ≠ x-axis ${xCount}`);
    } else if (!/^title "[^"]*"$/.test(t) && !/^y-axis "[^"]*" -?[\d.]+ --> -?[\d.]+$/.test(t))
      errors.push(`unexpected line: ${t}`);
  }
  return errors;
}
