import { existsSync, readFileSync } from "node:fs";
import type { ActionRuntime } from "@mlops/action-kit";
import {
  GitHubError,
  type MetricSpec,
  type MetricValues,
  type ModelConfig,
  type NoPredictions,
  type PlotSection,
  parsePredictions,
  predictionPlots,
  type TrendPoint,
  trendMetrics,
  trendSection,
} from "@mlops/core";
import { type GitHubClient, readVersionTrend, versionSelector } from "@mlops/github";

export interface PredictionPlotSources {
  model: ModelConfig | undefined;
  /** The candidate's per-example CSV (undefined: none found). */
  candidate: string | undefined;
  /** The baseline's per-example CSV, when the baseline has one. */
  baseline: string | undefined;
  /** `churn v3 (@production)`; undefined: no baseline at all. */
  baselineLabel: string | undefined;
  log: ActionRuntime["log"];
}

/**
 * The prediction plots of the report (candidate against baseline) from the per-example results, or
 * nothing when the model declares no `per_example`. A per-example file without label and prediction
 * columns (one kept only for noise-aware rules) draws nothing and says so in the log; with
 * `predictions:` in mlops.yml the named columns must exist.
 */
export function predictionPlotsOf(
  sources: PredictionPlotSources,
): { sections: PlotSection[]; notes: string[] } | undefined {
  const { model, log } = sources;
  if (!model?.per_example) return undefined;
  const columns = model.predictions ?? {};
  const configured = model.predictions !== undefined;
  if (!sources.candidate) {
    const note = `No plots: the candidate has no per-example results (${model.per_example}).`;
    log.info(note);
    return configured ? { sections: [], notes: [note] } : undefined;
  }
  const read = (file: string) => parsePredictions(readFileSync(file, "utf8"), file, columns);
  const head = read(sources.candidate);
  if ("missing" in head) {
    log.info(`No plots: ${head.missing}.`);
    return configured ? predictionPlots({ head }) : undefined;
  }
  let baseline:
    | { predictions: Exclude<ReturnType<typeof read>, NoPredictions>; label: string }
    | NoPredictions
    | undefined;
  if (sources.baseline && existsSync(sources.baseline)) {
    const parsed = read(sources.baseline);
    baseline = "missing" in parsed ? parsed : { predictions: parsed, label: "baseline" };
  }
  const plots = predictionPlots({
    head: { predictions: head, label: "candidate" },
    ...(baseline ? { baseline } : {}),
    ...(!baseline && sources.baselineLabel
      ? { baselineMissing: `${sources.baselineLabel} has no per-example results` }
      : {}),
  });
  log.info(`Plots: ${plots.sections.map((s) => s.title).join(", ") || "none"}.`);
  return plots;
}

/** Registered versions the trend reads by default (mlops.yml `trend.versions`). */
export const DEFAULT_TREND_VERSIONS = 10;

export interface TrendSources {
  model: string;
  config: ModelConfig | undefined;
  candidate: MetricValues;
  specs: Record<string, MetricSpec>;
  ruleMetrics: string[];
  owner: string;
  repo: string;
  client: () => GitHubClient;
  /** The base-branch baseline, shown after the versions (the gate reads no other base-branch runs). */
  baseRun?: { label: string; name: string; metrics: MetricValues; url?: string };
  log: ActionRuntime["log"];
}

/**
 * The metric trend section: the newest `trend.versions` (default 10) registered versions read from the
 * registry (2 + 1 request per version), the base-branch baseline when that is the baseline, and this PR.
 * A token that may not read the registry skips the trend with a warning; undefined when there is
 * nothing to compare with.
 */
export async function trendOf(sources: TrendSources): Promise<PlotSection | undefined> {
  const count = sources.config?.trend?.versions ?? DEFAULT_TREND_VERSIONS;
  const metrics = trendMetrics(sources.candidate, {
    ...(sources.config?.trend?.metrics ? { configured: sources.config.trend.metrics } : {}),
    ruleMetrics: sources.ruleMetrics,
    specs: sources.specs,
  });
  if (count === 0 || metrics.length === 0) return undefined;
  let versions: TrendPoint[] = [];
  try {
    const trend = await readVersionTrend(sources.client(), {
      owner: sources.owner,
      repo: sources.repo,
      model: sources.model,
      count,
    });
    versions = trend.versions.map((v) => ({
      label: versionSelector(v.version),
      name: `${versionSelector(v.version)}${v.aliases.length > 0 ? ` (${v.aliases.map((a) => `@${a}`).join(" ")})` : ""}`,
      metrics: v.metrics,
      url: v.releaseUrl,
    }));
    sources.log.info(
      `Trend: ${versions.length} registered versions of ${sources.model} read in ${trend.requests} requests${trend.skipped.length > 0 ? ` (skipped without a published release: ${trend.skipped.map(versionSelector).join(", ")})` : ""}.`,
    );
  } catch (error) {
    if (!(error instanceof GitHubError) || error.reason !== "permission") throw error;
    sources.log.warning(`No metric trend: ${error.message}`);
  }
  return trendSection({
    versions,
    ...(sources.baseRun ? { baseRuns: [sources.baseRun] } : {}),
    candidate: sources.candidate,
    metrics,
    specs: sources.specs,
  });
}

/** The report's plots: the prediction plots, then the trend (undefined when there is neither). */
export function joinPlots(
  predictions: { sections: PlotSection[]; notes: string[] } | undefined,
  trend: PlotSection | undefined,
): { sections: PlotSection[]; notes: string[] } | undefined {
  if (!predictions && !trend) return undefined;
  return {
    sections: [...(predictions?.sections ?? []), ...(trend ? [trend] : [])],
    notes: predictions?.notes ?? [],
  };
}
