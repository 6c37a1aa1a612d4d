import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { findModel, loadConfig, type MetricSpec, type ModelConfig, metricSpecsOf } from "@mlops/core";
import { existingPath } from "../paths.js";

/** The model entry and metric specs from `--config` (optional unless given explicitly). */
export function loadModelConfig(
  cwd: string,
  configPath: string | undefined,
  model: string | undefined,
): { model?: ModelConfig; specs: Record<string, MetricSpec> } {
  if (configPath === undefined && !existsSync(resolve(cwd, "mlops.yml"))) return { specs: {} };
  const path = existingPath(cwd, configPath ?? "mlops.yml", "config file");
  const config = loadConfig(path);
  const entry = findModel(config, model, path);
  return { model: entry, specs: metricSpecsOf(config, entry) };
}
