import { relative, resolve } from "node:path";
import { type ModelConfigEntry, readModelConfig } from "../config/load.js";
import { InputError } from "../errors.js";
import { type LoadedMetricsSource, loadMetricsSource, perExamplePath } from "../metrics/source.js";
import { trainArtifactBase } from "../names/artifacts.js";
import { validateModelName } from "../names/model-name.js";
import { type SweepRanking, sweepRankingOf } from "../sweep/rank.js";
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
      (() => {
        throw new InputError(`'model-name' is required when there is no ${options.config} and no run.json`);
      })(),
  );
  // Annotations want the path from the repository root, without `./`.
  const configFile = relative(cwd, resolve(cwd, options.config)).split("\\").join("/");
  const rules = collectGateRules({
    specs: config.specs,
    extra: options.rules,
    ...(config.model ? { model: config.model, configFile } : {}),
    ...(config.text !== undefined ? { configText: config.text } : {}),
  });
  if (rules.length === 0)
    options.log.notice(`No gate rules for ${model}: the report shows the metric diff only.`);
  if (candidate) runGate({ head: candidate.metrics, rules }); // checks every rule's metric exists before any request
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
