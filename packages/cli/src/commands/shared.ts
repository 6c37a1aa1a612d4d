import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { findModel, loadConfig, type MetricSpec, type ModelConfig, metricSpecsOf } from "@mlops/core";

/** The model entry and metric specs from `--config` (optional unless given explicitly). */
export function loadModelConfig(
  cwd: string,
  configPath: string | undefined,
  model: string | undefined,
): { model?: ModelConfig; specs: Record<string, MetricSpec> } {
  const path = resolve(cwd, configPath ?? "mlops.yml");
  if (configPath === undefined && !existsSync(path)) return { specs: {} };
  const config = loadConfig(path);
  const entry = findModel(config, model, path);
  return { model: entry, specs: metricSpecsOf(config, entry) };
}
