/** `mlops.yml` `monitoring:` section → options for `monitor()`; inputs and flags override it. */
import { InputError, type ModelConfig } from "@mlops/core";
import type { ColumnType } from "./columns.js";
import type { DriftTest } from "./compare.js";
import type { MonitorOptions } from "./monitor.js";
import { normalizeDelimiter } from "./readers/index.js";

export type MonitoringConfig = NonNullable<ModelConfig["monitoring"]>;

export function monitorOptionsFromConfig(monitoring: MonitoringConfig | undefined): MonitorOptions {
  if (!monitoring) return {};
  const types: Record<string, ColumnType> = {};
  const tests: Record<string, DriftTest> = {};
  const thresholds: Record<string, number> = {};
  const listed = Array.isArray(monitoring.columns);
  const perColumn = listed
    ? {}
    : ((monitoring.columns as Exclude<typeof monitoring.columns, string[]>) ?? {});
  for (const [name, column] of Object.entries(perColumn)) {
    if (column.type) types[name] = column.type;
    if (column.stattest) tests[name] = column.stattest;
    if (column.threshold !== undefined) thresholds[name] = column.threshold;
  }
  const options: MonitorOptions = { types, tests, thresholds };
  // CSV layout: a list of column names means header-less data
  if (listed && monitoring.header === true)
    throw new InputError(
      "monitoring.columns is a list of column names, which only header-less data needs: set header: false, or make columns a map of per-column settings",
    );
  if (monitoring.delimiter !== undefined) options.delimiter = normalizeDelimiter(monitoring.delimiter);
  const header = monitoring.header ?? (listed ? false : undefined);
  if (header !== undefined) options.header = header;
  if (header === false) {
    const names = listed ? (monitoring.columns as string[]) : Object.keys(perColumn);
    if (names.length) options.columnNames = names;
  }
  if (monitoring.max_line_bytes !== undefined) options.maxLineBytes = monitoring.max_line_bytes;
  if (monitoring.max_decompressed_bytes !== undefined)
    options.maxDecompressedBytes = monitoring.max_decompressed_bytes;
  if (monitoring.max_columns !== undefined) options.maxColumns = monitoring.max_columns;
  if (monitoring.stattest) options.test = monitoring.stattest;
  if (monitoring.stattest_numerical) options.testNumerical = monitoring.stattest_numerical;
  if (monitoring.stattest_categorical) options.testCategorical = monitoring.stattest_categorical;
  if (monitoring.threshold !== undefined) options.threshold = monitoring.threshold;
  if (monitoring.drift_share !== undefined) options.driftShare = monitoring.drift_share;
  if (monitoring.correction) options.correction = monitoring.correction;
  if (monitoring.min_values !== undefined) options.minValues = monitoring.min_values;
  if (monitoring.target && monitoring.prediction)
    options.performance = {
      target: monitoring.target,
      prediction: monitoring.prediction,
      ...(monitoring.timestamp ? { timestamp: monitoring.timestamp } : {}),
    };
  return options;
}
