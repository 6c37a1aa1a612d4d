/**
 * Evaluation curves from per-example predictions, as pure functions that return what scikit-learn 1.2
 * returns (checked against `roc_curve`, `precision_recall_curve`, `auc`, `average_precision_score`,
 * `calibration_curve` and `confusion_matrix` in packages/core/test/plots.test.ts), plus the resampling
 * that turns a curve into the evenly spaced points a Mermaid xychart draws.
 */

/** Cumulative counts at each distinct score, highest score first (scikit-learn's `_binary_clf_curve`). */
function binaryClfCurve(
  labels: readonly number[],
  scores: readonly number[],
): { fps: number[]; tps: number[]; thresholds: number[] } {
  if (labels.length !== scores.length)
    throw new RangeError(`${labels.length} labels but ${scores.length} scores`);
  // Every score and the positives' scores, each sorted natively as a Float64Array (several times faster
  // than sorting indices with a comparator: the micro-average of a many-class model pools examples ×
  // classes scores), walked together from the highest score down, one step per distinct score.
  const all = Float64Array.from(scores).sort();
  const positives = Float64Array.from(scores.filter((_, i) => (labels[i] as number) === 1)).sort();
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let seen = 0;
  let j = positives.length - 1;
  for (let i = all.length - 1; i >= 0; ) {
    const s = all[i] as number;
    while (i >= 0 && all[i] === s) {
      seen++;
      i--;
    }
    while (j >= 0 && positives[j] === s) {
      tp++;
      j--;
    }
    tps.push(tp);
    fps.push(seen - tp);
    thresholds.push(s);
  }
  return { fps, tps, thresholds };
}

/** A receiver operating characteristic: false and true positive rates at each threshold. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Decreasing; the first is `thresholds[1] + 1` (the curve starts at (0, 0)), as scikit-learn 1.2 writes it. */
  thresholds: number[];
}

/**
 * `sklearn.metrics.roc_curve(labels, scores)` with `drop_intermediate=True`: collinear points are dropped.
 * `labels` are 0/1 (1 = positive). NaN rates when a class is absent.
 */
export function rocCurve(labels: readonly number[], scores: readonly number[]): RocCurve {
  return rocOfCounts(binaryClfCurve(labels, scores));
}

/** The ROC curve from `binaryClfCurve`'s counts (which a precision–recall curve can share). */
function rocOfCounts(counts: { fps: number[]; tps: number[]; thresholds: number[] }): RocCurve {
  let { fps, tps, thresholds } = counts;
  if (fps.length > 2) {
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      const d2f = (fps[i + 1] as number) - 2 * (fps[i] as number) + (fps[i - 1] as number);
      const d2t = (tps[i + 1] as number) - 2 * (tps[i] as number) + (tps[i - 1] as number);
      if (d2f !== 0 || d2t !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    fps = keep.map((i) => fps[i] as number);
    tps = keep.map((i) => tps[i] as number);
    thresholds = keep.map((i) => thresholds[i] as number);
  }
  fps = [0, ...fps];
  tps = [0, ...tps];
  thresholds = [(thresholds[0] ?? 0) + 1, ...thresholds];
  const lastF = fps[fps.length - 1] as number;
  const lastT = tps[tps.length - 1] as number;
  return {
    fpr: fps.map((f) => (lastF > 0 ? f / lastF : Number.NaN)),
    tpr: tps.map((t) => (lastT > 0 ? t / lastT : Number.NaN)),
    thresholds,
  };
}

/** Precision and recall at each threshold, recall decreasing, ending at (recall 0, precision 1). */
export interface PrecisionRecallCurve {
  precision: number[];
  recall: number[];
  /** Increasing; one fewer than the points. */
  thresholds: number[];
}

/** `sklearn.metrics.precision_recall_curve(labels, scores)` (scikit-learn 1.2: every threshold kept). */
export function precisionRecallCurve(
  labels: readonly number[],
  scores: readonly number[],
): PrecisionRecallCurve {
  return prOfCounts(binaryClfCurve(labels, scores));
}

/** The precision–recall curve from `binaryClfCurve`'s counts. */
function prOfCounts(counts: { fps: number[]; tps: number[]; thresholds: number[] }): PrecisionRecallCurve {
  const { fps, tps, thresholds } = counts;
  const lastT = tps[tps.length - 1] ?? 0;
  const precision = tps.map((t, i) => {
    const ps = t + (fps[i] as number);
    return ps !== 0 ? t / ps : 0;
  });
  const recall = tps.map((t) => (lastT === 0 ? 1 : t / lastT));
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: [...thresholds].reverse(),
  };
}

/** `sklearn.metrics.auc(x, y)`: the trapezoidal area under a monotonic curve. */
export function auc(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++)
    area += ((x[i] as number) - (x[i - 1] as number)) * ((y[i] as number) + (y[i - 1] as number)) * 0.5;
  // scikit-learn accepts decreasing x too (and flips the sign).
  return x.length > 1 && (x[x.length - 1] as number) < (x[0] as number) ? -area : area;
}

/** `sklearn.metrics.average_precision_score`: precision weighted by each step's recall gain. */
export function averagePrecision(curve: PrecisionRecallCurve): number {
  let sum = 0;
  for (let i = 0; i < curve.recall.length - 1; i++)
    sum -= ((curve.recall[i + 1] as number) - (curve.recall[i] as number)) * (curve.precision[i] as number);
  return sum;
}

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  /** Bin index (0 … bins-1) over [0, 1]. */
  bin: number;
  /** Mean predicted probability in the bin. */
  meanPredicted: number;
  /** Share of positives in the bin. */
  fractionPositive: number;
  count: number;
}

/**
 * `sklearn.calibration.calibration_curve(labels, probabilities, n_bins, strategy="uniform")`, with each
 * non-empty bin's index and size (scikit-learn returns only `prob_true`, `prob_pred`). A probability on
 * an inner edge belongs to the lower bin (`np.searchsorted(..., side="left")`).
 */
export function calibrationCurve(
  labels: readonly number[],
  probabilities: readonly number[],
  bins = 10,
): CalibrationBin[] {
  const step = 1 / bins;
  const edges = Array.from({ length: bins - 1 }, (_, i) => (i + 1) * step); // inner edges, like linspace
  const sums = new Array<number>(bins).fill(0);
  const positives = new Array<number>(bins).fill(0);
  const counts = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    if (p < 0 || p > 1 || Number.isNaN(p)) throw new RangeError(`probability ${p} is outside [0, 1]`);
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((edges[mid] as number) < p) lo = mid + 1;
      else hi = mid;
    }
    sums[lo] = (sums[lo] as number) + p;
    positives[lo] = (positives[lo] as number) + ((labels[i] as number) === 1 ? 1 : 0);
    counts[lo] = (counts[lo] as number) + 1;
  });
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const count = counts[b] as number;
    if (count > 0)
      out.push({
        bin: b,
        meanPredicted: (sums[b] as number) / count,
        fractionPositive: (positives[b] as number) / count,
        count,
      });
  }
  return out;
}

/** Counts of (actual, predicted) pairs; `counts[i][j]` = examples of class `classes[i]` predicted as `classes[j]`. */
export interface ConfusionMatrix {
  classes: string[];
  counts: number[][];
}

/** Orders class labels: numerically when all are numbers, else as strings (like `np.unique`). */
export function sortClasses(labels: Iterable<string>): string[] {
  const unique = [...new Set(labels)];
  const numeric = unique.every((c) => c.trim() !== "" && Number.isFinite(Number(c)));
  return numeric
    ? unique.sort((a, b) => Number(a) - Number(b))
    : unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `sklearn.metrics.confusion_matrix(actual, predicted, labels=classes)`; classes default to every label seen. */
export function confusionMatrix(
  actual: readonly string[],
  predicted: readonly string[],
  classes: readonly string[] = sortClasses([...actual, ...predicted]),
): ConfusionMatrix {
  const index = new Map(classes.map((c, i) => [c, i]));
  const counts = classes.map(() => classes.map(() => 0));
  actual.forEach((a, k) => {
    const i = index.get(a);
    const j = index.get(predicted[k] as string);
    if (i !== undefined && j !== undefined)
      (counts[i] as number[])[j] = ((counts[i] as number[])[j] as number) + 1;
  });
  return { classes: [...classes], counts };
}

/** Per-class precision and recall (NaN where undefined) and support from a confusion matrix. */
export function perClassRates(
  matrix: ConfusionMatrix,
): { cls: string; support: number; precision: number; recall: number }[] {
  return matrix.classes.map((cls, i) => {
    const row = matrix.counts[i] as number[];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.counts.reduce((a, r) => a + (r[i] as number), 0);
    const hit = row[i] as number;
    return {
      cls,
      support,
      precision: predicted > 0 ? hit / predicted : Number.NaN,
      recall: support > 0 ? hit / support : Number.NaN,
    };
  });
}

/**
 * `y` of a piecewise-linear curve through (`x[i]`, `y[i]`) at each of `grid` (x monotonic, either
 * direction). At a vertical step (two points with the same x) the highest y is taken, so a ROC curve's
 * jump is drawn at its top.
 */
export function interpolateLinear(
  x: readonly number[],
  y: readonly number[],
  grid: readonly number[],
): number[] {
  const pts = x
    .map((xi, i) => [xi, y[i] as number] as const)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return grid.map((g) => {
    if (pts.length === 0) return Number.NaN;
    let best = Number.NaN;
    for (let i = 0; i < pts.length; i++) {
      const [xa, ya] = pts[i] as readonly [number, number];
      if (xa === g) best = Number.isNaN(best) ? ya : Math.max(best, ya);
    }
    if (!Number.isNaN(best)) return best;
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1] as readonly [number, number];
      const [x1, y1] = pts[i] as readonly [number, number];
      if (x0 < g && g < x1) return y0 + ((y1 - y0) * (g - x0)) / (x1 - x0);
    }
    return g < (pts[0] as readonly [number, number])[0]
      ? (pts[0] as readonly [number, number])[1]
      : (pts[pts.length - 1] as readonly [number, number])[1];
  });
}

/**
 * Precision at each recall of `grid` as the precision–recall step curve gives it (the curve that
 * average precision sums): the precision of the operating point with the smallest recall ≥ r (the
 * highest such precision where several share it).
 */
export function precisionAtRecall(curve: PrecisionRecallCurve, grid: readonly number[]): number[] {
  return grid.map((r) => {
    let bestRecall = Number.POSITIVE_INFINITY;
    let bestPrecision = Number.NaN;
    curve.recall.forEach((rec, i) => {
      const p = curve.precision[i] as number;
      if (rec >= r - 1e-12 && (rec < bestRecall || (rec === bestRecall && p > bestPrecision))) {
        bestRecall = rec;
        bestPrecision = p;
      }
    });
    return bestPrecision;
  });
}

/** `points` evenly spaced values from `low` to `high` (both included), rounded to 12 digits. */
export function evenGrid(low: number, high: number, points: number): number[] {
  if (points < 2) return [low];
  return Array.from({ length: points }, (_, i) =>
    Number((low + ((high - low) * i) / (points - 1)).toPrecision(12)),
  );
}

/** Counts of `values` in `bins` equal-width bins over [low, high] (the last bin includes `high`), like `np.histogram`. */
export function histogram(values: readonly number[], low: number, high: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (high - low) / bins;
  for (const v of values) {
    if (!(v >= low && v <= high)) continue;
    const b = width > 0 ? Math.min(bins - 1, Math.floor((v - low) / width)) : 0;
    counts[b] = (counts[b] as number) + 1;
  }
  return counts;
}

/** One class's one-vs-rest curves: the class against every other, scored by its own probability column. */
export interface OneVsRestClass {
  cls: string;
  /** Examples of the class (its positives). */
  support: number;
  roc: RocCurve;
  pr: PrecisionRecallCurve;
  /** `roc_auc_score(y == cls, scores[cls])`. */
  auc: number;
  /** `average_precision_score(y == cls, scores[cls])`. */
  ap: number;
}

/** One-vs-rest curves of a multi-class model, per class and averaged. */
export interface OneVsRest {
  classes: OneVsRestClass[];
  /** Unweighted mean of the per-class AUCs: `roc_auc_score(y, P, multi_class="ovr", average="macro")`. */
  macroAuc: number;
  /** AUC of every (example, class) pair pooled: `roc_auc_score(y, P, multi_class="ovr", average="micro")`. */
  microAuc: number;
  /** Unweighted mean of the per-class APs: `average_precision_score(label_binarize(y), P, average="macro")`. */
  macroAp: number;
  /** `average_precision_score(label_binarize(y), P, average="micro")`. */
  microAp: number;
  /** The pooled (micro-average) curves. */
  microRoc: RocCurve;
  microPr: PrecisionRecallCurve;
}

/**
 * One-vs-rest ROC and precision–recall curves of a multi-class model (what scikit-learn computes with
 * `label_binarize`): `scores[k][i]` is example i's score for `classes[k]`; every class must have at least
 * one example (a class without positives has no ROC curve).
 */
export function oneVsRest(
  actual: readonly string[],
  classes: readonly string[],
  scores: readonly (readonly number[])[],
): OneVsRest {
  if (scores.length !== classes.length)
    throw new RangeError(`${classes.length} classes but ${scores.length} score columns`);
  const pooledLabels: number[] = [];
  const pooledScores: number[] = [];
  const perClass = classes.map((cls, k) => {
    const labels: number[] = actual.map((a) => (a === cls ? 1 : 0));
    const s = scores[k] as readonly number[];
    for (let i = 0; i < labels.length; i++) {
      pooledLabels.push(labels[i] as number);
      pooledScores.push(s[i] as number);
    }
    const counts = binaryClfCurve(labels, s); // one sort for both curves
    const roc = rocOfCounts(counts);
    const pr = prOfCounts(counts);
    return {
      cls,
      support: labels.reduce((a, b) => a + b, 0),
      roc,
      pr,
      auc: auc(roc.fpr, roc.tpr),
      ap: averagePrecision(pr),
    };
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pooled = binaryClfCurve(pooledLabels, pooledScores);
  const microRoc = rocOfCounts(pooled);
  const microPr = prOfCounts(pooled);
  return {
    classes: perClass,
    macroAuc: mean(perClass.map((c) => c.auc)),
    microAuc: auc(microRoc.fpr, microRoc.tpr),
    macroAp: mean(perClass.map((c) => c.ap)),
    microAp: averagePrecision(microPr),
    microRoc,
    microPr,
  };
}
