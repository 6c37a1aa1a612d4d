/**
 * Writes the monitoring data sets (run once; both files are committed):
 * `node --import tsx src/make-data.ts`.
 *
 * - data/reference.csv: the training split of params.yaml (same seed and split as training):
 *   id, 30 features, target, prediction.
 * - data/current.csv: "production traffic" with the seeded drift of {@link EXAMPLE_DRIFT}; prediction is
 *   what the params.yaml model predicts (missing values imputed with the training medians), target is the
 *   label that arrived later.
 */
import path from "node:path";
import { writeCsv } from "./csv.js";
import { loadDataset, selectFeatures } from "./dataset.js";
import { drift, EXAMPLE_DRIFT, medians } from "./drift.js";
import { predictClasses, predictProbabilities, trainClassifier } from "./model.js";
import { loadParams } from "./params.js";
import { chooseFeatures } from "./pipeline.js";
import { seededRandom } from "./random.js";
import { stratifiedSplit } from "./split.js";

const EXAMPLE_DIR = path.resolve(import.meta.dirname, "..");
const DRIFT_SEED = 2024;
const FIRST_CURRENT_ID = 100_000;

async function main(): Promise<void> {
  const params = await loadParams(path.join(EXAMPLE_DIR, "params.yaml"));
  const full = await loadDataset(path.join(EXAMPLE_DIR, "data", "breast_cancer.csv"));
  const modelFeatures = chooseFeatures(params, full);
  const { train } = stratifiedSplit(full, params.test_size, params.seed);
  const trainForModel = selectFeatures(train, modelFeatures);
  const classifier = trainClassifier(trainForModel, params);
  const predict = (rows: number[][]) => predictClasses(predictProbabilities(classifier, rows));

  const header = ["id", ...full.featureNames, "target", "prediction"];
  const referencePredictions = predict(trainForModel.features);
  await writeCsv(
    path.join(EXAMPLE_DIR, "data", "reference.csv"),
    header,
    train.ids.map((id, i) => [id, ...(train.features[i] ?? []), train.targets[i], referencePredictions[i]]),
  );

  const current = drift(full, EXAMPLE_DRIFT, seededRandom(DRIFT_SEED));
  const fill = medians(train);
  const modelColumns = modelFeatures.map((name) => full.featureNames.indexOf(name));
  const imputed = current.features.map((row) =>
    modelColumns.map((column) => row[column] ?? fill[column] ?? Number.NaN),
  );
  const currentPredictions = predict(imputed);
  await writeCsv(
    path.join(EXAMPLE_DIR, "data", "current.csv"),
    header,
    current.features.map((row, i) => [
      FIRST_CURRENT_ID + i,
      ...row,
      current.targets[i],
      currentPredictions[i],
    ]),
  );

  const accuracy =
    currentPredictions.filter((prediction, i) => prediction === current.targets[i]).length /
    currentPredictions.length;
  console.log(`reference: ${train.ids.length} rows; current: ${current.features.length} rows`);
  console.log(`model accuracy on current data: ${accuracy.toFixed(3)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
