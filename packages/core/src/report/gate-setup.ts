import { realpathSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import { type ModelConfigEntry, readModelConfig } from "../config/load.js";
import { InputError } from "../errors.js";
import type { OnSkipped } from "../gate/evaluate.js";
import { readInputText } from "../input/limits.js";
import { type LoadedMetricsSource, loadMetricsSource, perExamplePath } from "../metrics/source.js";
import { trainArtifactBase } from "../names/artifacts.js";
import { validateModelName } from "../names/model-name.js";
import { parseSweepMatrix } from "../sweep/matrix.js";
import { type SweepCellInput, type SweepRanking, sweepRankingOf } from "../sweep/rank.js";
import type { MetricValues } from "../types.js";
import { type DecisionLog, decideGate, decideSweepGate, type GateDecision } from "./gate-decision.js";
import type { GateReportInput, ReportIdentity } from "./gate-report.js";
import { collectGateRules, type GateRule, runGate } from "./gate-run.js";

/** Everything a gate needs before any request: the candidate, the model, its rules (all checked locally). */
export interface GateSetup {
  /** The candidate's metrics (undefined: a sweep, whose cells are read apart). */
  candidate: LoadedMetricsSource | undefined;
  config: ModelConfigEntry;
  model: string;
  /** The config's path from the repository root, without `./` (as annotations want it). */
  configFile: string;
  rules: GateRule[];
  /** A sweep's ranking metric and goal. */
  ranking: SweepRanking | undefined;
  /** Some rule is noise-aware (needs per-example results). */
  significant: boolean;
  /** The config's `per_example` (relative to the training directory). */
  configuredPerExample: string | undefined;
  /** The candidate's per-example results, when there are any. */
  candidatePerExample: string | undefined;
}

/**
 * Reads the config, the candidate (`metricsPath`, a file or a train artifact's folder) and the rules, and
 * checks every rule's metric exists in the candidate: a mistake fails here, before any request.
 * No rule at all is a notice (the report then shows the metric diff only).
 */
export function prepareGate(options: {
  cwd: string;
  /** The `config` input as given. */
  config: string;
  /** The candidate's metrics; undefined for a sweep. */
  metricsPath: string | undefined;
  sweep: boolean;
  modelName: string | undefined;
  artifactName: string | undefined;
  /** Rules given besides the config's. */
  rules: readonly string[] | undefined;
  /** Where `rules` came from (e.g. `--rule`), named in their errors. */
  rulesSource?: string;
  /** The model's name when neither `modelName`, the config nor a run.json names one (default: an error). */
  defaultModel?: string;
  /** No rule at all: a notice (default; the report shows the metric diff only), or this InputError. */
  noRules?: { error: string };
  /** The `per-example` input as given. */
  perExample: string | undefined;
  log: { notice(message: string): void };
}): GateSetup {
  const { cwd, modelName } = options;
  const candidate =
    options.metricsPath === undefined
      ? undefined
      : loadMetricsSource(
          options.metricsPath,
          "metrics file",
          modelName ? trainArtifactBase(modelName, options.artifactName) : options.artifactName,
        );
  const config = readModelConfig(
    resolve(cwd, options.config),
    options.config,
    modelName ?? candidate?.manifest?.model,
  );
  const model = validateModelName(
    modelName ??
      config.model?.name ??
      candidate?.manifest?.model ??
      options.defaultModel ??
      (() => {
        throw new InputError(`'model-name' is required when there is no ${options.config} and no run.json`);
      })(),
  );
  // Annotations want the path from the repository root, without `./`.
  const configFile = relative(cwd, resolve(cwd, options.config)).split("\\").join("/");
  const rules = collectGateRules({
    specs: config.specs,
    extra: options.rules,
    ...(options.rulesSource !== undefined ? { extraSource: options.rulesSource } : {}),
    ...(config.model ? { model: config.model, configFile } : {}),
    ...(config.text !== undefined ? { configText: config.text } : {}),
  });
  if (rules.length === 0 && options.noRules) throw new InputError(options.noRules.error);
  if (rules.length === 0)
    options.log.notice(`No gate rules for ${model}: the report shows the metric diff only.`);
  if (candidate) {
    // a rule on a metric the file holds as NaN, null or text: say so, not "the run did not report it"
    for (const { rule } of rules) {
      const leaf = candidate.nonNumeric?.leaves.find((l) => l.path === rule.metric);
      if (leaf && candidate.metrics[rule.metric] === undefined)
        throw new InputError(
          `gate rule uses metric "${rule.metric}", whose value is not a number (${JSON.stringify(leaf.value)}): the training wrote no usable value for it`,
          { position: { file: (candidate.nonNumeric as { file: string }).file } },
        );
    }
    runGate({ head: candidate.metrics, rules }); // checks every rule's metric exists before any request
  }
  const ranking = options.sweep
    ? sweepRankingOf({ metric: config.model?.sweep?.metric, rules, specs: config.specs, configFile })
    : undefined;
  const significant = rules.some((r) => r.rule.significant);
  // Per-example results serve `significant` rules and the prediction plots.
  const configuredPerExample = config.model?.per_example;
  const candidatePerExample =
    candidate && (configuredPerExample || options.perExample)
      ? perExamplePath(
          candidate,
          configuredPerExample,
          options.perExample && resolve(cwd, options.perExample),
        )
      : undefined;
  return {
    candidate,
    config,
    model,
    configFile,
    rules,
    ranking,
    significant,
    configuredPerExample,
    candidatePerExample,
  };
}

/** The baseline a gate compares with (`@mlops/github`'s `Baseline` is one). */
export interface GateBaseline {
  metrics: MetricValues;
  /** Where it came from: `registry:m@production (v3)`, `run:123`, `file:base.json` (gate.json's `baseline`). */
  source: string;
  /** Shown in the report. */
  label: string;
  url?: string;
  /** Local path of the baseline's per-example results. */
  perExample?: string;
}

/** A sweep's cells, read from their train artifacts, and the `sweep` matrix as given. */
export interface GateSweepCells {
  cells: SweepCellInput[];
  /** Notices for the report (e.g. artifacts of cells the matrix does not name). */
  notes: string[];
  matrixText: string;
}

const perExampleFile = (file: string) => ({ file, text: readInputText(file) });

/** True when both paths name one file (symbolic links and `..` resolved). */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * The gate's decision from its setup (`prepareGate`), one way for the evaluate-gate action and `mlops gate`:
 * one candidate (`decideGate`) or a sweep's cells (`decideSweepGate`, when `sweep` is given); rules that
 * could not be checked do what `onSkipped` says, else the config's `gate.on_skipped`, else `warn`;
 * per-example results are paired when both sides have them; the report names the baseline and links it.
 */
export function decideFromSetup(
  setup: GateSetup,
  options: {
    baseline: GateBaseline | undefined;
    onSkipped: OnSkipped | undefined;
    /** Who and what the report is about besides the baseline: the candidate's label and link, the run. */
    identity: Omit<ReportIdentity, "baselineLabel" | "baselineUrl"> & { headLabel?: string };
    /** One candidate's charts (a sweep draws none). */
    plots?: GateReportInput["plots"];
    sweep?: GateSweepCells;
    log: DecisionLog;
  },
): GateDecision {
  const { baseline, sweep } = options;
  const { model, rules, config } = setup;
  const onSkipped = options.onSkipped ?? config.model?.gate?.on_skipped ?? "warn";
  const report = {
    specs: config.specs,
    ...options.identity,
    ...(baseline
      ? {
          baseline: baseline.metrics,
          baselineLabel: baseline.label,
          ...(baseline.url ? { baselineUrl: baseline.url } : {}),
        }
      : {}),
  };
  if (sweep) {
    if (!setup.ranking) throw new Error("decideFromSetup: a sweep needs prepareGate({ sweep: true })");
    return decideSweepGate({
      model,
      cells: sweep.cells,
      notes: sweep.notes,
      matrix: parseSweepMatrix(sweep.matrixText),
      rules,
      ranking: setup.ranking,
      mode: config.model?.sweep?.gate ?? "best",
      onSkipped,
      ...(baseline ? { baseline: baseline.metrics } : {}),
      ...(baseline?.perExample ? { baselinePerExample: perExampleFile(baseline.perExample) } : {}),
      report,
      log: options.log,
    });
  }
  if (!setup.candidate) throw new Error("decideFromSetup: no candidate and no sweep");
  if (
    setup.candidatePerExample &&
    baseline?.perExample &&
    sameFile(setup.candidatePerExample, baseline.perExample) &&
    rules.some((r) => r.rule.significant)
  )
    // a baseline file next to the candidate: the config's per_example resolves to the candidate's own
    // results on both sides, and a `significant` rule would compare the candidate with itself (CI [0, 0])
    throw new InputError(
      `the baseline's per-example results are the candidate's own file (${baseline.perExample}): the baseline's metrics are in the candidate's folder, where per_example resolves; keep the baseline's metrics and ${basename(baseline.perExample)} in a folder of their own (mlops gate: or pass --baseline-per-example FILE)`,
    );
  return decideGate({
    model,
    head: setup.candidate.metrics,
    rules,
    onSkipped,
    ...(setup.candidatePerExample && baseline?.perExample
      ? {
          perExample: {
            head: perExampleFile(setup.candidatePerExample),
            baseline: perExampleFile(baseline.perExample),
          },
        }
      : {}),
    report: { ...report, ...(options.plots ? { plots: options.plots } : {}) },
    log: options.log,
  });
}

/** The baseline a gate compares with: the `baseline` input, or (`auto`, its default) the config's `gate.baseline`. */
export function gateBaselineMode(input: string, setup: Pick<GateSetup, "config">): string {
  return input === "auto" ? (setup.config.model?.gate?.baseline ?? "auto") : input;
}
