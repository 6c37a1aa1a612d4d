import { diffMetrics, type MetricDiff } from "../diff/diff.js";
import { formatDelta, formatNumber, formatPercent } from "../format/number.js";
import { addPlotSections, type PlotSection } from "../plots/render.js";
import type { MetricSpec, MetricValues } from "../types.js";
import { type Budget, PR_COMMENT_BUDGET } from "./budget.js";
import { ReportBuilder } from "./builder.js";
import type { GateRuleOutcome, GateRun } from "./gate-run.js";
import { VERDICT_LABEL } from "./table.js";

/** Who and what a report is about: the lines under its title (gate reports and sweep reports). */
export interface ReportIdentity {
  /** Identity of the baseline, e.g. `node-classifier v3 (@production)` or `run 1234 on main`. */
  baselineLabel?: string;
  /** Link to the baseline (release page or workflow run). */
  baselineUrl?: string;
  /** Identity of the candidate, e.g. `commit abc1234`. */
  candidateLabel?: string;
  /** Link to the candidate itself (its commit page). */
  candidateUrl?: string;
  /** Link to the run that produced this report. */
  runUrl?: string;
  /** Extra lines shown under the verdict (notices). */
  notes?: readonly string[];
}

/** Everything one gate report shows; the action's PR comment and `mlops gate` render the same thing. */
export interface GateReportInput extends ReportIdentity {
  model: string;
  run: GateRun;
  head: MetricValues;
  baseline?: MetricValues;
  specs?: Record<string, MetricSpec>;
  /** Header of the candidate column (default `PR`). */
  headLabel?: string;
  /**
   * Charts and tables under the metric table (prediction plots, metric trend, the run's images): the
   * first shown, the rest collapsed, all cut first (with a note) when the report is over its budget.
   */
  plots?: { sections: readonly PlotSection[]; notes?: readonly string[] };
}

export interface GateReportOptions {
  /** The GitHub limit the report must fit, in GitHub's unit (default: a PR comment). */
  budget?: Budget;
  /** Kept free for the caller (a marker line), in the budget's unit. */
  reserve?: number;
}

const plural = (n: number, word = "rule") => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `2 skipped: no baseline` (one part per reason), or "" when nothing was skipped. */
function skippedText(run: GateRun): string {
  const counts = new Map<string, number>();
  for (const r of run.rules)
    if (r.status === "skipped")
      counts.set(r.skipReason ?? "skipped", (counts.get(r.skipReason ?? "skipped") ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} skipped: ${reason}`).join(", ");
}

/**
 * The headline, also the check run's title. Every rule is accounted for, so a gate that checked less
 * than it was asked to never reads like a full pass:
 * `✅ m: gate passed (3 rules)` · `⚠️ m: gate passed — 1 rule checked, 2 skipped: no baseline` ·
 * `❌ m: gate failed — 1 of 3 rules failed` · `❌ m: gate failed — 1 rule checked, 2 skipped: no
 * baseline (gate.on_skipped: fail)`.
 */
export function gateVerdictLine(model: string, run: GateRun): string {
  const checked = run.rules.filter((r) => r.status !== "skipped");
  const failed = checked.filter((r) => r.status === "failed").length;
  const skipped = skippedText(run);
  if (skipped === "")
    return run.passed
      ? `✅ ${model}: gate passed (${plural(run.rules.length)})`
      : `❌ ${model}: gate failed — ${failed} of ${plural(run.rules.length)} failed`;
  const counted =
    failed > 0
      ? `${failed} of ${checked.length} checked rule${checked.length === 1 ? "" : "s"} failed, ${skipped}`
      : `${plural(checked.length)} checked, ${skipped}`;
  if (run.passed) return `⚠️ ${model}: gate passed — ${counted}`;
  return `❌ ${model}: gate failed — ${counted}${run.onSkipped === "fail" ? " (gate.on_skipped: fail)" : ""}`;
}

/** The rules that failed the gate, as their texts: failed ones, and skipped ones under `on_skipped: fail`. */
export function failedRuleTexts(run: GateRun): string[] {
  return run.rules.filter((r) => failsGate(r, run)).map((r) => r.rule);
}

/** Whether an outcome counts against the gate. */
export function failsGate(outcome: GateRuleOutcome, run: Pick<GateRun, "onSkipped">): boolean {
  return outcome.status === "skipped" ? run.onSkipped === "fail" : outcome.status === "failed";
}

/**
 * The rules a gate report (as {@link renderGateReport} writes it: check-run summary, PR comment, job summary)
 * lists under **Failed rules**: each line `- \`<rule>\`: <message>`. Empty when the report lists none.
 * `mlops insights` reads failing rules from the gate's check runs with it.
 */
export function failedRulesInReport(markdown: string | null | undefined): string[] {
  if (!markdown) return [];
  const start = markdown.indexOf("**Failed rules**\n\n");
  if (start < 0) return [];
  const rules: string[] = [];
  for (const line of markdown.slice(start + "**Failed rules**\n\n".length).split("\n")) {
    const match = /^- `(.+?)`: /.exec(line);
    if (!match?.[1]) break;
    rules.push(match[1]);
  }
  return rules;
}

/** How to get the baseline a skipped rule needed (shown in the report, `init`'s next steps, the README). */
export const BASELINE_HOWTO =
  "To get a baseline, run the PR check on `main` once (a push to `main`; an empty commit does: " +
  "`git commit --allow-empty -m baseline && git push`): its training becomes the `base-branch` baseline of " +
  "later pull requests; after the first release, the `@production` version is the baseline.";

/** The notice above the table when rules were skipped: why, how to get a baseline, how to fail instead. */
function skippedNotice(run: GateRun): string | undefined {
  const skipped = run.rules.filter((r) => r.status === "skipped");
  if (skipped.length === 0) return undefined;
  const list = skipped.map((r) => `\`${r.rule}\``).join(", ");
  const why = run.firstModel
    ? `No baseline: there is no production model and no earlier run on the base branch to compare with, so ${plural(skipped.length)} that use${skipped.length === 1 ? "s" : ""} \`baseline\` ${skipped.length === 1 ? "was" : "were"} not checked: ${list}.`
    : `The baseline has no value for ${skipped.length === 1 ? "the metric of" : "the metrics of"} ${list}, so ${skipped.length === 1 ? "it was" : "they were"} not checked.`;
  const effect =
    run.onSkipped === "fail"
      ? "`gate.on_skipped: fail` is set in mlops.yml, so skipped rules fail the gate."
      : "Skipped rules do not fail the gate; set `gate.on_skipped: fail` in mlops.yml (or the `on-skipped` input) to fail it instead.";
  const how = run.firstModel ? ` ${BASELINE_HOWTO}` : "";
  return `> [!${run.onSkipped === "fail" ? "CAUTION" : "WARNING"}]\n> ${why}${how}\n> ${effect}`;
}

function statusOf(
  outcomes: readonly GateRuleOutcome[],
  diff: MetricDiff | undefined,
  run: Pick<GateRun, "onSkipped">,
): string {
  if (outcomes.some((o) => o.status === "failed")) return "❌ fail";
  if (outcomes.length > 0 && outcomes.every((o) => o.status === "skipped"))
    return run.onSkipped === "fail" ? "❌ skipped" : "⏭️ skipped";
  if (outcomes.length > 0) return "✅ pass";
  return diff ? VERDICT_LABEL[diff.verdict] : "";
}

function rank(outcomes: readonly GateRuleOutcome[], run: Pick<GateRun, "onSkipped">): number {
  if (outcomes.some((o) => failsGate(o, run))) return 0;
  return outcomes.length > 0 ? 1 : 2;
}

/**
 * Renders the gate report as GitHub markdown within `budget` (bytes or characters, as GitHub counts): verdict line, baseline and
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
  // The candidate links to what it names (its commit); the run that produced the report is its own link.
  if (input.candidateLabel)
    identity.push(
      `**Candidate:** ${link(input.candidateLabel, input.candidateUrl)}${input.runUrl ? ` ([run](${input.runUrl}))` : ""}`,
    );
  else if (input.runUrl) identity.push(`**Candidate:** ${link("this run", input.runUrl)}`);
  report.markdown(identity.join(" · "), 9);
  const notice = skippedNotice(run);
  if (notice) report.markdown(notice, 9);
  for (const note of input.notes ?? []) report.markdown(note, 9);

  const failed = run.rules.filter((r) => failsGate(r, run));
  if (failed.length > 0)
    report.markdown(
      `**Failed rules**\n\n${failed.map((r) => `- \`${r.rule}\`: ${r.message}`).join("\n")}`,
      8,
    );

  const diffs = diffMetrics(input.baseline, input.head, specs);
  const byName = new Map(diffs.map((d) => [d.name, d]));
  const names = [...new Set([...diffs.map((d) => d.name), ...run.rules.map((r) => r.metric)])];
  const outcomesOf = (name: string) => run.rules.filter((r) => r.metric === name);
  names.sort((a, b) => rank(outcomesOf(a), run) - rank(outcomesOf(b), run) || a.localeCompare(b));
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
      statusOf(outcomes, input.baseline === undefined ? undefined : d, run),
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

  if (input.plots && (input.plots.sections.length > 0 || (input.plots.notes ?? []).length > 0))
    addPlotSections(report, input.plots.sections, input.plots.notes);

  if (run.rules.length > 0)
    report.details(
      `All ${run.rules.length} rules`,
      (inner) =>
        inner.table(
          ["Rule", "Result", "Details"],
          run.rules.map((r) => [
            `\`${r.rule}\``,
            r.status === "skipped"
              ? run.onSkipped === "fail"
                ? "❌ skipped"
                : "⏭️ skipped"
              : r.status === "passed"
                ? "✅ pass"
                : "❌ fail",
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
