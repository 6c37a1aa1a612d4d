/** Drift report: compares a current profile with a reference profile, column by column. */
import type { CategoricalProfile, NumericalProfile, Profile } from "./profile.js";
import { sortedSample } from "./profile.js";
import {
  chiSquareGoodnessOfFit,
  jensenShannon,
  normalizedWasserstein,
  psi,
  zTestProportions,
} from "./stats/distances.js";
import { ksTwoSample } from "./stats/ks.js";

export type DriftTest = "ks" | "wasserstein" | "psi" | "jensenshannon" | "chisquare" | "ztest";

export interface CompareOptions {
  /** Per-column test override. */
  tests?: Record<string, DriftTest>;
  /** Global test override for every column. */
  test?: DriftTest;
  /** p-value threshold for statistical tests (default 0.05) and distance thresholds (default 0.1). */
  threshold?: number;
  /** Share of drifted columns at which the dataset counts as drifted (default 0.5). */
  driftShare?: number;
  /** Multiple-testing correction for p-values. */
  correction?: "none" | "bonferroni";
  /** Null-share change (absolute) reported as a finding (default 0.1). */
  nullShareDelta?: number;
  now?: Date;
}

export interface ColumnDrift {
  name: string;
  type: "numerical" | "categorical";
  test: DriftTest;
  statistic: number;
  p_value: number | null;
  threshold: number;
  drifted: boolean;
}

export interface Finding {
  kind: "missing_column" | "new_column" | "retyped_column" | "null_share";
  column: string;
  message: string;
}

export interface MonitoringReport {
  schema_version: 1;
  dataset_drift: boolean;
  drift_share: number;
  columns: ColumnDrift[];
  findings: Finding[];
  generated_at: string;
  reference: { rows: number };
  current: { rows: number };
}

/**
 * Evidently's defaults: numerical with ≤ 1000 reference values → KS; above → normalised Wasserstein (0.1);
 * categorical: binary → Z-test, ≤ 1000 values → chi-square, above → Jensen–Shannon (0.1).
 */
export function defaultTest(ref: NumericalProfile | CategoricalProfile): DriftTest {
  if (ref.type === "numerical") return ref.count <= 1000 ? "ks" : "wasserstein";
  if (Object.keys(ref.frequencies).length <= 2) return "ztest";
  return ref.count <= 1000 ? "chisquare" : "jensenshannon";
}

function categoryCounts(ref: CategoricalProfile, cur: CategoricalProfile): [number[], number[]] {
  const keys = [...new Set([...Object.keys(ref.frequencies), ...Object.keys(cur.frequencies)])].sort();
  return [keys.map((k) => ref.frequencies[k] ?? 0), keys.map((k) => cur.frequencies[k] ?? 0)];
}

/** Ten equal-frequency bins from the reference sample, applied to both samples (for PSI). */
export function binCounts(refSorted: Float64Array, curSorted: Float64Array, bins = 10): [number[], number[]] {
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) edges.push(refSorted[Math.floor((b * refSorted.length) / bins)] ?? 0);
  const count = (xs: Float64Array) => {
    const out = new Array<number>(bins).fill(0);
    for (const x of xs) {
      let b = 0;
      while (b < edges.length && x >= (edges[b] as number)) b++;
      out[b] = (out[b] as number) + 1;
    }
    return out;
  };
  return [count(refSorted), count(curSorted)];
}

function runTest(
  test: DriftTest,
  ref: NumericalProfile | CategoricalProfile,
  cur: NumericalProfile | CategoricalProfile,
) {
  if (ref.type === "numerical" && cur.type === "numerical") {
    const r = sortedSample(ref);
    const c = sortedSample(cur);
    if (test === "ks") {
      const k = ksTwoSample(r, c);
      return { statistic: k.statistic, p: k.pValue as number | null };
    }
    if (test === "wasserstein")
      return { statistic: r.length && c.length ? normalizedWasserstein(r, c) : 0, p: null };
    const [rb, cb] = binCounts(r, c);
    if (test === "psi") return { statistic: psi(rb, cb), p: null };
    return { statistic: jensenShannon(rb, cb), p: null };
  }
  const [rc, cc] =
    ref.type === "categorical" && cur.type === "categorical"
      ? categoryCounts(ref, cur)
      : [[ref.count], [cur.count]];
  if (test === "ztest") {
    const hitsRef = rc[0] ?? 0;
    const hitsCur = cc[0] ?? 0;
    const z = zTestProportions(hitsRef, ref.count, hitsCur, cur.count);
    return { statistic: z.statistic, p: z.pValue as number | null };
  }
  if (test === "chisquare") {
    const t = chiSquareGoodnessOfFit(rc, cc);
    return { statistic: t.statistic, p: t.pValue as number | null };
  }
  if (test === "psi") return { statistic: psi(rc, cc), p: null };
  return { statistic: jensenShannon(rc, cc), p: null };
}

/** Compares profiles and decides per-column and dataset drift; schema and null-share changes become findings. */
export function compareProfiles(
  reference: Profile,
  current: Profile,
  options: CompareOptions = {},
): MonitoringReport {
  const findings: Finding[] = [];
  const columns: ColumnDrift[] = [];
  const tested = Object.keys(reference.columns).filter((n) => n in current.columns).length;
  for (const [name, ref] of Object.entries(reference.columns)) {
    const cur = current.columns[name];
    if (!cur) {
      findings.push({
        kind: "missing_column",
        column: name,
        message: `column "${name}" is missing from the current data`,
      });
      continue;
    }
    if (cur.type !== ref.type) {
      findings.push({
        kind: "retyped_column",
        column: name,
        message: `column "${name}" changed type: ${ref.type} → ${cur.type}`,
      });
      continue;
    }
    const refNull = ref.nulls / Math.max(1, ref.nulls + ref.count);
    const curNull = cur.nulls / Math.max(1, cur.nulls + cur.count);
    if (Math.abs(curNull - refNull) >= (options.nullShareDelta ?? 0.1))
      findings.push({
        kind: "null_share",
        column: name,
        message: `column "${name}" null share ${(refNull * 100).toFixed(1)}% → ${(curNull * 100).toFixed(1)}%`,
      });
    const test = options.tests?.[name] ?? options.test ?? defaultTest(ref);
    const { statistic, p } = runTest(test, ref, cur);
    const isPValue = p !== null;
    let threshold = options.threshold ?? (isPValue ? 0.05 : 0.1);
    if (isPValue && options.correction === "bonferroni") threshold /= Math.max(1, tested);
    // Evidently: KS drifts at p ≤ t, the other p-value tests at p < t, distances at ≥ t
    const drifted = isPValue
      ? test === "ks"
        ? (p as number) <= threshold
        : (p as number) < threshold
      : statistic >= threshold;
    columns.push({ name, type: ref.type, test, statistic, p_value: p, threshold, drifted });
  }
  for (const name of Object.keys(current.columns))
    if (!(name in reference.columns))
      findings.push({ kind: "new_column", column: name, message: `new column "${name}"` });
  const driftShare = columns.length ? columns.filter((c) => c.drifted).length / columns.length : 0;
  return {
    schema_version: 1,
    dataset_drift: columns.length > 0 && driftShare >= (options.driftShare ?? 0.5),
    drift_share: driftShare,
    columns,
    findings,
    generated_at: (options.now ?? new Date()).toISOString(),
    reference: { rows: reference.rows },
    current: { rows: current.rows },
  };
}

export interface ReportDiff {
  newlyDrifted: string[];
  cleared: string[];
  stillDrifting: string[];
}

/** What changed since the previous report (for the monitoring issue comment). */
export function diffReports(previous: MonitoringReport, current: MonitoringReport): ReportDiff {
  const was = new Set(previous.columns.filter((c) => c.drifted).map((c) => c.name));
  const now = new Set(current.columns.filter((c) => c.drifted).map((c) => c.name));
  return {
    newlyDrifted: [...now].filter((n) => !was.has(n)),
    cleared: [...was].filter((n) => !now.has(n)),
    stillDrifting: [...now].filter((n) => was.has(n)),
  };
}
