/** Distribution distances and categorical tests used by the drift checks. Never return NaN. */
import { chiSquareSf, normalSf } from "./special.js";

/** Replacement for empty bins in PSI (same as Evidently's default). */
export const PSI_EPSILON = 0.0001;

/** 1-D Wasserstein (earth mover's) distance of two sorted samples, = ∫|F1 − F2| (scipy `wasserstein_distance`). */
export function wasserstein(aSorted: ArrayLike<number>, bSorted: ArrayLike<number>): number {
  const n = aSorted.length;
  const m = bSorted.length;
  if (n === 0 || m === 0) return 0;
  let i = 0;
  let j = 0;
  let prev = Math.min(aSorted[0] as number, bSorted[0] as number);
  let total = 0;
  while (i < n || j < m) {
    const x = Math.min(i < n ? (aSorted[i] as number) : Infinity, j < m ? (bSorted[j] as number) : Infinity);
    total += Math.abs(i / n - j / m) * (x - prev);
    while (i < n && (aSorted[i] as number) <= x) i++;
    while (j < m && (bSorted[j] as number) <= x) j++;
    prev = x;
  }
  return total;
}

function toShares(counts: readonly number[], epsilon: number): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total > 0 && c > 0 ? c / total : epsilon));
}

/** Population Stability Index over aligned bin counts; empty bins count as share {@link PSI_EPSILON}. */
export function psi(refCounts: readonly number[], curCounts: readonly number[]): number {
  const r = toShares(refCounts, PSI_EPSILON);
  const c = toShares(curCounts, PSI_EPSILON);
  let s = 0;
  for (let i = 0; i < r.length; i++)
    s += ((c[i] as number) - (r[i] as number)) * Math.log((c[i] as number) / (r[i] as number));
  return s;
}

/** Jensen–Shannon distance (natural log, like scipy `jensenshannon(p, q)`); inputs are normalised. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((s, x) => s + x, 0);
  const sq = q.reduce((s, x) => s + x, 0);
  if (sp === 0 || sq === 0) return 0;
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = (p[i] as number) / sp;
    const b = (q[i] as number) / sq;
    const mid = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log(a / mid);
    if (b > 0) js += 0.5 * b * Math.log(b / mid);
  }
  return Math.sqrt(Math.max(0, js));
}

export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * Chi-square goodness of fit of the current counts against the reference proportions
 * (scipy `chisquare(cur, ref/Σref·Σcur)`). Categories absent from the reference get expected share
 * {@link PSI_EPSILON} so unseen categories give a large, finite statistic.
 */
export function chiSquareGoodnessOfFit(
  refCounts: readonly number[],
  curCounts: readonly number[],
): TestResult {
  const nCur = curCounts.reduce((s, c) => s + c, 0);
  const nRef = refCounts.reduce((s, c) => s + c, 0);
  if (nCur === 0 || nRef === 0 || refCounts.length < 2) return { statistic: 0, pValue: 1 };
  let stat = 0;
  for (let i = 0; i < curCounts.length; i++) {
    const share = (refCounts[i] as number) > 0 ? (refCounts[i] as number) / nRef : PSI_EPSILON;
    const expected = share * nCur;
    stat += ((curCounts[i] as number) - expected) ** 2 / expected;
  }
  return { statistic: stat, pValue: chiSquareSf(stat, curCounts.length - 1) };
}

/** Two-proportion pooled Z-test (two-sided), for binary columns: successes/total in each sample. */
export function zTestProportions(refHits: number, refN: number, curHits: number, curN: number): TestResult {
  if (refN === 0 || curN === 0) return { statistic: 0, pValue: 1 };
  const p = (refHits + curHits) / (refN + curN);
  const se = Math.sqrt(p * (1 - p) * (1 / refN + 1 / curN));
  if (se === 0) return { statistic: 0, pValue: 1 };
  const z = (curHits / curN - refHits / refN) / se;
  return { statistic: z, pValue: 2 * normalSf(Math.abs(z)) };
}
