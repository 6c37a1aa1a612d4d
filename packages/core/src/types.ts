/** Whether a bigger or a smaller value of a metric is better. */
export type Goal = "maximize" | "minimize";

/** Metrics flattened to dot paths (`latency_ms.p95`), numeric leaves only. */
export type MetricValues = Record<string, number>;

/** How far a value may move before it counts as a change: absolute units, or a fraction of the baseline. */
export type Tolerance = { absolute: number } | { relative: number };

/** What `mlops.yml` says about one metric. */
export interface MetricSpec {
  goal?: Goal;
  unit?: string;
  /** Significant digits shown in reports. */
  precision?: number;
  tolerance?: Tolerance;
}
