/**
 * The small statistics `mlops insights` reports. Durations are in seconds. A figure over no data is
 * `undefined` (rendered "no data"), never 0.
 */

/** A distribution of durations: how many, median, 90th percentile, min and max (undefined when `n` is 0). */
export interface DurationStat {
  n: number;
  median?: number;
  p90?: number;
  min?: number;
  max?: number;
}

/** numerator / denominator; `value` is undefined when the denominator is 0 ("no data", never 0 %). */
export interface Ratio {
  numerator: number;
  denominator: number;
  value?: number;
}

/**
 * The `p` quantile (0 ≤ p ≤ 1) of `values` by linear interpolation between the closest ranks (Hyndman &
 * Fan type 7, NumPy's and R's default): sort ascending, h = (n − 1)·p, result x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] −
 * x[⌊h⌋]). The median is p = 0.5 (the middle value, or the mean of the two middle values). Undefined for
 * no values.
 */
export function quantile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const low = Math.floor(h);
  const high = Math.ceil(h);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (h - low) * (b - a);
}

export function durationStat(values: readonly number[]): DurationStat {
  if (values.length === 0) return { n: 0 };
  return {
    n: values.length,
    median: quantile(values, 0.5) as number,
    p90: quantile(values, 0.9) as number,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

export function ratio(numerator: number, denominator: number): Ratio {
  return denominator === 0
    ? { numerator, denominator }
    : { numerator, denominator, value: numerator / denominator };
}

/** Seconds between two ISO timestamps (`to` − `from`). */
export function secondsBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

/** A duration in the largest fitting unit: `45 s`, `12 min`, `3.5 h`, `2.1 d`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return "no data";
  const abs = Math.abs(seconds);
  const round = (x: number) => (x >= 10 ? Math.round(x).toString() : (Math.round(x * 10) / 10).toString());
  if (abs < 60) return `${round(seconds)} s`;
  if (abs < 3600) return `${round(seconds / 60)} min`;
  if (abs < 86_400 * 2) return `${round(seconds / 3600)} h`;
  return `${round(seconds / 86_400)} d`;
}

/** A ratio as `40% (2 of 5)`, or `no data (0 of 0)`. */
export function formatRatio(r: Ratio): string {
  if (r.value === undefined) return `no data (0 of 0)`;
  return `${Math.round(r.value * 1000) / 10}% (${r.numerator} of ${r.denominator})`;
}
