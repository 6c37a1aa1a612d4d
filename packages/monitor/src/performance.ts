/**
 * Model performance from label and prediction columns, as mergeable state (so it travels in a profile):
 * classification (accuracy, precision, recall, F1 — binary, or macro-averaged like scikit-learn's
 * `average="macro"` — and ROC AUC when the prediction is a probability of the positive class) and
 * regression (MAE, RMSE, R²). With a timestamp column, the same state per UTC day gives the trend.
 * ROC AUC is exact (Mann–Whitney with tied ranks, like `roc_auc_score`) while each class has ≤ AUC_EXACT
 * scores; above that the scores fall into AUC_BINS equal bins on [0, 1] and pairs in one bin count ½.
 */
import { type ColumnValues, columnLength, isNull, parseDatetime, toNumber, valueAt } from "./columns.js";

export const AUC_EXACT = 100000;
export const AUC_BINS = 4096;

export interface PerformanceSpec {
  target: string;
  prediction: string;
  timestamp?: string;
  task?: "classification" | "regression";
}

interface ClassificationState {
  task: "classification";
  /** The prediction is a probability of the positive class (thresholded at 0.5; ROC AUC computed). */
  scored: boolean;
  /** confusion[actual][predicted] = count */
  confusion: Record<string, Record<string, number>>;
  /** Scores of positive ("1") and negative rows, when the prediction is a probability. */
  scores: { positive: number[]; negative: number[] } | null;
  /** Histograms used instead of `scores` above AUC_EXACT. */
  histogram: { positive: number[]; negative: number[] } | null;
}

interface RegressionState {
  task: "regression";
  n: number;
  absError: number;
  sqError: number;
  meanY: number;
  m2Y: number;
}

export type PerformanceCore = ClassificationState | RegressionState;

export interface PerformanceState {
  target: string;
  prediction: string;
  timestamp?: string;
  overall: PerformanceCore;
  /** Per UTC day (YYYY-MM-DD) when a timestamp column is given. */
  days: Record<string, PerformanceCore>;
}

export interface ClassificationMetrics {
  task: "classification";
  rows: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  roc_auc: number | null;
}

export interface RegressionMetrics {
  task: "regression";
  rows: number;
  mae: number;
  rmse: number;
  r2: number;
}

export type PerformanceMetrics = ClassificationMetrics | RegressionMetrics;

function emptyCore(task: "classification" | "regression", scored = false): PerformanceCore {
  return task === "classification"
    ? { task, scored, confusion: {}, scores: null, histogram: null }
    : { task, n: 0, absError: 0, sqError: 0, meanY: 0, m2Y: 0 };
}

function label(raw: unknown): string {
  const n = toNumber(raw);
  if (typeof raw === "boolean") return raw ? "1" : "0";
  return Number.isFinite(n) ? String(n) : String(raw);
}

/** A prediction column of probabilities: numbers in [0, 1], not all whole. */
function isScored(prediction: ColumnValues): boolean {
  let fractional = false;
  for (let i = 0; i < columnLength(prediction); i++) {
    const v = valueAt(prediction, i);
    if (isNull(v)) continue;
    const x = toNumber(v);
    if (typeof v === "boolean" || !Number.isFinite(x) || x < 0 || x > 1) return false;
    if (!Number.isInteger(x)) fractional = true;
  }
  return fractional;
}

/** Classification unless the target has non-integer values or more than 20 distinct ones in the sample. */
function inferTask(target: ColumnValues): "classification" | "regression" {
  const distinct = new Set<string>();
  for (let i = 0; i < columnLength(target); i++) {
    const v = valueAt(target, i);
    if (isNull(v)) continue;
    const x = toNumber(v);
    if (typeof v !== "boolean" && Number.isFinite(x) && !Number.isInteger(x)) return "regression";
    distinct.add(label(v));
  }
  return distinct.size > 20 ? "regression" : "classification";
}

function addScore(core: ClassificationState, positive: boolean, score: number): void {
  if (core.histogram) {
    const bin = Math.min(AUC_BINS - 1, Math.max(0, Math.floor(score * AUC_BINS)));
    const h = positive ? core.histogram.positive : core.histogram.negative;
    h[bin] = (h[bin] ?? 0) + 1;
    return;
  }
  core.scores ??= { positive: [], negative: [] };
  (positive ? core.scores.positive : core.scores.negative).push(score);
  if (core.scores.positive.length > AUC_EXACT || core.scores.negative.length > AUC_EXACT) toHistogram(core);
}

function toHistogram(core: ClassificationState): void {
  const histogram = {
    positive: new Array<number>(AUC_BINS).fill(0),
    negative: new Array<number>(AUC_BINS).fill(0),
  };
  const scores = core.scores ?? { positive: [], negative: [] };
  core.scores = null;
  core.histogram = histogram;
  for (const s of scores.positive) addScore(core, true, s);
  for (const s of scores.negative) addScore(core, false, s);
}

/** Accumulates performance from batches (rows with a null label or prediction are skipped and counted). */
export class PerformanceBuilder {
  private state: PerformanceState | undefined;
  skipped = 0;
  constructor(private readonly spec: PerformanceSpec) {}

  add(columnNames: readonly string[], columns: readonly ColumnValues[]): void {
    const t = columnNames.indexOf(this.spec.target);
    const p = columnNames.indexOf(this.spec.prediction);
    if (t < 0 || p < 0) return;
    const target = columns[t] as ColumnValues;
    const prediction = columns[p] as ColumnValues;
    const tsIndex = this.spec.timestamp ? columnNames.indexOf(this.spec.timestamp) : -1;
    const timestamps = tsIndex >= 0 ? columns[tsIndex] : undefined;
    this.state ??= {
      target: this.spec.target,
      prediction: this.spec.prediction,
      ...(this.spec.timestamp ? { timestamp: this.spec.timestamp } : {}),
      overall: emptyCore(this.spec.task ?? inferTask(target), isScored(prediction)),
      days: {},
    };
    const state = this.state;
    for (let i = 0; i < columnLength(target); i++) {
      const y = valueAt(target, i);
      const yhat = valueAt(prediction, i);
      if (isNull(y) || isNull(yhat)) {
        this.skipped++;
        continue;
      }
      addRow(state.overall, y, yhat);
      if (timestamps) {
        const t = valueAt(timestamps, i);
        const ms = typeof t === "number" ? t : parseDatetime(t);
        if (Number.isFinite(ms)) {
          const day = new Date(ms).toISOString().slice(0, 10);
          state.days[day] ??= emptyCore(
            state.overall.task,
            state.overall.task === "classification" && state.overall.scored,
          );
          addRow(state.days[day] as PerformanceCore, y, yhat);
        }
      }
    }
  }

  finish(): PerformanceState | undefined {
    return this.state;
  }
}

function addRow(core: PerformanceCore, y: unknown, yhat: unknown): void {
  if (core.task === "regression") {
    const a = toNumber(y);
    const b = toNumber(yhat);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return;
    core.n++;
    core.absError += Math.abs(a - b);
    core.sqError += (a - b) ** 2;
    const delta = a - core.meanY;
    core.meanY += delta / core.n;
    core.m2Y += delta * (a - core.meanY);
    return;
  }
  const actual = label(y);
  const score = toNumber(yhat);
  const probability = core.scored && Number.isFinite(score);
  const predicted = probability ? (score >= 0.5 ? "1" : "0") : label(yhat);
  core.confusion[actual] ??= {};
  const row = core.confusion[actual] as Record<string, number>;
  row[predicted] = (row[predicted] ?? 0) + 1;
  if (probability && (actual === "0" || actual === "1")) addScore(core, actual === "1", score);
}

function mergeCore(a: PerformanceCore, b: PerformanceCore): PerformanceCore {
  if (a.task === "regression" && b.task === "regression") {
    const n = a.n + b.n;
    const delta = b.meanY - a.meanY;
    return {
      task: "regression",
      n,
      absError: a.absError + b.absError,
      sqError: a.sqError + b.sqError,
      meanY: n ? a.meanY + (delta * b.n) / n : 0,
      m2Y: n ? a.m2Y + b.m2Y + (delta * delta * a.n * b.n) / n : 0,
    };
  }
  if (a.task !== "classification" || b.task !== "classification")
    throw new TypeError("cannot merge classification and regression performance");
  const out: ClassificationState = {
    task: "classification",
    scored: a.scored,
    confusion: structuredClone(a.confusion),
    scores: a.scores ? { positive: [...a.scores.positive], negative: [...a.scores.negative] } : null,
    histogram: a.histogram
      ? { positive: [...a.histogram.positive], negative: [...a.histogram.negative] }
      : null,
  };
  for (const [actual, row] of Object.entries(b.confusion))
    for (const [predicted, n] of Object.entries(row)) {
      out.confusion[actual] ??= {};
      const target = out.confusion[actual] as Record<string, number>;
      target[predicted] = (target[predicted] ?? 0) + n;
    }
  for (const s of b.scores?.positive ?? []) addScore(out, true, s);
  for (const s of b.scores?.negative ?? []) addScore(out, false, s);
  if (b.histogram) {
    if (!out.histogram) toHistogram(out);
    const h = out.histogram as { positive: number[]; negative: number[] };
    b.histogram.positive.forEach((n, i) => {
      h.positive[i] = (h.positive[i] ?? 0) + n;
    });
    b.histogram.negative.forEach((n, i) => {
      h.negative[i] = (h.negative[i] ?? 0) + n;
    });
  }
  return out;
}

/** Merges the performance state of two disjoint shards. */
export function mergePerformance(
  a: PerformanceState | undefined,
  b: PerformanceState | undefined,
): PerformanceState | undefined {
  if (!a || !b) return a ?? b;
  const days = { ...a.days };
  for (const [day, core] of Object.entries(b.days)) days[day] = days[day] ? mergeCore(days[day], core) : core;
  return { ...a, overall: mergeCore(a.overall, b.overall), days };
}

/** ROC AUC by tied ranks (Mann–Whitney U), or from the histograms; null without both classes. */
function rocAuc(core: ClassificationState): number | null {
  if (core.histogram) {
    const { positive, negative } = core.histogram;
    const np = positive.reduce((s, x) => s + x, 0);
    const nn = negative.reduce((s, x) => s + x, 0);
    if (!np || !nn) return null;
    let below = 0;
    let u = 0;
    for (let i = 0; i < AUC_BINS; i++) {
      u += (positive[i] as number) * (below + (negative[i] as number) / 2);
      below += negative[i] as number;
    }
    return u / (np * nn);
  }
  const pos = core.scores?.positive ?? [];
  const neg = core.scores?.negative ?? [];
  if (!pos.length || !neg.length) return null;
  const all = [...pos.map((s) => [s, 1] as const), ...neg.map((s) => [s, 0] as const)].sort(
    (x, y) => x[0] - y[0],
  );
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (
      j < all.length &&
      (all[j] as readonly [number, number])[0] === (all[i] as readonly [number, number])[0]
    )
      j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if ((all[k] as readonly [number, number])[1] === 1) rankSum += rank;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/** The positive class of a binary problem: "1" when present, else "true", else the larger label. */
function positiveLabel(labels: string[]): string {
  if (labels.includes("1")) return "1";
  if (labels.includes("true")) return "true";
  return [...labels].sort().at(-1) as string;
}

/** Metrics from a state (scikit-learn conventions; 0 where a ratio has a zero denominator). */
export function metricsOf(core: PerformanceCore): PerformanceMetrics {
  if (core.task === "regression") {
    const n = core.n;
    return {
      task: "regression",
      rows: n,
      mae: n ? core.absError / n : 0,
      rmse: n ? Math.sqrt(core.sqError / n) : 0,
      r2: core.m2Y > 0 ? 1 - core.sqError / core.m2Y : core.sqError === 0 ? 1 : 0,
    };
  }
  const labels = [
    ...new Set([
      ...Object.keys(core.confusion),
      ...Object.values(core.confusion).flatMap((r) => Object.keys(r)),
    ]),
  ];
  let total = 0;
  let correct = 0;
  for (const [actual, row] of Object.entries(core.confusion))
    for (const [predicted, n] of Object.entries(row)) {
      total += n;
      if (actual === predicted) correct += n;
    }
  const prf = (cls: string) => {
    const tp = core.confusion[cls]?.[cls] ?? 0;
    let predictedAs = 0;
    for (const row of Object.values(core.confusion)) predictedAs += row[cls] ?? 0;
    const actualAs = Object.values(core.confusion[cls] ?? {}).reduce((s, x) => s + x, 0);
    const precision = predictedAs ? tp / predictedAs : 0;
    const recall = actualAs ? tp / actualAs : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1 };
  };
  let scores: { precision: number; recall: number; f1: number };
  if (labels.length <= 2) scores = prf(positiveLabel(labels.length ? labels : ["1"]));
  else {
    const each = labels.map(prf);
    const mean = (k: "precision" | "recall" | "f1") => each.reduce((s, x) => s + x[k], 0) / each.length;
    scores = { precision: mean("precision"), recall: mean("recall"), f1: mean("f1") };
  }
  return {
    task: "classification",
    rows: total,
    accuracy: total ? correct / total : 0,
    ...scores,
    roc_auc: rocAuc(core),
  };
}

export interface PerformanceReport {
  task: "classification" | "regression";
  reference: PerformanceMetrics | null;
  current: PerformanceMetrics;
  /** current − reference per metric (absent without a reference). */
  delta: Record<string, number>;
  chunk: "day" | "week" | null;
  chunks: { period: string; metrics: PerformanceMetrics }[];
}

/** Monday (UTC) of the ISO week containing a YYYY-MM-DD day. */
function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** Compares current performance with the reference's; chunks by day, or by week above 62 days. */
export function comparePerformance(
  reference: PerformanceState | undefined,
  current: PerformanceState,
  chunk?: "day" | "week",
): PerformanceReport {
  const cur = metricsOf(current.overall);
  const ref =
    reference && reference.overall.task === current.overall.task ? metricsOf(reference.overall) : null;
  const delta: Record<string, number> = {};
  if (ref)
    for (const [k, v] of Object.entries(cur))
      if (typeof v === "number" && k !== "rows") {
        const r = (ref as unknown as Record<string, unknown>)[k];
        if (typeof r === "number") delta[k] = v - r;
      }
  const days = Object.keys(current.days).sort();
  const unit = chunk ?? (days.length > 62 ? "week" : "day");
  const groups = new Map<string, PerformanceCore>();
  for (const day of days) {
    const key = unit === "week" ? weekOf(day) : day;
    const core = current.days[day] as PerformanceCore;
    const had = groups.get(key);
    groups.set(key, had ? mergeCore(had, core) : core);
  }
  return {
    task: current.overall.task,
    reference: ref,
    current: cur,
    delta,
    chunk: days.length ? unit : null,
    chunks: [...groups].map(([period, core]) => ({ period, metrics: metricsOf(core) })),
  };
}
