import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatNumber } from "../format/number.js";
import { type OnSkipped, ruleOutcomeFlags } from "../gate/evaluate.js";
import type { SweepValues } from "../sweep/matrix.js";
import {
  cellName,
  runSweepGate,
  type SweepCellInput,
  type SweepGateMode,
  type SweepRanking,
  sweepVerdictLine,
} from "../sweep/rank.js";
import type { MetricValues } from "../types.js";
import { type Budget, NO_BUDGET } from "./budget.js";
import {
  failedRuleTexts,
  failsGate,
  type GateReportInput,
  gateVerdictLine,
  renderGateReport,
} from "./gate-report.js";
import { type GateRule, type GateRun, type PerExampleInput, runGate } from "./gate-run.js";
import { renderSweepReport, type SweepReportInput } from "./sweep-report.js";

/** A check-run annotation for a failed rule written in the config (GitHub's check-run annotation fields). */
export interface GateAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
}

/** Check-run annotations for failed rules written in the config (file and line known). */
export function gateAnnotations(
  run: GateRun & { rules: Array<{ position?: { file: string; line?: number } }> },
): GateAnnotation[] {
  return run.rules
    .filter((r) => r.status === "failed" && r.position?.line !== undefined)
    .map((r) => ({
      path: r.position?.file as string,
      start_line: r.position?.line as number,
      end_line: r.position?.line as number,
      annotation_level: "failure" as const,
      title: `Gate rule failed: ${r.rule}`,
      message: r.message,
    }));
}

/** The log lines an evaluation writes (the action's logger satisfies it). */
export interface DecisionLog {
  info(message: string): void;
}

/** What a gate decided and how to report it: the same steps publish one model's gate and a sweep's. */
export interface GateDecision {
  /** The headline, also the check run's title. */
  verdict: string;
  passed: boolean;
  /** The report within a budget (default: a PR comment). */
  render: (options: { budget?: Budget; reserve?: number }) => string;
  annotations: GateAnnotation[];
  failedRules: string[];
  /** Fields of gate.json beyond model, passed, baseline and pull_request. */
  json: Record<string, unknown>;
  /** The step's error message when the gate failed. */
  failure: string;
  /** Set when the gate checked nothing it could rank: fails the step even with fail-on-regression false. */
  broken?: string;
  /** Output `best-cell` (sweeps): the best cell's values as JSON, with its id. */
  bestCell?: string;
  /** The best cell's id (sweeps). */
  bestCellId?: string;
  /**
   * Sweeps: the same decision, its report showing the best cell's plots (from `gateReportPlots` for that
   * cell, drawn once the best cell is known) in the best cell's gate report.
   */
  withBestCellPlots?: (plots: GateReportInput["plots"]) => GateDecision;
}

export interface DecideGateInput {
  model: string;
  rules: GateRule[];
  onSkipped: OnSkipped;
  report: Omit<GateReportInput, "model" | "run" | "head">;
  log: DecisionLog;
}

function failureMessage(model: string, run: GateRun): string {
  return `Gate failed for ${model}: ${run.rules
    .filter((r) => failsGate(r, run))
    .map((r) => `${r.rule} — ${r.message}`)
    .join(
      "; ",
    )}${run.onSkipped === "fail" && run.rules.some((r) => r.status === "skipped") ? " (on-skipped: fail)" : ""}`;
}

function logOutcomes(log: DecisionLog, run: GateRun, indent = "  "): void {
  for (const outcome of run.rules)
    log.info(
      `${indent}${{ passed: "✓", failed: "✗", skipped: "–" }[outcome.status]} ${outcome.rule}: ${outcome.message}`,
    );
}

/** One candidate against the baseline. */
export function decideGate(
  input: DecideGateInput & { head: MetricValues; perExample?: PerExampleInput },
): GateDecision {
  const run = runGate({
    head: input.head,
    rules: input.rules,
    onSkipped: input.onSkipped,
    ...(input.report.baseline ? { baseline: input.report.baseline } : {}),
    ...(input.perExample ? { perExample: input.perExample } : {}),
  });
  const verdict = gateVerdictLine(input.model, run);
  input.log.info(verdict);
  logOutcomes(input.log, run);
  const reportInput: GateReportInput = { ...input.report, model: input.model, run, head: input.head };
  return {
    verdict,
    passed: run.passed,
    render: (options) => renderGateReport(reportInput, options),
    annotations: gateAnnotations(run),
    failedRules: failedRuleTexts(run),
    json: { rules: run.rules.map(({ status, ...r }) => ({ ...r, ...ruleOutcomeFlags(status) })) },
    failure: failureMessage(input.model, run),
  };
}

/** Every cell of a sweep against the one baseline, ranked (see `runSweepGate`). */
export function decideSweepGate(
  input: DecideGateInput & {
    cells: SweepCellInput[];
    /** Notices for the report (e.g. artifacts of cells the matrix does not name). */
    notes: string[];
    /** The `sweep` input, kept in gate.json so a fork companion can gate the same cells. */
    matrix: SweepValues;
    ranking: SweepRanking;
    mode: SweepGateMode;
    baseline?: MetricValues;
    baselinePerExample?: PerExampleInput["baseline"];
  },
): GateDecision {
  const result = runSweepGate({
    cells: input.cells,
    rules: input.rules,
    ranking: input.ranking,
    mode: input.mode,
    onSkipped: input.onSkipped,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    ...(input.baselinePerExample ? { baselinePerExample: input.baselinePerExample } : {}),
  });
  const reportInput: SweepReportInput = {
    ...input.report,
    model: input.model,
    result,
    notes: input.notes,
  };
  const precision = input.report.specs?.[input.ranking.metric]?.precision ?? 4;
  const verdict = sweepVerdictLine(input.model, result, (x) => formatNumber(x, { precision }));
  input.log.info(verdict);
  for (const outcome of result.cells) {
    input.log.info(
      `${cellName(outcome)} ${outcome.cell.label}: ${outcome.rank === undefined ? `not ranked — ${outcome.problem}` : `rank ${outcome.rank}, ${input.ranking.metric} ${formatNumber(outcome.value as number, { precision })}, gate ${outcome.run?.passed ? "passed" : "failed"}`}`,
    );
    if (outcome.run) logOutcomes(input.log, outcome.run, "    ");
  }
  // The runs the verdict stands on: the best cell's, or (`all`) every ranked cell's.
  const judged = result.cells.filter((o) => (input.mode === "all" ? o.run !== undefined : o === result.best));
  const failedRules = [...new Set(judged.flatMap((o) => (o.run ? failedRuleTexts(o.run) : [])))];
  const failing = judged.filter((o) => o.run && !o.run.passed);
  const unranked = result.cells.filter((o) => o.rank === undefined);
  const failure = [
    `Sweep gate failed for ${input.model}:`,
    ...failing.map(
      (o) =>
        `${cellName(o)} (${o.cell.label}): ${failureMessage(input.model, o.run as GateRun).replace(/^Gate failed for [^:]+: /, "")}`,
    ),
    ...(input.mode === "all" ? unranked.map((o) => `${cellName(o)} (${o.cell.label}): ${o.problem}`) : []),
  ].join(" ");
  const best = result.best;
  const decision: GateDecision = {
    verdict,
    passed: result.passed,
    render: (options) => renderSweepReport(reportInput, options),
    // Annotations point at the config's rules: the best cell's failures (every failing cell's with `all`).
    annotations: [
      ...new Map(
        failing
          .flatMap((o) => gateAnnotations(o.run as GateRun))
          .map((a) => [`${a.start_line}:${a.title}`, a]),
      ).values(),
    ],
    failedRules,
    json: {
      sweep: {
        matrix: input.matrix,
        metric: input.ranking.metric,
        goal: input.ranking.goal,
        mode: input.mode,
        ...(best ? { best: best.cell.id } : {}),
        cells: result.cells.map((o) => ({
          cell: o.cell.id,
          name: cellName(o),
          values: o.cell.values,
          ...(o.rank !== undefined ? { rank: o.rank, value: o.value } : {}),
          ...(o.run ? { passed: o.run.passed } : {}),
          ...(o.problem ? { problem: o.problem } : {}),
          ...(o.artifact ? { artifact: o.artifact } : {}),
        })),
      },
    },
    failure,
    ...(best
      ? {
          bestCellId: best.cell.id,
          bestCell: JSON.stringify({
            cell: best.cell.id,
            values: best.cell.values,
            [input.ranking.metric]: best.value,
          }),
        }
      : {
          broken: `Sweep gate failed for ${input.model}: no cell of ${result.cells.length} produced ${input.ranking.metric}, so nothing was ranked (${unranked
            .slice(0, 5)
            .map((o) => `${cellName(o)}: ${o.problem}`)
            .join("; ")}${unranked.length > 5 ? "; …" : ""})`,
        }),
  };
  return {
    ...decision,
    withBestCellPlots: (plots) => ({
      ...decision,
      render: (options) =>
        renderSweepReport({ ...reportInput, ...(plots ? { bestPlots: plots } : {}) }, options),
    }),
  };
}

/**
 * The text of `gate.json` (the report artifact's machine-readable verdict; `mlops gate --format json` prints
 * the same): model, passed, the headline (`verdict`), baseline, pull_request, then the rules (or the sweep). `pullRequest`: the PR this run
 * evaluated, for the workflow_run companion of a fork PR (GitHub gives it no `pull_requests` there); the
 * companion treats it as untrusted and re-checks it with the API.
 */
export function gateJsonText(input: {
  model: string;
  evaluation: Pick<GateDecision, "passed" | "verdict" | "json">;
  /** The baseline's source (`run:…`, `registry:…`), or undefined: none. */
  baselineSource: string | undefined;
  pullRequest: number | undefined;
}): string {
  const { model, evaluation } = input;
  return `${JSON.stringify({ model, passed: evaluation.passed, verdict: evaluation.verdict, baseline: input.baselineSource ?? "none", ...(input.pullRequest !== undefined ? { pull_request: input.pullRequest } : {}), ...evaluation.json }, null, 2)}\n`;
}

/**
 * The report artifact's files in `<dir>/report`: `report.md` (the whole report, no budget) and `gate.json`
 * (see `gateJsonText`). Returns the folder and both paths.
 */
export async function writeGateReportFiles(
  dir: string,
  input: Parameters<typeof gateJsonText>[0] & { evaluation: Pick<GateDecision, "render"> },
): Promise<{ dir: string; report: string; gateJson: string }> {
  const reportDir = join(dir, "report");
  await mkdir(reportDir, { recursive: true });
  const report = join(reportDir, "report.md");
  await writeFile(report, `${input.evaluation.render({ budget: NO_BUDGET })}\n`);
  const gateJson = join(reportDir, "gate.json");
  await writeFile(gateJson, gateJsonText(input));
  return { dir: reportDir, report, gateJson };
}
