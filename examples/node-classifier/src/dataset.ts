import { CsvError, type CsvTable, readCsv } from "./csv.js";

/** Name of the label column: 1 = benign, 0 = malignant (scikit-learn's encoding of the UCI data). */
export const TARGET_COLUMN = "target";
/** Name of the row identifier column. */
export const ID_COLUMN = "id";

/** A labelled tabular dataset: one row of numeric features per example. */
export interface Dataset {
  featureNames: string[];
  ids: number[];
  features: number[][];
  targets: number[];
}

function numericCell(cell: string, fileName: string, line: number, column: string): number {
  const value = Number(cell);
  if (cell === "" || !Number.isFinite(value)) {
    throw new CsvError(`${fileName}:${line}: column ${column} holds ${JSON.stringify(cell)}, not a number`);
  }
  return value;
}

/** Converts a parsed CSV with `id`, feature columns and `target` into a {@link Dataset}. */
export function toDataset(table: CsvTable, fileName: string): Dataset {
  const idIndex = table.header.indexOf(ID_COLUMN);
  const targetIndex = table.header.indexOf(TARGET_COLUMN);
  if (idIndex < 0 || targetIndex < 0) {
    throw new CsvError(`${fileName}: needs the columns ${ID_COLUMN} and ${TARGET_COLUMN}`);
  }
  const featureIndexes = table.header.flatMap((_, index) =>
    index === idIndex || index === targetIndex ? [] : [index],
  );
  const dataset: Dataset = {
    featureNames: featureIndexes.map((index) => table.header[index] ?? ""),
    ids: [],
    features: [],
    targets: [],
  };
  table.rows.forEach((row, rowIndex) => {
    const line = rowIndex + 2;
    const cell = (index: number) =>
      numericCell(row[index] ?? "", fileName, line, table.header[index] ?? String(index));
    dataset.ids.push(cell(idIndex));
    dataset.targets.push(cell(targetIndex));
    dataset.features.push(featureIndexes.map(cell));
  });
  return dataset;
}

/** Reads a dataset CSV such as `data/breast_cancer.csv`. */
export async function loadDataset(path: string): Promise<Dataset> {
  return toDataset(await readCsv(path), path);
}

/** Keeps only the named feature columns, in the given order. */
export function selectFeatures(dataset: Dataset, names: readonly string[]): Dataset {
  const indexes = names.map((name) => dataset.featureNames.indexOf(name));
  return {
    ...dataset,
    featureNames: [...names],
    features: dataset.features.map((row) => indexes.map((index) => row[index] ?? Number.NaN)),
  };
}

/** The rows at the given positions. */
export function subset(dataset: Dataset, positions: readonly number[]): Dataset {
  return {
    featureNames: dataset.featureNames,
    ids: positions.map((p) => dataset.ids[p] ?? Number.NaN),
    features: positions.map((p) => dataset.features[p] ?? []),
    targets: positions.map((p) => dataset.targets[p] ?? Number.NaN),
  };
}
