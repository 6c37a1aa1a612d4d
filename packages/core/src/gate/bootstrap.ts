import { InputError } from "../errors.js";
import { mulberry32 } from "./prng.js";

/** Options of the paired bootstrap. */
export interface BootstrapOptions {
  /** Resamples; default 2000. */
  iterations?: number;
  /** Confidence level of the percentile interval; default 0.95. */
  level?: number;
  /** PRNG seed; default 1. */
  seed?: number;
}

/** Observed mean difference (head − baseline) and its percentile confidence interval. */
export interface BootstrapInterval {
  delta: number;
  low: number;
  high: number;
  level: number;
  /** Standard deviation of the bootstrap distribution (standard error estimate). */
  standardError: number;
}

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
};

/** Linear-interpolated quantile of sorted data. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/**
 * Paired bootstrap of mean(head) − mean(base): resamples example indices with replacement (same index for
 * both sides), returns the percentile CI. Deterministic for a given seed.
 */
export function pairedBootstrap(
  head: readonly number[],
  base: readonly number[],
  options: BootstrapOptions = {},
): BootstrapInterval {
  const iterations = options.iterations ?? 2000;
  const level = options.level ?? 0.95;
  if (head.length !== base.length)
    throw new InputError(
      `paired bootstrap needs aligned results: head has ${head.length} examples, baseline ${base.length}`,
    );
  if (head.length === 0) throw new InputError("paired bootstrap needs at least one example");
  if (!(level > 0 && level < 1))
    throw new InputError(`bootstrap level must be between 0 and 1, got ${level}`);
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new InputError(`bootstrap iterations must be a positive integer, got ${iterations}`);
  const n = head.length;
  const diffs = new Float64Array(n);
  for (let i = 0; i < n; i++) diffs[i] = (head[i] as number) - (base[i] as number);
  const random = mulberry32(options.seed ?? 1);
  const samples = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[Math.floor(random() * n)] as number;
    samples[b] = s / n;
  }
  const m = mean(samples);
  let v = 0;
  for (const x of samples) v += (x - m) ** 2;
  samples.sort();
  const alpha = (1 - level) / 2;
  return {
    delta: mean(diffs),
    low: quantile(samples, alpha),
    high: quantile(samples, 1 - alpha),
    level,
    standardError: Math.sqrt(v / Math.max(1, iterations - 1)),
  };
}
