/**
 * Trains the breast-cancer classifier: `node --import tsx src/train.ts [--params FILE] [--out DIR]`.
 * Reads params.yaml and data/breast_cancer.csv; writes metrics.json, predictions.csv and model/classifier.json.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { CsvError } from "./csv.js";
import { ParamsError } from "./params.js";
import { runTraining } from "./pipeline.js";

const EXAMPLE_DIR = path.resolve(import.meta.dirname, "..");

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      params: { type: "string", default: path.join(EXAMPLE_DIR, "params.yaml") },
      data: { type: "string", default: path.join(EXAMPLE_DIR, "data", "breast_cancer.csv") },
      out: { type: "string", default: EXAMPLE_DIR },
    },
  });
  const result = await runTraining({ params: values.params, dataset: values.data, outDir: values.out });
  console.log(
    `trained a random forest of ${result.params.n_estimators} trees on ${result.trainRows} rows, ` +
      `${result.featureCount} features; test rows: ${result.testRows}`,
  );
  console.log(JSON.stringify(result.metrics));
}

main().catch((error: unknown) => {
  if (error instanceof ParamsError || error instanceof CsvError) {
    console.error(`error: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
