import { formatNumber, loadMetricsFile, type MetricValues, renderTable } from "@mlops/core";

/**
 * Parameters from YAML/JSON files, flattened to dot paths like metrics; non-numeric leaves (strings,
 * booleans, null) are kept as strings. A name defined by two files keeps the later file's value.
 */
export function loadParams(files: readonly string[]): Record<string, number | string> {
  const params: Record<string, number | string> = {};
  for (const file of files) {
    const loaded = loadMetricsFile(file);
    Object.assign(params, loaded.metrics);
    for (const leaf of loaded.nonNumeric) {
      if (leaf.path === "") continue;
      params[leaf.path] = typeof leaf.value === "string" ? leaf.value : JSON.stringify(leaf.value);
    }
  }
  return params;
}

/** The metrics as a two-column markdown table. */
export function metricsTable(metrics: MetricValues): string {
  const names = Object.keys(metrics).sort();
  if (names.length === 0) return "_No metrics._";
  return renderTable(
    ["Metric", "Value"],
    names.map((name) => [name, formatNumber(metrics[name] as number, { precision: 6 })]),
    ["l", "r"],
  );
}
