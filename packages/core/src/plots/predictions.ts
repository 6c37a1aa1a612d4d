import { InputError } from "../errors.js";
import { splitCsvLine } from "../gate/per-example.js";
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
}

export const LABEL_COLUMNS = ["label", "target", "y_true", "actual"];
export const PREDICTION_COLUMNS = ["prediction", "predicted", "y_pred", "pred"];
export const SCORE_COLUMNS = ["probability", "score", "y_score", "proba"];
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
  /** Why no curves can be drawn (no score column, more than two classes). */
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
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const header = splitCsvLine(lines[0] ?? "");
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
  for (let i = 1; i < lines.length; i++) {
    const cells = splitCsvLine(lines[i] as string);
    actual.push(cells[labelAt] ?? "");
    predicted.push(cells[predictionAt] ?? "");
    if (scoreAt !== undefined) {
      const raw = cells[scoreAt] ?? "";
      const value = Number(raw);
      if (raw === "" || !Number.isFinite(value))
        throw new InputError(`expected a number in column "${header[scoreAt]}", got "${raw}"`, {
          position: { file, line: i + 1 },
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
            position: { file, line: bad + 2 },
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
  if (scoreAt === undefined) {
    result.noCurves = `${file} has no score column (looked for ${SCORE_COLUMNS.join(", ")}), so there are no ROC, precision–recall or calibration curves`;
    return result;
  }
  const labelClasses = sortClasses(a);
  if (labelClasses.length > 2) {
    result.noCurves = `${file} has ${labelClasses.length} classes; curves are drawn for binary classification only`;
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
  result.binary = { positive, labels: a.map((v) => (v === positive ? 1 : 0)), scores };
  return result;
}
