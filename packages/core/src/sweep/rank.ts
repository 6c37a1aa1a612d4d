import { InputError, MlopsError } from "../errors.js";
import type { OnSkipped } from "../gate/evaluate.js";
import type { Comparator } from "../gate/operators.js";
import { type GateRule, type GateRun, type PerExampleInput, runGate } from "../report/gate-run.js";
import type { Goal, MetricSpec, MetricValues } from "../types.js";
import type { SweepCell } from "./matrix.js";

/** Which cells the gate's verdict covers: the best one (default), or every one. */
export type SweepGateMode = "best" | "all";

/** What a rule's comparison says about its metric's goal (`==`/`!=` say nothing). */
const RULE_DIRECTION: Record<Comparator, Goal | undefined> = {
  ">=": "maximize",
  ">": "maximize",
  "<=": "minimize",
  "<": "minimize",
  "==": undefined,
  "!=": undefined,
};

/** The metric the cells are ranked by, its goal, and why these. */
export interface SweepRanking {
  metric: string;
  goal: Goal;
  /** Where the metric came from, for the report: `sweep.metric in mlops.yml` or `the first gate rule`. */
  metricFrom: string;
  /** Where the goal came from: `metric_specs`, or the rules' comparison (`accuracy >= …` → maximize). */
  goalFrom: string;
}

/**
 * The ranking of a sweep: `metric` (mlops.yml `sweep.metric`) or else the metric of the first gate rule;
 * its goal from `metric_specs`, or else from the direction of the rules on it (`>=`/`>`: maximize,
 * `<=`/`<`: minimize). No metric, or no goal to be had (or rules pulling both ways) → `InputError`: a
 * sweep ranked in the wrong direction would crown the worst cell.
 */
export function sweepRankingOf(options: {
  metric?: string;
  rules: readonly GateRule[];
  specs?: Record<string, MetricSpec>;
  configFile?: string;
}): SweepRanking {
  const file = options.configFile ?? "mlops.yml";
  const metric = options.metric ?? options.rules[0]?.rule.metric;
  if (metric === undefined)
    throw new InputError(
      `sweep: no metric to rank the cells by: set sweep.metric for the model in ${file} (or add a gate rule)`,
    );
  const metricFrom = options.metric !== undefined ? `sweep.metric in ${file}` : "the first gate rule";
  const goal = options.specs?.[metric]?.goal;
  if (goal) return { metric, goal, metricFrom, goalFrom: "metric_specs" };
  const directions = new Set(
    options.rules
      .filter((r) => r.rule.metric === metric)
      .map((r) => RULE_DIRECTION[r.rule.op])
      .filter((d): d is Goal => d !== undefined),
  );
  if (directions.size === 1) {
    const inferred = [...directions][0] as Goal;
    return { metric, goal: inferred, metricFrom, goalFrom: "the direction of its gate rules" };
  }
  throw new InputError(
    `sweep: cannot tell whether a higher or a lower ${metric} is better${directions.size > 1 ? " (its gate rules point both ways)" : ""}: set metric_specs.${metric}.goal (maximize or minimize) in ${file}`,
  );
}

/** One cell of a sweep as the gate received it. */
export interface SweepCellInput {
  cell: SweepCell;
  /** The cell's metrics; absent when its training produced none. */
  metrics?: MetricValues;
  /** Why there are no metrics (e.g. `training failed: no artifact mlops-m-cell-…`). */
  failure?: string;
  /** The cell's per-example results (CSV text), for `significant` rules. */
  perExample?: PerExampleInput["head"];
  /** The artifact the metrics came from. */
  artifact?: string;
}

/** A cell after gating and ranking. */
export interface SweepCellOutcome {
  cell: SweepCell;
  /** 1-based position in the matrix (the `c<n>` name in reports). */
  index: number;
  metrics?: MetricValues;
  artifact?: string;
  /** The cell's gate run against the sweep's baseline (absent when it could not run). */
  run?: GateRun;
  /** The ranking metric's value. */
  value?: number;
  /** Competition rank (1, 1, 3 …) among the cells with a value; absent for unranked cells. */
  rank?: number;
  /** Other cells with exactly the same value. */
  ties: number;
  /** Why the cell is not ranked: its training failed, the metric is missing, its rules could not run. */
  problem?: string;
}

export interface SweepResult {
  ranking: SweepRanking;
  mode: SweepGateMode;
  /** Ranked cells best first (ties: a passing gate first, then matrix order), then unranked ones in matrix order. */
  cells: SweepCellOutcome[];
  /** The best ranked cell (undefined when no cell has the metric). */
  best?: SweepCellOutcome;
  /** The verdict: the best cell passed (`best`), or every cell ran and passed (`all`). */
  passed: boolean;
  /** Cells without a rank. */
  unranked: number;
}

export interface RunSweepGateInput {
  cells: readonly SweepCellInput[];
  rules: readonly GateRule[];
  ranking: SweepRanking;
  mode?: SweepGateMode;
  baseline?: MetricValues;
  /** The baseline's per-example results (for `significant` rules). */
  baselinePerExample?: PerExampleInput["baseline"];
  onSkipped?: OnSkipped;
}

/**
 * Gates every cell against the one baseline and ranks the cells by `ranking.metric` in the direction of
 * its goal. A cell whose training failed, that lacks the metric (or has a non-finite value) or whose rules
 * could not be evaluated is kept, with the reason, below the ranked cells: it is never ranked, so never
 * best. Equal values share a rank (1, 1, 3); among them a cell that passes its gate comes first, then
 * matrix order. With no ranked cell `best` is undefined and the verdict fails.
 */
export function runSweepGate(input: RunSweepGateInput): SweepResult {
  const { ranking } = input;
  const mode = input.mode ?? "best";
  const outcomes: SweepCellOutcome[] = input.cells.map((entry, i) => {
    const base = {
      cell: entry.cell,
      index: i + 1,
      ties: 0,
      ...(entry.artifact ? { artifact: entry.artifact } : {}),
    };
    if (!entry.metrics) return { ...base, problem: entry.failure ?? "no metrics" };
    const withMetrics = { ...base, metrics: entry.metrics };
    let run: GateRun;
    try {
      run = runGate({
        head: entry.metrics,
        rules: input.rules,
        ...(input.baseline ? { baseline: input.baseline } : {}),
        ...(input.onSkipped ? { onSkipped: input.onSkipped } : {}),
        ...(entry.perExample && input.baselinePerExample
          ? { perExample: { head: entry.perExample, baseline: input.baselinePerExample } }
          : {}),
      });
    } catch (error) {
      if (!(error instanceof MlopsError)) throw error;
      return { ...withMetrics, problem: `its gate rules could not run: ${error.message}` };
    }
    const value = entry.metrics[ranking.metric];
    if (value === undefined) return { ...withMetrics, run, problem: `no ${ranking.metric} in its metrics` };
    if (!Number.isFinite(value)) return { ...withMetrics, run, problem: `${ranking.metric} is ${value}` };
    return { ...withMetrics, run, value };
  });
  const sign = ranking.goal === "maximize" ? -1 : 1;
  const ranked = outcomes
    .filter((o) => o.value !== undefined && o.problem === undefined)
    .sort(
      (a, b) =>
        sign * ((a.value as number) - (b.value as number)) ||
        Number(b.run?.passed) - Number(a.run?.passed) ||
        a.index - b.index,
    );
  ranked.forEach((outcome) => {
    const first = ranked.findIndex((o) => o.value === outcome.value);
    outcome.rank = first + 1;
    outcome.ties = ranked.filter((o) => o.value === outcome.value).length - 1;
  });
  const unranked = outcomes.filter((o) => o.rank === undefined);
  const best = ranked[0];
  const passed =
    best !== undefined &&
    (mode === "best"
      ? best.run?.passed === true
      : unranked.length === 0 && ranked.every((o) => o.run?.passed === true));
  return {
    ranking,
    mode,
    cells: [...ranked, ...unranked],
    ...(best ? { best } : {}),
    passed,
    unranked: unranked.length,
  };
}

/** `c3`: a cell's short name (its position in the matrix), used in the leaderboard and the chart. */
export function cellName(outcome: Pick<SweepCellOutcome, "index">): string {
  return `c${outcome.index}`;
}

/**
 * The sweep's headline (also the check run's title). Every cell is accounted for:
 * `✅ m sweep: the best of 4 cells passes the gate — c2 (lr=0.1), accuracy 0.9431` ·
 * `❌ m sweep: 2 of 5 cells fail the gate, 1 has no result` · `❌ m sweep: no cell produced accuracy — nothing ranked (5 cells)`.
 */
export function sweepVerdictLine(model: string, result: SweepResult, format: (x: number) => string): string {
  const total = result.cells.length;
  const cells = `${total} cell${total === 1 ? "" : "s"}`;
  const { best, ranking } = result;
  if (!best) return `❌ ${model} sweep: no cell produced ${ranking.metric} — nothing ranked (${cells})`;
  const noResult =
    result.unranked > 0
      ? `${result.unranked} of ${cells} ${result.unranked === 1 ? "has" : "have"} no result`
      : "";
  if (result.mode === "all") {
    const failing = result.cells.filter((o) => o.run && !o.run.passed && o.rank !== undefined).length;
    if (result.passed) return `✅ ${model} sweep: all ${cells} pass the gate`;
    const parts = [failing > 0 ? `${failing} of ${cells} fail the gate` : "", noResult].filter(Boolean);
    return `❌ ${model} sweep: ${parts.join(", ")} (sweep.gate: all)`;
  }
  const who = `${cellName(best)} (${best.cell.label}), ${ranking.metric} ${format(best.value as number)}${best.ties > 0 ? `, tied with ${best.ties} other${best.ties === 1 ? "" : "s"}` : ""}`;
  const tail = noResult ? ` · ⚠️ ${noResult}` : "";
  return result.passed
    ? `${noResult ? "⚠️" : "✅"} ${model} sweep: the best of ${cells} passes the gate — ${who}${tail}`
    : `❌ ${model} sweep: the best of ${cells} fails the gate — ${who}${tail}`;
}
