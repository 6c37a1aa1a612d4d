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

/** At most this many distinct paired differences → the bootstrap resamples counts (see `pairedBootstrap`). */
export const COUNTS_PATH_MAX_DISTINCT = 64;

/** ln(k!) for k < 256 (exact sums), the Stirling series beyond (error < 1e-15 relative there). */
const LOG_FACTORIAL_TABLE = (() => {
  const t = new Float64Array(256);
  for (let k = 1; k < 256; k++) t[k] = (t[k - 1] as number) + Math.log(k);
  return t;
})();
function logFactorial(k: number): number {
  if (k < 256) return LOG_FACTORIAL_TABLE[k] as number;
  const k2 = k * k;
  return (
    (k + 0.5) * Math.log(k) -
    k +
    0.5 * Math.log(2 * Math.PI) +
    (1 / 12 - (1 / 360 - 1 / (1260 * k2)) / k2) / k
  );
}

/**
 * One Binomial(n, p) draw by inversion searched outward from the mode (m, m+1, m−1, m+2, …): inversion
 * over any fixed order of the outcomes is exact, and starting at the mode makes the expected number of
 * steps O(√(np(1−p))) instead of O(np). Probabilities of neighbours come from the pmf ratios
 * f(k+1)/f(k) = (n−k)/(k+1)·p/(1−p). One uniform draw per call.
 */
export function binomialDraw(n: number, p: number, random: () => number): number {
  if (n === 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const q = 1 - p;
  const m = Math.min(n, Math.floor((n + 1) * p));
  const fm = Math.exp(
    logFactorial(n) - logFactorial(m) - logFactorial(n - m) + m * Math.log(p) + (n - m) * Math.log1p(-p),
  );
  let u = random() - fm;
  if (u < 0) return m;
  const r = p / q;
  let up = m;
  let fu = fm;
  let down = m;
  let fd = fm;
  for (;;) {
    const canUp = up < n;
    const canDown = down > 0;
    if (!canUp && !canDown) return m; // rounding left u > 0 after all n + 1 outcomes (mass ~1e-12)
    if (canUp) {
      fu *= ((n - up) / (up + 1)) * r;
      up++;
      u -= fu;
      if (u < 0) return up;
    }
    if (canDown) {
      fd *= down / (n - down + 1) / r;
      down--;
      u -= fd;
      if (u < 0) return down;
    }
  }
}

/**
 * Paired bootstrap of mean(head) − mean(base): resamples example indices with replacement (same index for
 * both sides), returns the percentile CI. Deterministic for a given seed (mulberry32).
 *
 * When the paired differences take at most {@link COUNTS_PATH_MAX_DISTINCT} distinct values (0/1
 * correctness gives differences in {−1, 0, 1}), each resample draws how many times each distinct value is
 * picked instead of n indices: the counts of n draws with replacement from the empirical distribution
 * are Multinomial(n, c₁/n, …, c_K/n), drawn exactly as a chain of conditional binomials
 * N_j ~ Binomial(n − N_1 − … − N_{j−1}, c_j / (c_j + … + c_K)) (Devroye, Non-Uniform Random Variate
 * Generation, 1986, ch. XI.1; numpy's `Generator.multinomial` does the same). The resampled mean
 * Σ N_j v_j / n then has exactly the distribution of the index-resampled mean, at O(iterations × K × √n)
 * instead of O(iterations × n). The seed still fixes the result; the numbers differ from the index path's
 * for the same seed (a different use of the random stream), within Monte-Carlo error.
 */
export function pairedBootstrap(
  head: ArrayLike<number>,
  base: ArrayLike<number>,
  options: BootstrapOptions & {
    /** Force the index-resampling path (tests compare both). */ method?: "auto" | "indices";
  } = {},
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
  const counts = options.method === "indices" ? undefined : distinctCounts(diffs, COUNTS_PATH_MAX_DISTINCT);
  const samples =
    counts !== undefined
      ? resampleCounts(counts, n, iterations, options.seed ?? 1)
      : resampleIndices(diffs, iterations, options.seed ?? 1);
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

/** The distinct values of `xs` (ascending) and how often each occurs; undefined beyond `max` distinct values. */
function distinctCounts(
  xs: Float64Array,
  max: number,
): { values: Float64Array; counts: Float64Array } | undefined {
  const tally = new Map<number, number>();
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const c = tally.get(x);
    if (c === undefined) {
      if (tally.size === max) return undefined;
      tally.set(x, 1);
    } else tally.set(x, c + 1);
  }
  const keys = [...tally.keys()].sort((a, b) => a - b);
  return {
    values: Float64Array.from(keys),
    counts: Float64Array.from(keys, (k) => tally.get(k) as number),
  };
}

function resampleCounts(
  table: { values: Float64Array; counts: Float64Array },
  n: number,
  iterations: number,
  seed: number,
): Float64Array {
  const random = mulberry32(seed);
  const { values, counts } = table;
  const k = values.length;
  // remaining[j] = c_j + … + c_{K−1}: the conditional probability of value j is c_j / remaining[j]
  const remaining = new Float64Array(k);
  let acc = 0;
  for (let j = k - 1; j >= 0; j--) {
    acc += counts[j] as number;
    remaining[j] = acc;
  }
  const samples = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    let left = n;
    let s = 0;
    for (let j = 0; j < k - 1 && left > 0; j++) {
      const drawn = binomialDraw(left, (counts[j] as number) / (remaining[j] as number), random);
      s += drawn * (values[j] as number);
      left -= drawn;
    }
    s += left * (values[k - 1] as number);
    samples[b] = s / n;
  }
  return samples;
}

/** The plain path: n resampled indices per iteration, mulberry32 inlined (the same stream as `mulberry32(seed)`). */
function resampleIndices(diffs: Float64Array, iterations: number, seed: number): Float64Array {
  const n = diffs.length;
  const samples = new Float64Array(iterations);
  let a = seed >>> 0;
  for (let b = 0; b < iterations; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      s += diffs[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)] as number;
    }
    samples[b] = s / n;
  }
  return samples;
}
