import { formatNumber, loadMetricsFile, type MetricSpec, type MetricValues, renderTable } from "@mlops/core";

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

/**
 * The metrics as a two-column markdown table, each shown with its `metric_specs` precision (significant
 * digits) and unit from mlops.yml (6 digits when none is declared), as the gate report shows them.
 */
export function metricsTable(metrics: MetricValues, specs: Record<string, MetricSpec> = {}): string {
  const names = Object.keys(metrics).sort();
  if (names.length === 0) return "_No metrics._";
  return renderTable(
    ["Metric", "Value"],
    names.map((name) => {
      const spec = specs[name];
      const value = formatNumber(metrics[name] as number, { precision: spec?.precision ?? 6 });
      return [name, spec?.unit ? `${value} ${spec.unit}` : value];
    }),
    ["l", "r"],
  );
}
