/**
 * The monitoring issue's content: a body with the latest state (replaced each run) carrying a hidden,
 * machine-readable history, and a per-run comment saying what changed since the previous run.
 */
import { diffReports, type MonitoringReport } from "./compare.js";
import type { Profile } from "./profile.js";
import { renderMarkdown } from "./render.js";

const STATE_START = "<!-- mlops-actions:monitoring-state ";
const STATE_END = " -->";
/** Runs kept in the issue's history (drift share over time chart). */
export const HISTORY_LENGTH = 30;

export interface RunRecord {
  label: string;
  drift_share: number;
  dataset_drift: boolean;
  drifted: string[];
  run_url?: string;
}

/** The history stored in an issue body by {@link composeIssue} (empty when absent or unreadable). */
export function readHistory(body: string | undefined): RunRecord[] {
  if (!body) return [];
  const start = body.indexOf(STATE_START);
  if (start < 0) return [];
  const end = body.indexOf(STATE_END, start + STATE_START.length);
  try {
    const state = JSON.parse(body.slice(start + STATE_START.length, end)) as { history?: RunRecord[] };
    return Array.isArray(state.history) ? state.history : [];
  } catch {
    return [];
  }
}

function asReport(record: RunRecord): MonitoringReport {
  return {
    schema_version: 1,
    dataset_drift: record.dataset_drift,
    drift_share: record.drift_share,
    drift_share_threshold: 0,
    correction: "none",
    columns: record.drifted.map((name) => ({
      name,
      type: "numerical",
      test: "ks",
      statistic: 0,
      p_value: null,
      threshold: 0,
      drifted: true,
    })),
    findings: [],
    generated_at: record.label,
    reference: { rows: 0 },
    current: { rows: 0 },
  };
}

const list = (names: string[]) => names.map((n) => `\`${n}\``).join(", ");

/** What changed since the previous run, in words (first line of the run comment). */
export function changeSummary(previous: RunRecord | undefined, report: MonitoringReport): string[] {
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.name);
  if (!previous)
    return [
      report.dataset_drift
        ? `First monitoring run: **dataset drift detected** (${drifted.length} of ${report.columns.length} columns).`
        : `First monitoring run: no dataset drift (${drifted.length} of ${report.columns.length} columns drifted).`,
    ];
  const diff = diffReports(asReport(previous), report);
  const lines: string[] = [];
  if (diff.datasetDriftCleared) lines.push("✅ **Drift cleared**: the dataset no longer drifts.");
  else if (diff.datasetDriftStarted)
    lines.push("⚠️ **Dataset drift detected** (no drift in the previous run).");
  else
    lines.push(
      report.dataset_drift ? "⚠️ Dataset drift continues." : "No dataset drift, as in the previous run.",
    );
  if (diff.newlyDrifted.length) lines.push(`- Newly drifted: ${list(diff.newlyDrifted)}`);
  if (diff.cleared.length) lines.push(`- No longer drifting: ${list(diff.cleared)}`);
  if (diff.stillDrifting.length) lines.push(`- Still drifting: ${list(diff.stillDrifting)}`);
  const delta = report.drift_share - previous.drift_share;
  lines.push(
    `- Drift share ${previous.drift_share.toFixed(2)} → ${report.drift_share.toFixed(2)}${delta === 0 ? " (unchanged)" : ""}`,
  );
  return lines;
}

export interface IssueContent {
  title: string;
  body: string;
  comment: string;
  history: RunRecord[];
}

/** Composes the issue body and this run's comment from the report and the previous body. */
export function composeIssue(
  model: string,
  report: MonitoringReport,
  previousBody: string | undefined,
  options: { runUrl?: string; profiles?: { reference: Profile; current: Profile } } = {},
): IssueContent {
  const past = readHistory(previousBody);
  const record: RunRecord = {
    label: report.generated_at.slice(0, 16).replace("T", " "),
    drift_share: report.drift_share,
    dataset_drift: report.dataset_drift,
    drifted: report.columns.filter((c) => c.drifted).map((c) => c.name),
    ...(options.runUrl ? { run_url: options.runUrl } : {}),
  };
  const history = [...past, record].slice(-HISTORY_LENGTH);
  const markdown = renderMarkdown(report, {
    history: past.map((h) => ({ label: h.label, drift_share: h.drift_share })),
    ...(options.profiles ? { profiles: options.profiles } : {}),
  });
  const changes = changeSummary(past.at(-1), report);
  const state = `${STATE_START}${JSON.stringify({ history })}${STATE_END}`;
  const title = `Monitoring: ${model}${report.dataset_drift ? " — drift detected" : ""}`;
  const body = [
    `Monitoring of model \`${model}\`, updated by mlops-actions on every run${options.runUrl ? ` (latest: ${options.runUrl})` : ""}.`,
    "",
    ...changes,
    "",
    markdown,
    state,
  ].join("\n");
  const comment = [
    `### Run ${record.label}${options.runUrl ? ` — [logs](${options.runUrl})` : ""}`,
    "",
    ...changes,
  ].join("\n");
  return { title, body, comment, history };
}
