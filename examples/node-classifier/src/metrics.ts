/** Binary classification metrics; the positive class is 1 (benign), matching scikit-learn's defaults. */

/** Quality metrics written to metrics.json (plus latency, measured separately). */
export interface QualityMetrics {
  accuracy: number;
  f1: number;
  precision: number;
  recall: number;
  roc_auc: number;
  log_loss: number;
}

/** Probabilities are clipped to [EPSILON, 1 - EPSILON] before taking logs, as scikit-learn does. */
const EPSILON = 1e-15;

function confusion(labels: readonly number[], predictions: readonly number[]) {
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  let correct = 0;
  labels.forEach((label, i) => {
    const prediction = predictions[i];
    if (prediction === label) correct++;
    if (prediction === 1 && label === 1) truePositive++;
    if (prediction === 1 && label !== 1) falsePositive++;
    if (prediction !== 1 && label === 1) falseNegative++;
  });
  return { truePositive, falsePositive, falseNegative, correct };
}

const ratio = (numerator: number, denominator: number) => (denominator === 0 ? 0 : numerator / denominator);

/** Area under the ROC curve via the Mann–Whitney U statistic (ties count one half). */
export function rocAuc(labels: readonly number[], scores: readonly number[]): number {
  const order = scores.map((score, i) => ({ score, label: labels[i] })).sort((a, b) => a.score - b.score);
  let rankSumPositive = 0;
  let positives = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]?.score === order[start]?.score) end++;
    const averageRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) {
      if (order[i]?.label === 1) {
        rankSumPositive += averageRank;
        positives++;
      }
    }
    start = end;
  }
  const negatives = order.length - positives;
  return ratio(rankSumPositive - (positives * (positives + 1)) / 2, positives * negatives);
}

/** Mean negative log-likelihood of the labels under the predicted probabilities of class 1. */
export function logLoss(labels: readonly number[], probabilities: readonly number[]): number {
  const total = labels.reduce((sum, label, i) => {
    const p = Math.min(Math.max(probabilities[i] ?? 0.5, EPSILON), 1 - EPSILON);
    return sum - (label === 1 ? Math.log(p) : Math.log(1 - p));
  }, 0);
  return ratio(total, labels.length);
}

/** All quality metrics of a set of predictions. */
export function evaluate(
  labels: readonly number[],
  predictions: readonly number[],
  probabilities: readonly number[],
): QualityMetrics {
  const { truePositive, falsePositive, falseNegative, correct } = confusion(labels, predictions);
  const precision = ratio(truePositive, truePositive + falsePositive);
  const recall = ratio(truePositive, truePositive + falseNegative);
  return {
    accuracy: ratio(correct, labels.length),
    f1: ratio(2 * precision * recall, precision + recall),
    precision,
    recall,
    roc_auc: rocAuc(labels, probabilities),
    log_loss: logLoss(labels, probabilities),
  };
}

/** The q-th percentile (0–100) with linear interpolation between order statistics (NumPy's default). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (position - lower);
}

/** Rounds to a fixed number of decimals so metrics.json stays readable and stable. */
export function round(value: number, decimals = 6): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Every quality metric rounded to six decimals, the precision written to metrics.json. */
export function roundMetrics(metrics: QualityMetrics): QualityMetrics {
  return {
    accuracy: round(metrics.accuracy),
    f1: round(metrics.f1),
    precision: round(metrics.precision),
    recall: round(metrics.recall),
    roc_auc: round(metrics.roc_auc),
    log_loss: round(metrics.log_loss),
  };
}
