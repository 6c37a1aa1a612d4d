/** The gate report's plots from local files: prediction plots from per-example results, and how plots join. */
import { existsSync } from "node:fs";
import type { ModelConfig } from "../config/schema.js";
import { readInputText } from "../input/limits.js";
import { type NoPredictions, parsePredictions } from "./predictions.js";
import { type PlotSection, predictionPlots } from "./render.js";

export interface PredictionPlotSources {
  model: ModelConfig | undefined;
  /** The candidate's per-example CSV (undefined: none found). */
  candidate: string | undefined;
  /** The baseline's per-example CSV, when the baseline has one. */
  baseline: string | undefined;
  /** `churn v3 (@production)`; undefined: no baseline at all. */
  baselineLabel: string | undefined;
  log: { info(message: string): void };
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
  const read = (file: string) => parsePredictions(readInputText(file), file, columns);
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

/** The report's plots: the prediction plots, then the trend (undefined when there is neither). */
export function joinPlots(
  predictions: { sections: PlotSection[]; notes: string[] } | undefined,
  trend: PlotSection | undefined,
  user: PlotSection[] = [],
): { sections: PlotSection[]; notes: string[] } | undefined {
  if (!predictions && !trend && user.length === 0) return undefined;
  return {
    sections: [...(predictions?.sections ?? []), ...(trend ? [trend] : []), ...user],
    notes: predictions?.notes ?? [],
  };
}
