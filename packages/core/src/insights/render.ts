/**
 * `mlops insights` output: Markdown (job summary, the insights issue), HTML (a standalone page) and JSON,
 * all from one list of blocks so the three say the same.
 */
import { xyChart } from "../format/mermaid.js";
import { renderTable } from "../report/table.js";
import {
  type InsightsReport,
  LEAD_TIME_PART_LABEL,
  LEAD_TIME_PARTS,
  type ModelInsights,
  revisitMatrix,
} from "./compute.js";
import { PHASE_LABEL, PHASES } from "./events.js";
import { type DurationStat, formatDuration, formatRatio } from "./stats.js";

type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "table"; headers: string[]; rows: string[][] }
  | { kind: "chart"; markdown: string; source: string };

const stat = (s: DurationStat) =>
  s.n === 0 ? "no data" : `median ${formatDuration(s.median)}, p90 ${formatDuration(s.p90)} (n = ${s.n})`;

function modelBlocks(m: ModelInsights): Block[] {
  const blocks: Block[] = [{ kind: "heading", level: 2, text: `Model \`${m.model}\`` }];
  const d = m.deployments;
  const frequency =
    d.perWeek === undefined
      ? `no weekly rate: the window is ${formatDuration(m.weeks * 7 * 86_400)}, under a week (${d.successfulChanges} successful change${d.successfulChanges === 1 ? "" : "s"} in it)`
      : `${Math.round(d.perWeek * 100) / 100} per week (${d.successfulChanges} successful change${d.successfulChanges === 1 ? "" : "s"} in ${Math.round(m.weeks * 10) / 10} weeks)`;
  const restore =
    m.timeToRestore.n === 0 && m.timeToRestore.open === 0
      ? "no data (no failed change)"
      : `${stat(m.timeToRestore)}${m.timeToRestore.open > 0 ? `; ${m.timeToRestore.open} not restored yet` : ""}`;
  blocks.push(
    { kind: "heading", level: 3, text: "Delivery" },
    {
      kind: "table",
      headers: ["Metric", "Value"],
      rows: [
        ["Lead time (first commit → production)", stat(m.leadTime.total)],
        ["Deployment frequency (production)", frequency],
        [
          "Change failure rate",
          d.changes === 0 ? "no data (no production change deployed)" : formatRatio(m.changeFailureRate),
        ],
        ["Time to restore", restore],
        ["Rework rate", d.total === 0 ? "no data (no production deployment)" : formatRatio(m.reworkRate)],
        ["Production deployments", `${d.total} (${d.changes} changes, ${d.rollbacks} rollbacks)`],
      ],
    },
  );
  if (m.leadTime.notInProduction.length > 0)
    blocks.push({
      kind: "paragraph",
      text: `Merged but not in production yet: ${m.leadTime.notInProduction.map((n) => `#${n}`).join(", ")}.`,
    });
  if (m.leadTime.rows.length > 0) {
    blocks.push(
      { kind: "heading", level: 3, text: "Lead time, part by part" },
      {
        kind: "table",
        headers: ["Part", "Median", "p90"],
        rows: LEAD_TIME_PARTS.map((p) => [
          LEAD_TIME_PART_LABEL[p],
          formatDuration(m.leadTime.parts[p].median),
          formatDuration(m.leadTime.parts[p].p90),
        ]),
      },
      {
        kind: "table",
        headers: ["PR", "Version", "Lead time", ...LEAD_TIME_PARTS],
        rows: m.leadTime.rows.map((r) => [
          `#${r.pr}`,
          `v${r.version}`,
          formatDuration(r.total),
          ...LEAD_TIME_PARTS.map((p) => formatDuration(r.parts[p])),
        ]),
      },
    );
  }
  if (m.weekly.length >= 2)
    blocks.push(
      { kind: "heading", level: 3, text: "Week by week" },
      {
        kind: "table",
        headers: [
          "Week from",
          "Changes ✓",
          "Changes ✗",
          "Rollbacks",
          "Gate runs",
          "Gate ✗",
          "Drift onsets",
          "Revisits",
        ],
        rows: m.weekly.map((w) => [
          w.start.slice(0, 10),
          String(w.successfulChanges),
          String(w.failedChanges),
          String(w.rollbacks),
          String(w.gateEvaluations),
          String(w.gateFailures),
          String(w.driftOnsets),
          String(w.revisits),
        ]),
      },
    );
  const g = m.gate;
  blocks.push(
    { kind: "heading", level: 3, text: "Gate" },
    {
      kind: "table",
      headers: ["Metric", "Value"],
      rows: [
        ["Pass rate", g.passRate.denominator === 0 ? "no data (no gate evaluated)" : formatRatio(g.passRate)],
        [
          "Most failing rules",
          g.failingRules.length === 0
            ? "none failed"
            : g.failingRules
                .slice(0, 5)
                .map((r) => `\`${r.rule}\` (${r.failures})`)
                .join(", "),
        ],
        [
          "Re-runs per PR",
          g.rerunsPerPr === undefined
            ? "no data (no PR gated)"
            : `${Math.round(g.rerunsPerPr * 100) / 100} (${g.reruns} re-runs over ${g.prs} PRs; ${Math.round((g.evaluationsPerPr ?? 0) * 100) / 100} evaluations per PR)`,
        ],
      ],
    },
    { kind: "heading", level: 3, text: "Drift → next production version" },
    {
      kind: "paragraph",
      text:
        m.drift.onsets === 0
          ? "no data (no drift detected)"
          : m.drift.restored === 0
            ? `${m.drift.onsets} drift onset${m.drift.onsets === 1 ? "" : "s"}, none followed by a new production version yet.`
            : `${m.drift.onsets} drift onset${m.drift.onsets === 1 ? "" : "s"}: ${stat(m.drift.time)}${m.drift.open > 0 ? `; ${m.drift.open} without a new production version yet` : ""}.`,
    },
  );
  return blocks;
}

function matrixBlocks(report: InsightsReport): Block[] {
  const { revisits } = report;
  const blocks: Block[] = [{ kind: "heading", level: 2, text: "Phase revisits" }];
  // A phase that did nothing in the window could not send work back: "no data", not 0.
  const idle = PHASES.filter((p) => report.phaseActivity[p] === 0);
  const noData =
    idle.length === 0
      ? ""
      : ` No data for ${idle.map((p) => PHASE_LABEL[p]).join(", ")}: nothing happened there in this window.`;
  if (revisits.length === 0) {
    blocks.push({ kind: "paragraph", text: `No phase sent work back in this window.${noData}` });
    return blocks;
  }
  const cells = revisitMatrix(revisits);
  blocks.push(
    {
      kind: "paragraph",
      text: `Rows: the phase that sent work back; columns: the phase the work went back to. Counts over every model; · is none.${noData}`,
    },
    {
      kind: "table",
      headers: ["sent back from ↓ / to →", ...PHASES.map((p) => PHASE_LABEL[p])],
      rows: PHASES.map((from) => [
        PHASE_LABEL[from],
        ...PHASES.map((to) =>
          report.phaseActivity[from] === 0 ? "no data" : String(cells.get(`${from}→${to}`)?.count ?? "·"),
        ),
      ]),
    },
  );
  const edges = [...cells].sort((a, b) => b[1].count - a[1].count);
  blocks.push({
    kind: "table",
    headers: ["From → to", "Count", "Reasons"],
    rows: edges.map(([key, cell]) => [
      key.replace("→", " → "),
      String(cell.count),
      [...cell.reasons].map(([reason, n]) => `${reason} ${n}`).join(", "),
    ]),
  });
  const source = xyChart({
    title: "Work sent back, by phase pair",
    x: edges.map(([key]) => key.replaceAll("experimentation", "exp").replace("→", " → ")),
    xTitle: "from → to",
    yTitle: "revisits",
    series: [{ kind: "bar", name: "revisits", values: edges.map(([, cell]) => cell.count) }],
  });
  blocks.push({ kind: "chart", markdown: source, source });
  return blocks;
}

function blocksOf(report: InsightsReport): Block[] {
  const window = `${report.since ?? "the first event"} → ${report.until}`;
  const blocks: Block[] = [
    { kind: "heading", level: 1, text: `MLOps insights: ${report.repository}` },
    {
      kind: "paragraph",
      text: `Window: ${window}.${report.apiCalls ? ` Read with ${report.apiCalls.made} API calls (${report.apiCalls.detail})${report.apiCalls.notModified === undefined ? "" : `; ${report.apiCalls.notModified} answered 304 Not Modified from the previous run's responses, not counted against the rate limit`}.` : ""} Definitions: docs/architecture.md, "Insights".`,
    },
  ];
  if (report.models.length === 0)
    blocks.push({
      kind: "paragraph",
      text: "No data: no model gate, version, deployment or monitoring run was found.",
    });
  for (const m of report.models) blocks.push(...modelBlocks(m));
  blocks.push(...matrixBlocks(report));
  if (report.retrainRuns > 0)
    blocks.push({
      kind: "paragraph",
      text: `${report.retrainRuns} workflow run${report.retrainRuns === 1 ? "" : "s"} started by repository_dispatch (retraining).`,
    });
  return blocks;
}

/**
 * The headline figures of each model in a few lines (the comment the insights issue gets per run, so the
 * issue keeps one line of history per month while its body shows the latest report).
 */
export function renderInsightsHeadline(report: InsightsReport): string {
  const lines = [`### ${report.since?.slice(0, 10) ?? "start"} → ${report.until.slice(0, 10)}`, ""];
  for (const m of report.models) {
    const d = m.deployments;
    const parts = [
      `lead time ${m.leadTime.total.n === 0 ? "no data" : formatDuration(m.leadTime.total.median)}`,
      d.perWeek === undefined
        ? `${d.successfulChanges} production change${d.successfulChanges === 1 ? "" : "s"}`
        : `${Math.round(d.perWeek * 100) / 100} changes/week`,
      `change failure rate ${formatRatio(m.changeFailureRate)}`,
      `time to restore ${m.timeToRestore.n === 0 ? "no data" : formatDuration(m.timeToRestore.median)}`,
      `rework ${formatRatio(m.reworkRate)}`,
      `gate pass rate ${formatRatio(m.gate.passRate)}`,
      `${m.revisits.length} revisit${m.revisits.length === 1 ? "" : "s"}`,
    ];
    lines.push(`- \`${m.model}\`: ${parts.join(" · ")}`);
  }
  if (report.models.length === 0) lines.push("No model activity in this window.");
  return lines.join("\n");
}

export function renderInsightsMarkdown(report: InsightsReport): string {
  return `${blocksOf(report)
    .map((b) => {
      if (b.kind === "heading") return `${"#".repeat(b.level)} ${b.text}`;
      if (b.kind === "paragraph") return b.text;
      if (b.kind === "table") return renderTable(b.headers, b.rows);
      return b.markdown;
    })
    .join("\n\n")}\n`;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const inlineHtml = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, "<code>$1</code>");

/** A standalone page; charts are `<pre class="mermaid">` blocks drawn by Mermaid from its CDN (as `mlops monitor --format html`). */
export function renderInsightsHtml(report: InsightsReport): string {
  const body = blocksOf(report)
    .map((b) => {
      if (b.kind === "heading") return `<h${b.level}>${inlineHtml(b.text)}</h${b.level}>`;
      if (b.kind === "paragraph") return `<p>${inlineHtml(b.text)}</p>`;
      if (b.kind === "table")
        return `<table><thead><tr>${b.headers.map((h) => `<th>${inlineHtml(h)}</th>`).join("")}</tr></thead><tbody>${b.rows
          .map((r) => `<tr>${r.map((c) => `<td>${inlineHtml(c)}</td>`).join("")}</tr>`)
          .join("")}</tbody></table>`;
      // xyChart writes the fenced block, then its legend line (a paragraph)
      const match = /^```mermaid\n([\s\S]*?)\n```\n*([\s\S]*)$/.exec(b.source);
      return `<pre class="mermaid">${escapeHtml(match?.[1] ?? b.source)}</pre><p>${escapeHtml(match?.[2]?.trim() ?? "")}</p>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(`MLOps insights: ${report.repository}`)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}</style>
</head><body>
${body}
${body.includes('<pre class="mermaid">') ? '<script type="module">import mermaid from "https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.esm.min.mjs"; mermaid.initialize({ startOnLoad: true });</script>\n' : ""}</body></html>
`;
}

export function renderInsightsJson(report: InsightsReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
