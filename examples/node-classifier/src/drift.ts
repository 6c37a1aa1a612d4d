import { type Dataset, subset } from "./dataset.js";
import { normal, type Random, shuffled } from "./random.js";

/** How production data differs from the training data in this example (all of it seeded). */
export interface DriftPlan {
  /** Rows of current data to draw. */
  rows: number;
  /** Share of class 0 (malignant) rows in the current data. */
  malignantShare: number;
  /** Multiplicative measurement noise (standard deviation) applied to every feature. */
  noise: number;
  /** Features multiplied by a factor (e.g. a recalibrated device reading larger). */
  scale: Record<string, number>;
  /** Features receiving additive Gaussian noise `{mean, stdDev}`. */
  shift: Record<string, { mean: number; stdDev: number }>;
  /** Feature that goes missing, and the share of rows where it does. */
  missing: { feature: string; share: number };
}

/** The drift documented in the README. */
export const EXAMPLE_DRIFT: DriftPlan = {
  rows: 400,
  malignantShare: 0.55,
  noise: 0.02,
  scale: { mean_radius: 1.12, mean_area: 1.25 },
  shift: { mean_texture: { mean: 2, stdDev: 1.5 } },
  missing: { feature: "worst_smoothness", share: 0.1 },
};

/** Current data: rows resampled from `source` with the plan's class balance, then perturbed; missing cells are `null`. */
export interface DriftedData {
  featureNames: string[];
  features: Array<Array<number | null>>;
  targets: number[];
}

function sampleWithReplacement(positions: readonly number[], count: number, random: Random): number[] {
  return Array.from({ length: count }, () => positions[Math.floor(random() * positions.length)] ?? 0);
}

/** Draws drifted "production" rows from a labelled dataset according to `plan`. */
export function drift(source: Dataset, plan: DriftPlan, random: Random): DriftedData {
  const positionsOf = (label: number) =>
    source.targets.flatMap((target, position) => (target === label ? [position] : []));
  const malignantRows = Math.round(plan.rows * plan.malignantShare);
  const drawn = shuffled(
    [
      ...sampleWithReplacement(positionsOf(0), malignantRows, random),
      ...sampleWithReplacement(positionsOf(1), plan.rows - malignantRows, random),
    ],
    random,
  );
  const rows = subset(source, drawn);
  const columnOf = (name: string) => source.featureNames.indexOf(name);
  const missingColumn = columnOf(plan.missing.feature);
  const features = rows.features.map((row) => {
    const values: Array<number | null> = row.map((value) => value * normal(random, 1, plan.noise));
    for (const [name, factor] of Object.entries(plan.scale)) {
      const column = columnOf(name);
      values[column] = (values[column] ?? 0) * factor;
    }
    for (const [name, { mean, stdDev }] of Object.entries(plan.shift)) {
      const column = columnOf(name);
      values[column] = (values[column] ?? 0) + normal(random, mean, stdDev);
    }
    if (random() < plan.missing.share) values[missingColumn] = null;
    return values.map((value) => (value === null ? null : Number(value.toPrecision(7))));
  });
  return { featureNames: source.featureNames, features, targets: rows.targets };
}

/** Column medians of a dataset, used to impute missing values before predicting. */
export function medians(dataset: Dataset): number[] {
  return dataset.featureNames.map((_, column) => {
    const sorted = dataset.features.map((row) => row[column] ?? Number.NaN).sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? (sorted[middle] ?? Number.NaN)
      : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
  });
}
