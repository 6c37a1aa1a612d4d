import { InputError } from "../errors.js";
import { parseCsvText } from "../input/csv.js";
import { sortClasses } from "./curves.js";

/** Which columns of the per-example CSV hold what (mlops.yml `predictions:`); each has defaults. */
export interface PredictionColumns {
  /** `classification` or `regression`; default: inferred (a score column, or few distinct whole-number or text labels, mean classification). */
  task?: "classification" | "regression";
  /** Column of true labels / targets (default: the first of `label`, `target`, `y_true`, `actual`). */
  label?: string;
  /** Column of predicted labels / values (default: the first of `prediction`, `predicted`, `y_pred`, `pred`). */
  prediction?: string;
  /** Column of the positive class's probability or score, binary classification (default: `probability`, `score`, `y_score`, `proba`). */
  score?: string;
  /** The positive class (default `1`, `true`, else the last class in sort order). */
  positive?: string;
  /**
   * Prefix of the per-class probability columns (`proba_` → `proba_cat`, `proba_dog`, …), multi-class
   * one-vs-rest curves (default: the first of `probability_`, `proba_`, `prob_`, `score_` that any column has).
   */
  class_scores?: string;
}

export const LABEL_COLUMNS = ["label", "target", "y_true", "actual"];
export const PREDICTION_COLUMNS = ["prediction", "predicted", "y_pred", "pred"];
export const SCORE_COLUMNS = ["probability", "score", "y_score", "proba"];
/** Prefixes of per-class probability columns (`probability_<class>`), looked for in this order. */
export const CLASS_SCORE_PREFIXES = ["probability_", "proba_", "prob_", "score_"];
/** How far a row's class scores may sum from 1 (probabilities written with 4 decimals, 7 classes: ≤ 0.00035). */
export const SUM_TOLERANCE = 1e-3;
/** Above this many distinct whole-number labels (and no score column), numbers are read as regression. */
const MAX_INFERRED_CLASSES = 20;

export interface ClassificationPredictions {
  task: "classification";
  file: string;
  actual: string[];
  predicted: string[];
  classes: string[];
  /** Binary only: the positive class's score per example, 0/1 labels, and which class is positive. */
  binary?: { positive: string; labels: number[]; scores: number[] };
  /**
   * Multi-class with a probability column per class: the classes of the labels (sorted), their columns
   * and `scores[k][i]` = example i's score for `classes[k]`; one-vs-rest curves are drawn from these.
   */
  multiclass?: {
    classes: string[];
    columns: string[];
    scores: number[][];
    /** Columns of the prefix for classes no example has (not drawn). */
    unused: string[];
    /** The first row whose class scores do not sum to 1 (± {@link SUM_TOLERANCE}), if any (1-based file line). */
    unnormalised?: { line: number; sum: number };
  };
  /** Why no curves can be drawn (no score column, a class without a score column). */
  noCurves?: string;
}

export interface RegressionPredictions {
  task: "regression";
  file: string;
  actual: number[];
  predicted: number[];
}

export type Predictions = ClassificationPredictions | RegressionPredictions;

/** What could not be plotted, and why (said in the report, never silently skipped). */
export interface NoPredictions {
  missing: string;
}

/**
 * Reads predictions from per-example results (CSV with a header). Columns named in `columns` must exist
 * (InputError naming the file, else); unnamed ones are looked for under their default names, and when
 * the label or prediction column is not found the answer says so (`missing`) — a per-example file may
 * hold only a `correct` column for noise-aware rules.
 */
export function parsePredictions(
  text: string,
  file: string,
  columns: PredictionColumns = {},
): Predictions | NoPredictions {
  const { header, rows } = parseCsvText(text, file, { what: "per-example results" });
  const find = (named: string | undefined, defaults: string[], what: string): number | undefined => {
    if (named !== undefined) {
      const index = header.indexOf(named);
      if (index < 0)
        throw new InputError(
          `${file} has no ${what} column "${named}" (mlops.yml predictions); columns: ${header.join(", ")}`,
          { position: { file, line: 1 } },
        );
      return index;
    }
    const index = header.findIndex((h) => defaults.includes(h));
    return index < 0 ? undefined : index;
  };
  const labelAt = find(columns.label, LABEL_COLUMNS, "label");
  const predictionAt = find(columns.prediction, PREDICTION_COLUMNS, "prediction");
  const scoreAt = find(columns.score, SCORE_COLUMNS, "score");
  if (labelAt === undefined || predictionAt === undefined)
    return {
      missing: `${file} has no ${labelAt === undefined ? `label column (looked for ${LABEL_COLUMNS.join(", ")})` : `prediction column (looked for ${PREDICTION_COLUMNS.join(", ")})`}; name them under \`predictions:\` in mlops.yml`,
    };
  const actual: string[] = [];
  const predicted: string[] = [];
  const scores: number[] = [];
  const lineOf: number[] = [];
  for (const { cells, line } of rows) {
    lineOf.push(line);
    for (const at of [labelAt, predictionAt])
      if ((cells[at] ?? "") === "")
        throw new InputError(
          `column "${header[at]}" is empty on this line: every example needs a ${at === labelAt ? "label" : "prediction"}`,
          { position: { file, line } },
        );
    actual.push(cells[labelAt] ?? "");
    predicted.push(cells[predictionAt] ?? "");
    if (scoreAt !== undefined) {
      const raw = cells[scoreAt] ?? "";
      const value = Number(raw);
      if (raw === "" || !Number.isFinite(value))
        throw new InputError(`expected a number in column "${header[scoreAt]}", got "${raw}"`, {
          position: { file, line },
        });
      scores.push(value);
    }
  }
  if (actual.length === 0) return { missing: `${file} has no rows` };
  const numeric = (values: string[]) => values.every((v) => v.trim() !== "" && Number.isFinite(Number(v)));
  let task = columns.task;
  if (!task) {
    const distinct = new Set(actual).size;
    const wholeNumbers = numeric(actual) && actual.every((v) => Number.isInteger(Number(v)));
    task =
      scoreAt !== undefined || !numeric(actual) || (wholeNumbers && distinct <= MAX_INFERRED_CLASSES)
        ? "classification"
        : "regression";
  }
  if (task === "regression") {
    for (const [values, column] of [
      [actual, labelAt],
      [predicted, predictionAt],
    ] as const) {
      const bad = values.findIndex((v) => v.trim() === "" || !Number.isFinite(Number(v)));
      if (bad >= 0)
        throw new InputError(
          `expected a number in column "${header[column]}" (regression), got "${values[bad]}"`,
          {
            position: { file, line: lineOf[bad] as number },
          },
        );
    }
    return { task, file, actual: actual.map(Number), predicted: predicted.map(Number) };
  }
  // Labels `1` and `1.0` are one class.
  const canonical = (v: string) => (v.trim() !== "" && Number.isFinite(Number(v)) ? String(Number(v)) : v);
  const a = actual.map(canonical);
  const p = predicted.map(canonical);
  const classes = sortClasses([...a, ...p]);
  const result: ClassificationPredictions = { task, file, actual: a, predicted: p, classes };
  const labelClasses = sortClasses(a);
  const classColumns = classScoreColumns(header, columns.class_scores, file, canonical);
  /** The numbers of columns `ats` (rows parsed once); a cell that is not a number is an InputError. */
  const readColumns = (ats: number[]): number[][] => {
    const out = ats.map(() => new Array<number>(rows.length));
    rows.forEach(({ cells, line }, i) => {
      ats.forEach((at, k) => {
        const raw = cells[at] ?? "";
        const value = Number(raw);
        if (raw.trim() === "" || !Number.isFinite(value))
          throw new InputError(`expected a number in column "${header[at]}", got "${raw}"`, {
            position: { file, line },
          });
        (out[k] as number[])[i] = value;
      });
    });
    return out;
  };
  // (A prefix named in mlops.yml that matches no column was refused by classScoreColumns.)
  const looked = `${CLASS_SCORE_PREFIXES.map((p) => `${p}<class>`).join(", ")}; name the prefix under predictions.class_scores in mlops.yml`;
  if (labelClasses.length > 2) {
    const missing = labelClasses.filter((c) => !classColumns?.byClass.has(c));
    if (!classColumns || missing.length > 0) {
      if (classColumns && columns.class_scores !== undefined)
        throw new InputError(
          `${file} has no column "${columns.class_scores}<class>" for ${missing.length} of its ${labelClasses.length} classes (${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}; mlops.yml predictions.class_scores)`,
          { position: { file, line: 1 } },
        );
      result.noCurves = classColumns
        ? `${file} has ${labelClasses.length} classes but no "${classColumns.prefix}<class>" column for ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` and ${missing.length - 10} more` : ""}, so there are no one-vs-rest ROC or precision–recall curves`
        : `${file} has ${labelClasses.length} classes but no score column per class (looked for ${looked}), so there are no one-vs-rest ROC or precision–recall curves`;
      return result;
    }
    const found = classColumns.byClass;
    const unused = [...found.entries()].filter(([c]) => !labelClasses.includes(c)).map(([, at]) => at);
    const read = readColumns([...labelClasses.map((c) => found.get(c) as number), ...unused]);
    const scores = read.slice(0, labelClasses.length);
    const extra = read.slice(labelClasses.length);
    let unnormalised: { line: number; sum: number } | undefined;
    for (let i = 0; i < actual.length && !unnormalised; i++) {
      const sum = [...scores, ...extra].reduce((acc, col) => acc + (col[i] as number), 0);
      if (Math.abs(sum - 1) > SUM_TOLERANCE) unnormalised = { line: i + 2, sum: Number(sum.toPrecision(12)) };
    }
    result.multiclass = {
      classes: labelClasses,
      columns: labelClasses.map((c) => header[found.get(c) as number] as string),
      scores,
      unused: unused.map((at) => header[at] as string),
      ...(unnormalised ? { unnormalised } : {}),
    };
    return result;
  }
  const positive =
    columns.positive !== undefined
      ? canonical(columns.positive)
      : (["1", "true", "True", "yes"].find((c) => classes.includes(c)) ??
        (classes[classes.length - 1] as string));
  if (!classes.includes(positive))
    throw new InputError(
      `${file}: the positive class "${positive}" (mlops.yml predictions.positive) is not among its labels (${classes.join(", ")})`,
    );
  let binaryScores = scoreAt !== undefined ? scores : undefined;
  // No single score column: the positive class's own probability column is its score.
  const positiveColumn = classColumns?.byClass.get(positive);
  if (!binaryScores && positiveColumn !== undefined) [binaryScores] = readColumns([positiveColumn]);
  if (!binaryScores) {
    result.noCurves = `${file} has no score column (looked for ${SCORE_COLUMNS.join(", ")}, or a probability column per class: ${looked}), so there are no ROC, precision–recall or calibration curves`;
    return result;
  }
  result.binary = { positive, labels: a.map((v) => (v === positive ? 1 : 0)), scores: binaryScores };
  return result;
}

/**
 * The per-class probability columns of a header: those starting with `prefix` (mlops.yml
 * `predictions.class_scores`; it must match a column) or else with the first of
 * {@link CLASS_SCORE_PREFIXES} that any column starts with, by class (the rest of the name, read as a
 * label is: `proba_1.0` is class `1`).
 */
function classScoreColumns(
  header: string[],
  prefix: string | undefined,
  file: string,
  canonical: (label: string) => string,
): { prefix: string; byClass: Map<string, number> } | undefined {
  for (const p of prefix !== undefined ? [prefix] : CLASS_SCORE_PREFIXES) {
    const byClass = new Map<string, number>();
    header.forEach((h, at) => {
      if (h.startsWith(p) && h.length > p.length) byClass.set(canonical(h.slice(p.length)), at);
    });
    if (byClass.size > 0) return { prefix: p, byClass };
  }
  if (prefix !== undefined)
    throw new InputError(
      `${file} has no column starting with "${prefix}" (mlops.yml predictions.class_scores); columns: ${header.join(", ")}`,
      { position: { file, line: 1 } },
    );
  return undefined;
}
