/** Drift report: compares a current profile with a reference profile, column by column. */
import { comparePerformance, type PerformanceReport } from "./performance.js";
import type { CategoricalProfile, ColumnProfile, NumericalProfile, Profile } from "./profile.js";
import {
  binWeighted,
  bucketize,
  exactSample,
  ksStatisticWeighted,
  quantileWeighted,
  sketchSample,
  type WeightedSample,
  wassersteinWeighted,
} from "./sketch.js";
import { chiSquareGoodnessOfFit, jensenShannon, psi, zTestProportions } from "./stats/distances.js";
import { ksAsymptoticPValue, ksTwoSample } from "./stats/ks.js";

export const DRIFT_TESTS = ["ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z"] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];
export const REPORT_SCHEMA_VERSION = 1;

export interface CompareOptions {
  /** Per-column test override. */
  tests?: Record<string, DriftTest>;
  /** Per-column threshold override. */
  thresholds?: Record<string, number>;
  /** Test for every column (below per-column overrides). */
  test?: DriftTest;
  testNumerical?: DriftTest;
  testCategorical?: DriftTest;
  /** p-value threshold for statistical tests (default 0.05) and distance thresholds (default 0.1). */
  threshold?: number;
  /** Share of drifted columns at which the dataset counts as drifted (default 0.5). */
  driftShare?: number;
  /** Multiple-testing correction of the p-value tests. */
  correction?: "none" | "bonferroni" | "bh";
  /** Null-share change (absolute) reported as a finding (default 0.1). */
  nullShareDelta?: number;
  /** Columns left out of the drift tests (e.g. the label, prediction and timestamp columns). */
  exclude?: string[];
  /** Chunking of the performance trend (default: day, or week above 62 days). */
  chunk?: "day" | "week";
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
  /** Why a result is degenerate (e.g. "no values in the current data"); absent normally. */
  note?: string;
}

export interface Finding {
  kind:
    | "missing_column"
    | "new_column"
    | "retyped_column"
    | "null_share"
    | "unseen_categories"
    | "invalid_values";
  column: string;
  message: string;
}

export interface MonitoringReport {
  schema_version: 1;
  dataset_drift: boolean;
  drift_share: number;
  drift_share_threshold: number;
  correction: "none" | "bonferroni" | "bh";
  columns: ColumnDrift[];
  findings: Finding[];
  performance?: PerformanceReport;
  generated_at: string;
  reference: { rows: number };
  current: { rows: number };
}

/**
 * Evidently's defaults: numerical with ≤ 1000 reference values → KS, above → normalised Wasserstein (0.1);
 * categorical: binary → Z-test, ≤ 1000 values → chi-square, above → Jensen–Shannon (0.1).
 */
export function defaultTest(ref: NumericalProfile | CategoricalProfile): DriftTest {
  if (ref.type === "numerical") return ref.count <= 1000 ? "ks" : "wasserstein";
  if (Object.keys(ref.frequencies).length <= 2) return "z";
  return ref.count <= 1000 ? "chisquare" : "jensenshannon";
}

function categoryCounts(ref: CategoricalProfile, cur: CategoricalProfile): [string[], number[], number[]] {
  const keys = [...new Set([...Object.keys(ref.frequencies), ...Object.keys(cur.frequencies)])].sort();
  return [keys, keys.map((k) => ref.frequencies[k] ?? 0), keys.map((k) => cur.frequencies[k] ?? 0)];
}

/** Exact sorted values when both sides kept them; else both on the sketch's buckets. */
function samples(ref: NumericalProfile, cur: NumericalProfile): [WeightedSample, WeightedSample, boolean] {
  if (ref.values && cur.values) return [exactSample(ref.values), exactSample(cur.values), true];
  const side = (p: NumericalProfile) => (p.values ? bucketize(p.values) : sketchSample(p.sketch));
  return [side(ref), side(cur), false];
}

/** Ten equal-frequency bins from the reference (deciles), applied to both sides (PSI, Jensen–Shannon). */
export function decileBins(
  ref: WeightedSample,
  cur: WeightedSample,
  bins = 10,
): [number[], number[], number[]] {
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const e = quantileWeighted(ref, b / bins);
    if (!edges.length || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  return [binWeighted(ref, edges), binWeighted(cur, edges), edges];
}

function numericalTest(test: DriftTest, ref: NumericalProfile, cur: NumericalProfile) {
  const [r, c, exact] = samples(ref, cur);
  if (test === "ks") {
    if (exact) {
      const k = ksTwoSample(Float64Array.from(ref.values ?? []), Float64Array.from(cur.values ?? []));
      return { statistic: k.statistic, p: k.pValue as number | null };
    }
    const d = ksStatisticWeighted(r, c);
    return { statistic: d, p: ksAsymptoticPValue(d, ref.count, cur.count) as number | null };
  }
  if (test === "wasserstein") {
    const std = Math.sqrt(ref.m2 / Math.max(1, ref.count));
    return { statistic: wassersteinWeighted(r, c) / Math.max(std, 0.001), p: null };
  }
  const [rb, cb] = decileBins(r, c);
  if (test === "psi") return { statistic: psi(rb, cb), p: null };
  if (test === "jensenshannon") return { statistic: jensenShannon(rb, cb), p: null };
  if (test === "chisquare") {
    const t = chiSquareGoodnessOfFit(rb, cb);
    return { statistic: t.statistic, p: t.pValue as number | null };
  }
  // z on a numerical column: share above the reference median
  const [rh, ch] = decileBins(r, c, 2);
  const z = zTestProportions(rh[1] ?? 0, ref.count, ch[1] ?? 0, cur.count);
  return { statistic: z.statistic, p: z.pValue as number | null };
}

function categoricalTest(test: DriftTest, ref: CategoricalProfile, cur: CategoricalProfile) {
  const [keys, rc, cc] = categoryCounts(ref, cur);
  if (test === "z") {
    // share of the reference's most frequent category
    let top = 0;
    for (let i = 1; i < keys.length; i++) if ((rc[i] as number) > (rc[top] as number)) top = i;
    const z = zTestProportions(rc[top] ?? 0, ref.count, cc[top] ?? 0, cur.count);
    return { statistic: z.statistic, p: z.pValue as number | null };
  }
  if (test === "chisquare" || test === "ks") {
    const t = chiSquareGoodnessOfFit(rc, cc);
    return { statistic: t.statistic, p: t.pValue as number | null };
  }
  if (test === "psi") return { statistic: psi(rc, cc), p: null };
  return { statistic: jensenShannon(rc, cc), p: null };
}

const isPValueTest = (test: DriftTest) => test === "ks" || test === "chisquare" || test === "z";

function testOf(
  name: string,
  ref: NumericalProfile | CategoricalProfile,
  options: CompareOptions,
): DriftTest {
  const byType = ref.type === "numerical" ? options.testNumerical : options.testCategorical;
  let test = options.tests?.[name] ?? options.test ?? byType ?? defaultTest(ref);
  // KS and Wasserstein need numbers: a categorical column gets chi-square / Jensen–Shannon instead
  if (ref.type === "categorical" && test === "wasserstein") test = "jensenshannon";
  return test;
}

const nullShare = (p: ColumnProfile) => p.nulls / Math.max(1, p.nulls + p.count);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Compares profiles and decides per-column and dataset drift; schema, null-share, unseen-category and
 * invalid-value changes become findings. Columns without values on one side get a defined result
 * (statistic 0, not drifted, with a note) — never NaN.
 */
export function compareProfiles(
  reference: Profile,
  current: Profile,
  options: CompareOptions = {},
): MonitoringReport {
  const findings: Finding[] = [];
  const columns: ColumnDrift[] = [];
  const exclude = new Set(options.exclude ?? []);
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
    if (cur.type !== ref.type && cur.count > 0 && ref.count > 0) {
      findings.push({
        kind: "retyped_column",
        column: name,
        message: `column "${name}" changed type: ${ref.type} → ${cur.type}`,
      });
      continue;
    }
    const [refNull, curNull] = [nullShare(ref), nullShare(cur)];
    if (Math.abs(curNull - refNull) >= (options.nullShareDelta ?? 0.1))
      findings.push({
        kind: "null_share",
        column: name,
        message: `column "${name}" null share ${pct(refNull)} → ${pct(curNull)}`,
      });
    if ((cur.type === "numerical" || cur.type === "datetime") && cur.invalid > 0)
      findings.push({
        kind: "invalid_values",
        column: name,
        message: `column "${name}" has ${cur.invalid} value(s) that are not ${cur.type === "numerical" ? "numbers" : "dates"}`,
      });
    if (ref.type === "categorical" && cur.type === "categorical") {
      const unseen = Object.keys(cur.frequencies).filter((k) => !(k in ref.frequencies));
      if (unseen.length) {
        const rows = unseen.reduce((s, k) => s + (cur.frequencies[k] ?? 0), 0);
        findings.push({
          kind: "unseen_categories",
          column: name,
          message: `column "${name}" has ${unseen.length} categor${unseen.length === 1 ? "y" : "ies"} not in the reference (${pct(rows / Math.max(1, cur.count))} of values): ${unseen.slice(0, 5).join(", ")}${unseen.length > 5 ? ", …" : ""}`,
        });
      }
    }
    if (exclude.has(name) || (ref.type !== "numerical" && ref.type !== "categorical")) continue;
    if (cur.type !== ref.type) {
      // one side has no values at all, so its type could not be inferred: a defined "no values" result
      const test = testOf(name, ref, options);
      columns.push({
        name,
        type: ref.type,
        test,
        statistic: 0,
        p_value: isPValueTest(test) ? 1 : null,
        threshold: options.thresholds?.[name] ?? options.threshold ?? (isPValueTest(test) ? 0.05 : 0.1),
        drifted: false,
        note: `no values in the ${ref.count === 0 ? "reference" : "current"} data`,
      });
      continue;
    }
    const test = testOf(name, ref, options);
    const threshold = options.thresholds?.[name] ?? options.threshold ?? (isPValueTest(test) ? 0.05 : 0.1);
    if (ref.count === 0 || cur.count === 0) {
      columns.push({
        name,
        type: ref.type,
        test,
        statistic: 0,
        p_value: isPValueTest(test) ? 1 : null,
        threshold,
        drifted: false,
        note: `no values in the ${ref.count === 0 ? "reference" : "current"} data`,
      });
      continue;
    }
    const { statistic, p } =
      ref.type === "numerical"
        ? numericalTest(test, ref, cur as NumericalProfile)
        : categoricalTest(test, ref, cur as CategoricalProfile);
    columns.push({
      name,
      type: ref.type,
      test,
      statistic: Number.isFinite(statistic) ? statistic : 0,
      p_value: p === null ? null : Number.isFinite(p) ? p : 1,
      threshold,
      drifted: false,
    });
  }
  for (const name of Object.keys(current.columns))
    if (!(name in reference.columns))
      findings.push({ kind: "new_column", column: name, message: `new column "${name}"` });
  applyDecisions(columns, options.correction ?? "none");
  const driftShare = columns.length ? columns.filter((c) => c.drifted).length / columns.length : 0;
  const shareThreshold = options.driftShare ?? 0.5;
  const report: MonitoringReport = {
    schema_version: REPORT_SCHEMA_VERSION,
    dataset_drift: columns.length > 0 && driftShare >= shareThreshold,
    drift_share: driftShare,
    drift_share_threshold: shareThreshold,
    correction: options.correction ?? "none",
    columns,
    findings,
    generated_at: (options.now ?? new Date()).toISOString(),
    reference: { rows: reference.rows },
    current: { rows: current.rows },
  };
  if (current.performance)
    report.performance = comparePerformance(reference.performance, current.performance, options.chunk);
  return report;
}

/**
 * Drift decisions (Evidently: KS drifts at p ≤ t, the other p-value tests at p < t, distances at ≥ t).
 * Bonferroni divides each p-value threshold by the number of p-value tests; Benjamini–Hochberg finds the
 * largest rank k with p_(k) ≤ k·t/m and flags the k smallest p-values (threshold shown = k·t/m, or t/m).
 */
function applyDecisions(columns: ColumnDrift[], correction: "none" | "bonferroni" | "bh"): void {
  const tested = columns.filter((c) => c.p_value !== null && !c.note);
  const m = tested.length;
  if (correction === "bonferroni") for (const c of tested) c.threshold /= Math.max(1, m);
  if (correction === "bh" && m > 0) {
    const sorted = [...tested].sort((a, b) => (a.p_value as number) - (b.p_value as number));
    let k = 0;
    sorted.forEach((c, i) => {
      if ((c.p_value as number) <= ((i + 1) * c.threshold) / m) k = i + 1;
    });
    sorted.forEach((c, i) => {
      c.drifted = i < k;
      c.threshold = (Math.max(1, k) * c.threshold) / m;
    });
  }
  for (const c of columns) {
    if (c.note || (correction === "bh" && c.p_value !== null)) continue;
    c.drifted =
      c.p_value === null
        ? c.statistic >= c.threshold
        : c.test === "ks"
          ? c.p_value <= c.threshold
          : c.p_value < c.threshold;
  }
}

export interface ReportDiff {
  newlyDrifted: string[];
  cleared: string[];
  stillDrifting: string[];
  datasetDriftCleared: boolean;
  datasetDriftStarted: boolean;
}

/** What changed since the previous report (for the monitoring issue comment). */
export function diffReports(previous: MonitoringReport, current: MonitoringReport): ReportDiff {
  const was = new Set(previous.columns.filter((c) => c.drifted).map((c) => c.name));
  const now = new Set(current.columns.filter((c) => c.drifted).map((c) => c.name));
  return {
    newlyDrifted: [...now].filter((n) => !was.has(n)),
    cleared: [...was].filter((n) => !now.has(n)),
    stillDrifting: [...now].filter((n) => was.has(n)),
    datasetDriftCleared: previous.dataset_drift && !current.dataset_drift,
    datasetDriftStarted: !previous.dataset_drift && current.dataset_drift,
  };
}
