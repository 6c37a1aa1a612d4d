/**
 * The monitoring issue's content: a body with the latest state (replaced each run) carrying a hidden,
 * machine-readable history, and a per-run comment saying what changed since the previous run.
 */
import { diffReports, type MonitoringReport } from "./compare.js";
import type { Profile } from "./profile.js";
import { driftHeadline, driftLevel, renderMarkdown, runLabel } from "./render.js";

const STATE_START = "<!-- mlops-actions:monitoring-state ";
const STATE_END = " -->";
/** Runs kept in the issue's history (drift share over time chart). */
export const HISTORY_LENGTH = 30;
/**
 * Characters the machine-readable history may take in the issue body (GitHub allows 65,536 in all);
 * the visible report is budgeted around it, so the history survives any report size.
 */
export const HISTORY_BUDGET = 16_000;

export interface RunRecord {
  label: string;
  drift_share: number;
  dataset_drift: boolean;
  /** Drifted columns (only the newest run keeps them when the history would not fit otherwise). */
  drifted: string[];
  /** How many columns drifted, when `drifted` was shortened to fit. */
  drifted_count?: number;
  /** True when `drifted` is not the whole list (too long to store). */
  drifted_truncated?: boolean;
  run_url?: string;
}

/** The state block: JSON in an HTML comment, `>` escaped so no column name can end the comment. */
function stateBlock(history: RunRecord[]): string {
  return `${STATE_START}${JSON.stringify({ history }).replace(/>/g, "\\u003e")}${STATE_END}`;
}

/**
 * The history as a state block of at most `HISTORY_BUDGET` characters: whole when it fits; else older
 * runs keep only their drift share and count, then the newest run's column list is shortened (marked
 * `drifted_truncated`), then the oldest runs are dropped.
 */
export function historyBlock(history: RunRecord[]): string {
  const fits = (h: RunRecord[]) => [...stateBlock(h)].length <= HISTORY_BUDGET;
  if (fits(history)) return stateBlock(history);
  const slim = (r: RunRecord): RunRecord =>
    r.drifted_truncated || r.drifted.length === 0
      ? { ...r, drifted: [] }
      : { ...r, drifted: [], drifted_count: r.drifted.length, drifted_truncated: true };
  const newest = history.at(-1);
  let older = history.slice(0, -1).map(slim);
  if (!newest) return stateBlock([]);
  if (fits([...older, newest])) return stateBlock([...older, newest]);
  const names = newest.drifted;
  const shortened = (n: number): RunRecord => ({
    ...newest,
    drifted: names.slice(0, n),
    drifted_count: newest.drifted_count ?? names.length,
    drifted_truncated: true,
  });
  while (older.length > 0 && !fits([...older, shortened(0)])) older = older.slice(1);
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits([...older, shortened(mid)])) low = mid;
    else high = mid - 1;
  }
  return stateBlock([...older, shortened(low)]);
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
  const level = driftLevel(report);
  const headline = driftHeadline(report);
  if (!previous)
    return [
      level === "dataset"
        ? `First monitoring run: ⚠️ **dataset drift detected**: ${headline.replace(/^Dataset drift detected: /, "")}.`
        : level === "columns"
          ? `First monitoring run: ⚠️ **${headline}**.`
          : `First monitoring run: ✅ ${headline.replace(/^No drift/, "no drift")}.`,
    ];
  const diff = diffReports(asReport(previous), report);
  const lines: string[] = [];
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.name);
  const verdict = (cleared: boolean, started: boolean): string => {
    if (cleared)
      return level === "columns"
        ? `✅ **Dataset drift cleared**, but ⚠️ ${headline}.`
        : "✅ **Drift cleared**: the dataset no longer drifts.";
    if (started) return "⚠️ **Dataset drift detected** (no dataset drift in the previous run).";
    if (level === "dataset") return "⚠️ Dataset drift continues.";
    if (level === "columns") return `⚠️ ${headline}.`;
    return (previous.drifted_count ?? previous.drifted.length) > 0
      ? "✅ No drift."
      : "✅ No drift, as in the previous run.";
  };
  if (previous.drifted_truncated) {
    // The previous run's column list was too long to store whole: compare counts, not names.
    lines.push(
      verdict(
        previous.dataset_drift && !report.dataset_drift,
        !previous.dataset_drift && report.dataset_drift,
      ),
      `- Drifted columns ${previous.drifted_count ?? previous.drifted.length} → ${drifted.length} (the previous run's list was too long to keep in the issue, so columns are not compared by name)`,
      `- Drift share ${previous.drift_share.toFixed(2)} → ${report.drift_share.toFixed(2)}`,
    );
    return lines;
  }
  lines.push(verdict(diff.datasetDriftCleared, diff.datasetDriftStarted));
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
  /** The visible body (may be cut to fit GitHub's limit). */
  body: string;
  /** The machine-readable history block, at most `HISTORY_BUDGET` characters: keep it whole after `body`. */
  trailer: string;
  comment: string;
  history: RunRecord[];
}

/**
 * Composes the issue body, its history block (`trailer`, kept whole by `upsertMonitoringIssue` however
 * long the visible report is) and this run's comment from the report and the previous body.
 */
export function composeIssue(
  model: string,
  report: MonitoringReport,
  previousBody: string | undefined,
  options: { runUrl?: string; profiles?: { reference: Profile; current: Profile } } = {},
): IssueContent {
  const past = readHistory(previousBody);
  const record: RunRecord = {
    label: runLabel(report),
    drift_share: report.drift_share,
    dataset_drift: report.dataset_drift,
    drifted: report.columns.filter((c) => c.drifted).map((c) => c.name),
    ...(options.runUrl ? { run_url: options.runUrl } : {}),
  };
  const history = [...past, record].slice(-HISTORY_LENGTH);
  // Drifted columns first: when the body is cut to GitHub's limit, the rows cut are the stable ones.
  const driftedFirst = {
    ...report,
    columns: [...report.columns.filter((c) => c.drifted), ...report.columns.filter((c) => !c.drifted)],
  };
  const markdown = renderMarkdown(driftedFirst, {
    history: past.map((h) => ({ label: h.label, drift_share: h.drift_share })),
    ...(options.profiles ? { profiles: options.profiles } : {}),
  });
  const changes = changeSummary(past.at(-1), report);
  const trailer = historyBlock(history);
  const level = driftLevel(report);
  const drifted = report.columns.filter((c) => c.drifted).length;
  const title = `Monitoring: ${model}${level === "dataset" ? " — dataset drift detected" : level === "columns" ? ` — ${drifted} of ${report.columns.filter((c) => !c.note).length} columns drifted` : ""}`;
  const body = [
    `Monitoring of model \`${model}\`, updated by mlops-actions on every run${options.runUrl ? ` (latest: ${options.runUrl})` : ""}.`,
    "",
    ...changes,
    "",
    markdown,
  ].join("\n");
  const comment = [
    `### Run ${record.label}${options.runUrl ? ` — [logs](${options.runUrl})` : ""}`,
    "",
    ...changes,
  ].join("\n");
  return { title, body, trailer, comment, history };
}
