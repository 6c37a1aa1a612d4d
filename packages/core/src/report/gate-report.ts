import { diffMetrics, type MetricDiff } from "../diff/diff.js";
import { formatDelta, formatNumber, formatPercent } from "../format/number.js";
import type { MetricSpec, MetricValues } from "../types.js";
import { PR_COMMENT_BUDGET, ReportBuilder } from "./builder.js";
import type { GateRuleOutcome, GateRun } from "./gate-run.js";
import { VERDICT_LABEL } from "./table.js";

/** Everything one gate report shows; the action's PR comment and `mlops gate` render the same thing. */
export interface GateReportInput {
  model: string;
  run: GateRun;
  head: MetricValues;
  baseline?: MetricValues;
  specs?: Record<string, MetricSpec>;
  /** Identity of the baseline, e.g. `node-classifier v3 (@production)` or `run 1234 on main`. */
  baselineLabel?: string;
  /** Link to the baseline (release page or workflow run). */
  baselineUrl?: string;
  /** Identity of the candidate, e.g. `commit abc1234`. */
  candidateLabel?: string;
  /** Link to the run that produced this report. */
  runUrl?: string;
  /** Header of the candidate column (default `PR`). */
  headLabel?: string;
  /** Extra lines shown under the verdict (notices). */
  notes?: readonly string[];
}

export interface GateReportOptions {
  /** Characters the report may take (default: a PR comment). */
  budget?: number;
  /** Characters kept free for the caller (a marker line). */
  reserve?: number;
}

/** `✅ node-classifier: gate passed (3 rules)` / `❌ node-classifier: gate failed — 1 of 3 rules failed`. */
export function gateVerdictLine(model: string, run: GateRun): string {
  const failed = run.rules.filter((r) => !r.passed && !r.skipped).length;
  const total = run.rules.length;
  const plural = (n: number) => `${n} rule${n === 1 ? "" : "s"}`;
  return run.passed
    ? `✅ ${model}: gate passed (${plural(total)})`
    : `❌ ${model}: gate failed — ${failed} of ${plural(total)} failed`;
}

/** The rules that failed (not skipped), as their texts. */
export function failedRuleTexts(run: GateRun): string[] {
  return run.rules.filter((r) => !r.passed && !r.skipped).map((r) => r.rule);
}

function statusOf(outcomes: readonly GateRuleOutcome[], diff: MetricDiff | undefined): string {
  if (outcomes.some((o) => !o.passed && !o.skipped)) return "❌ fail";
  if (outcomes.length > 0 && outcomes.every((o) => o.skipped)) return "⏭️ skipped";
  if (outcomes.length > 0) return "✅ pass";
  return diff ? VERDICT_LABEL[diff.verdict] : "";
}

function rank(outcomes: readonly GateRuleOutcome[]): number {
  if (outcomes.some((o) => !o.passed && !o.skipped)) return 0;
  return outcomes.length > 0 ? 1 : 2;
}

/**
 * Renders the gate report as GitHub markdown within `budget` characters: verdict line, baseline and
 * candidate identity, first-model notice, failed rules, the table metric | baseline | PR | Δ | Δ% |
 * rule | status (failing metrics first, then metrics with rules, then the rest), and every rule's
 * message in a collapsed section. Over budget, the table loses rows from the end with a note.
 */
export function renderGateReport(input: GateReportInput, options: GateReportOptions = {}): string {
  const { run, specs = {} } = input;
  const report = new ReportBuilder();
  report.heading(gateVerdictLine(input.model, run), 3, 10);

  const link = (text: string, url: string | undefined) => (url ? `[${text}](${url})` : text);
  const identity: string[] = [];
  identity.push(
    input.baseline === undefined
      ? "**Baseline:** none"
      : `**Baseline:** ${link(input.baselineLabel ?? "given metrics", input.baselineUrl)}`,
  );
  if (input.candidateLabel || input.runUrl)
    identity.push(`**Candidate:** ${link(input.candidateLabel ?? "this run", input.runUrl)}`);
  report.markdown(identity.join(" · "), 9);
  if (run.firstModel)
    report.markdown(
      "> [!NOTE]\n> First model: there is no baseline to compare with, so only absolute rules were checked; rules that use `baseline` were skipped.",
      9,
    );
  for (const note of input.notes ?? []) report.markdown(note, 9);

  const failed = run.rules.filter((r) => !r.passed && !r.skipped);
  if (failed.length > 0)
    report.markdown(
      `**Failed rules**\n\n${failed.map((r) => `- \`${r.rule}\`: ${r.message}`).join("\n")}`,
      8,
    );

  const diffs = diffMetrics(input.baseline, input.head, specs);
  const byName = new Map(diffs.map((d) => [d.name, d]));
  const names = [...new Set([...diffs.map((d) => d.name), ...run.rules.map((r) => r.metric)])];
  const outcomesOf = (name: string) => run.rules.filter((r) => r.metric === name);
  names.sort((a, b) => rank(outcomesOf(a)) - rank(outcomesOf(b)) || a.localeCompare(b));
  const rows = names.map((name) => {
    const d = byName.get(name);
    const spec = specs[name];
    const precision = spec?.precision ?? 4;
    const unit = spec?.unit ? ` ${spec.unit}` : "";
    const num = (x: number | null | undefined) =>
      x === null || x === undefined ? "—" : formatNumber(x, { precision }) + unit;
    const outcomes = outcomesOf(name);
    return [
      name,
      num(d?.base),
      num(d?.head),
      d?.delta === null || d?.delta === undefined ? "—" : formatDelta(d.delta, { precision }),
      d?.relative === null || d?.relative === undefined ? "—" : formatPercent(d.relative),
      outcomes.map((o) => `\`${o.rule}\``).join("<br>"),
      statusOf(outcomes, input.baseline === undefined ? undefined : d),
    ];
  });
  report.table(["Metric", "Baseline", input.headLabel ?? "PR", "Δ", "Δ%", "Rule", "Status"], rows, {
    align: ["l", "r", "r", "r", "r", "l", "l"],
    priority: 5,
  });

  const withInterval = run.rules.filter((r) => r.interval);
  if (withInterval.length > 0)
    report.markdown(
      withInterval
        .map(
          (r) =>
            `Noise-aware \`${r.rule}\`: ${Math.round((r.interval?.level ?? 0.95) * 100)}% CI of the change [${formatNumber(r.interval?.low ?? 0)}, ${formatNumber(r.interval?.high ?? 0)}] (paired bootstrap over per-example results).`,
        )
        .join("\n\n"),
      7,
    );

  if (run.rules.length > 0)
    report.details(
      `All ${run.rules.length} rules`,
      (inner) =>
        inner.table(
          ["Rule", "Result", "Details"],
          run.rules.map((r) => [
            `\`${r.rule}\``,
            r.skipped ? "⏭️ skipped" : r.passed ? "✅ pass" : "❌ fail",
            r.message,
          ]),
        ),
      { priority: 0 },
    );

  return report.build({
    budget: options.budget ?? PR_COMMENT_BUDGET,
    ...(options.reserve !== undefined ? { reserve: options.reserve } : {}),
  });
}
