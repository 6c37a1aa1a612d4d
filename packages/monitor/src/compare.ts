/** Drift report: compares a current profile with a reference profile, column by column. */
import { DRIFT_TEST_NAMES, type DriftTestName, InputError } from "@mlops/core";
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

/** The drift test names, in the config schema's order; their implementations are {@link DRIFT_TEST_TABLE}. */
export const DRIFT_TESTS = DRIFT_TEST_NAMES;
export type DriftTest = DriftTestName;
export const REPORT_SCHEMA_VERSION = 1;

/**
 * Fewest non-null values per side for a drift test to count (mlops.yml `monitoring.min_values`). On a
 * handful of rows no test has the power to detect anything, so "not drifted" would be a verdict on nothing.
 * 30 is the usual rule of thumb for a large-sample approximation (the KS asymptotic p-value, the z-test's
 * normal approximation, the binned PSI/Jensen–Shannon/chi-square of ten deciles); with ten equal-frequency
 * bins it also gives the chi-square test an expected count of at least 3 per bin — the textbook minimum
 * is 5 per cell (Cochran 1954, "Some methods for strengthening the common χ² tests", Biometrics 10:417–451;
 * NIST/SEMATECH e-Handbook of Statistical Methods §1.3.5.15,
 * https://www.itl.nist.gov/div898/handbook/eda/section3/eda35f.htm), which this per-column minimum does not
 * check cell by cell.
 */
export const DEFAULT_MIN_VALUES = 30;

/** The note of a column with too few values on a side to be tested. */
export const tooFewNote = (ref: number, cur: number, need: number) =>
  `too few rows: ${ref} reference, ${cur} current; need ≥ ${need}`;

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
  /**
   * Fewest non-null values each side needs for a column's test to be a verdict (default
   * {@link DEFAULT_MIN_VALUES}); below it the column is "not tested (too few rows …)".
   */
  minValues?: number;
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

/** What a drift test returns: its statistic, and a p-value for the statistical tests (null for distances). */
export interface DriftTestResult {
  statistic: number;
  p: number | null;
}

/** One drift test: how it decides, and how it is computed on numerical and categorical columns. */
export interface DriftTestSpec {
  /** A statistical test (drift at a small p-value) or a distance (drift at a large statistic). */
  pValue: boolean;
  /** p-value tests only: whether p equal to the threshold counts as drift (Evidently: KS yes, the others no). */
  driftsAtThreshold?: boolean;
  /** Threshold when none is configured. */
  defaultThreshold: number;
  /** On a numerical column: exact sorted values when both sides kept them, else the sketches' buckets. */
  numerical: (ref: NumericalProfile, cur: NumericalProfile, sample: NumericalSample) => DriftTestResult;
  /**
   * On a categorical column (counts per category, both sides on the same keys), or the name of the test a
   * categorical column gets instead (reported under that name).
   */
  categorical:
    | ((counts: CategoryCounts, ref: CategoricalProfile, cur: CategoricalProfile) => DriftTestResult)
    | DriftTest;
}

interface NumericalSample {
  ref: WeightedSample;
  cur: WeightedSample;
  /** Both sides kept their exact values. */
  exact: boolean;
}
interface CategoryCounts {
  keys: string[];
  ref: number[];
  cur: number[];
}

const chiSquareCounts = (c: CategoryCounts): DriftTestResult => {
  const t = chiSquareGoodnessOfFit(c.ref, c.cur);
  return { statistic: t.statistic, p: t.pValue };
};

/**
 * The drift tests, one row each: the only place a test's computation and decision live. The keys are
 * `DRIFT_TEST_NAMES` of @mlops/core (the config schema's list); see CONTRIBUTING.md "How to add a drift test".
 */
export const DRIFT_TEST_TABLE: Record<DriftTest, DriftTestSpec> = {
  ks: {
    pValue: true,
    driftsAtThreshold: true,
    defaultThreshold: 0.05,
    numerical: (ref, cur, { ref: r, cur: c, exact }) => {
      if (exact) {
        const k = ksTwoSample(Float64Array.from(ref.values ?? []), Float64Array.from(cur.values ?? []));
        return { statistic: k.statistic, p: k.pValue };
      }
      const d = ksStatisticWeighted(r, c);
      return { statistic: d, p: ksAsymptoticPValue(d, ref.count, cur.count) };
    },
    // KS needs numbers: on categories it is the chi-square test (still reported and decided as `ks`)
    categorical: chiSquareCounts,
  },
  wasserstein: {
    pValue: false,
    defaultThreshold: 0.1,
    numerical: (ref, _cur, { ref: r, cur: c }) => {
      const std = Math.sqrt(ref.m2 / Math.max(1, ref.count));
      return { statistic: wassersteinWeighted(r, c) / Math.max(std, 0.001), p: null };
    },
    // Wasserstein needs numbers: a categorical column gets Jensen–Shannon instead
    categorical: "jensenshannon",
  },
  psi: {
    pValue: false,
    defaultThreshold: 0.1,
    numerical: (_ref, _cur, { ref: r, cur: c }) => {
      const [rb, cb] = decileBins(r, c);
      return { statistic: psi(rb, cb), p: null };
    },
    categorical: (c) => ({ statistic: psi(c.ref, c.cur), p: null }),
  },
  jensenshannon: {
    pValue: false,
    defaultThreshold: 0.1,
    numerical: (_ref, _cur, { ref: r, cur: c }) => {
      const [rb, cb] = decileBins(r, c);
      return { statistic: jensenShannon(rb, cb), p: null };
    },
    categorical: (c) => ({ statistic: jensenShannon(c.ref, c.cur), p: null }),
  },
  chisquare: {
    pValue: true,
    defaultThreshold: 0.05,
    numerical: (_ref, _cur, { ref: r, cur: c }) => {
      const [rb, cb] = decileBins(r, c);
      return chiSquareCounts({ keys: [], ref: rb, cur: cb });
    },
    categorical: chiSquareCounts,
  },
  z: {
    pValue: true,
    defaultThreshold: 0.05,
    // z on a numerical column: share above the reference median
    numerical: (ref, cur, { ref: r, cur: c }) => {
      const [rh, ch] = decileBins(r, c, 2);
      const z = zTestProportions(rh[1] ?? 0, ref.count, ch[1] ?? 0, cur.count);
      return { statistic: z.statistic, p: z.pValue };
    },
    // share of the reference's most frequent category
    categorical: ({ keys, ref: rc, cur: cc }, ref, cur) => {
      let top = 0;
      for (let i = 1; i < keys.length; i++) if ((rc[i] as number) > (rc[top] as number)) top = i;
      const z = zTestProportions(rc[top] ?? 0, ref.count, cc[top] ?? 0, cur.count);
      return { statistic: z.statistic, p: z.pValue };
    },
  },
};

/** The drift test called `name`, or an InputError naming the known ones (never a silent fallback). */
export function parseDriftTest(name: string, where: string): DriftTest {
  if (!Object.hasOwn(DRIFT_TEST_TABLE, name))
    throw new InputError(`${where}: expected one of ${DRIFT_TESTS.join(", ")}, got "${name}"`);
  return name as DriftTest;
}

function testOf(
  name: string,
  ref: NumericalProfile | CategoricalProfile,
  options: CompareOptions,
): DriftTest {
  const byType = ref.type === "numerical" ? options.testNumerical : options.testCategorical;
  const test = parseDriftTest(
    options.tests?.[name] ?? options.test ?? byType ?? defaultTest(ref),
    `drift test for column "${name}"`,
  );
  const categorical = DRIFT_TEST_TABLE[test].categorical;
  return ref.type === "categorical" && typeof categorical === "string" ? categorical : test;
}

const defaultThreshold = (test: DriftTest) => DRIFT_TEST_TABLE[test].defaultThreshold;
const noValuesP = (test: DriftTest) => (DRIFT_TEST_TABLE[test].pValue ? 1 : null);

function runTest(
  test: DriftTest,
  ref: NumericalProfile | CategoricalProfile,
  cur: ColumnProfile,
): DriftTestResult {
  const spec = DRIFT_TEST_TABLE[test];
  if (ref.type === "numerical") {
    const [r, c, exact] = samples(ref, cur as NumericalProfile);
    return spec.numerical(ref, cur as NumericalProfile, { ref: r, cur: c, exact });
  }
  const [keys, rc, cc] = categoryCounts(ref, cur as CategoricalProfile);
  if (typeof spec.categorical === "string") throw new Error(`drift test "${test}" has no categorical form`);
  return spec.categorical({ keys, ref: rc, cur: cc }, ref, cur as CategoricalProfile);
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
    const test = testOf(name, ref, options);
    const threshold = options.thresholds?.[name] ?? options.threshold ?? defaultThreshold(test);
    /** A column that is not a verdict: no statistic, not drifted, left out of the drift share. */
    const notTested = (note: string) =>
      columns.push({
        name,
        type: ref.type,
        test,
        statistic: 0,
        p_value: noValuesP(test),
        threshold,
        drifted: false,
        note,
      });
    // One side has no values at all (its type could not be inferred when the types differ): "no values".
    if (cur.type !== ref.type || ref.count === 0 || cur.count === 0) {
      notTested(`no values in the ${ref.count === 0 ? "reference" : "current"} data`);
      continue;
    }
    const need = options.minValues ?? DEFAULT_MIN_VALUES;
    if (ref.count < need || cur.count < need) {
      // too few values for the test to have any power: not a verdict (left out like a column of nulls)
      notTested(tooFewNote(ref.count, cur.count, need));
      continue;
    }
    const { statistic, p } = runTest(test, ref, cur);
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
  // The share is over the columns a test ran on: a column with no values on one side, or too few (a note),
  // was not tested, and counting it as "not drifted" would dilute the share below the threshold.
  const tested = columns.filter((c) => !c.note);
  const driftShare = tested.length ? tested.filter((c) => c.drifted).length / tested.length : 0;
  const shareThreshold = options.driftShare ?? 0.5;
  const report: MonitoringReport = {
    schema_version: REPORT_SCHEMA_VERSION,
    dataset_drift: tested.length > 0 && driftShare >= shareThreshold,
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
        : DRIFT_TEST_TABLE[c.test].driftsAtThreshold
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
