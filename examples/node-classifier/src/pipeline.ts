import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { writeCsv } from "./csv.js";
import { type Dataset, loadDataset, selectFeatures } from "./dataset.js";
import { evaluate, percentile, type QualityMetrics, round, roundMetrics } from "./metrics.js";
import {
  type Classifier,
  MODEL_FILE,
  predictClasses,
  predictProbabilities,
  toSavedModel,
  trainClassifier,
} from "./model.js";
import { loadParams, type Params, ParamsError } from "./params.js";
import { stratifiedSplit } from "./split.js";

/** Latency samples taken; each is the mean of {@link CALLS_PER_SAMPLE} single-row predictions. */
const LATENCY_SAMPLES = 200;
/** Averaging a few calls per sample keeps timer resolution and GC pauses from dominating. */
const CALLS_PER_SAMPLE = 10;
/** Untimed calls first, so the JIT has compiled the prediction path. */
const WARMUP_CALLS = 200;

/** Content of metrics.json. */
export interface Metrics extends QualityMetrics {
  latency_ms: { p50: number; p95: number };
}

/** Where the training pipeline reads from and writes to. */
export interface TrainingPaths {
  /** params.yaml */
  params: string;
  /** The full labelled dataset (data/breast_cancer.csv). */
  dataset: string;
  /** Directory receiving metrics.json, predictions.csv and model/classifier.json. */
  outDir: string;
}

/** What one training run produced. */
export interface TrainingResult {
  params: Params;
  metrics: Metrics;
  trainRows: number;
  testRows: number;
  featureCount: number;
}

/** The columns to train on, checked against the dataset. */
export function chooseFeatures(params: Params, dataset: Dataset): string[] {
  if (params.features === "all") return dataset.featureNames;
  const unknown = params.features.filter((name) => !dataset.featureNames.includes(name));
  if (unknown.length > 0) throw new ParamsError(`params: unknown feature(s) ${unknown.join(", ")}`);
  return params.features;
}

/** Wall-clock time of single-row predictions, the way an online endpoint serves them. */
function measureLatencyMs(classifier: Classifier, rows: number[][]): Metrics["latency_ms"] {
  const rowAt = (i: number) => rows[i % rows.length] ?? [];
  for (let i = 0; i < WARMUP_CALLS; i++) predictProbabilities(classifier, [rowAt(i)]);
  const timings: number[] = [];
  for (let sample = 0; sample < LATENCY_SAMPLES; sample++) {
    const start = performance.now();
    for (let call = 0; call < CALLS_PER_SAMPLE; call++) {
      predictProbabilities(classifier, [rowAt(sample * CALLS_PER_SAMPLE + call)]);
    }
    timings.push((performance.now() - start) / CALLS_PER_SAMPLE);
  }
  return { p50: round(percentile(timings, 50), 4), p95: round(percentile(timings, 95), 4) };
}

/** Trains on the seeded training split, evaluates on the held-out split and writes the outputs. */
export async function runTraining(paths: TrainingPaths): Promise<TrainingResult> {
  const params = await loadParams(paths.params);
  const full = await loadDataset(paths.dataset);
  const dataset = selectFeatures(full, chooseFeatures(params, full));
  const { train, test } = stratifiedSplit(dataset, params.test_size, params.seed);

  const classifier = trainClassifier(train, params);
  const probabilities = predictProbabilities(classifier, test.features);
  const predictions = predictClasses(probabilities);
  const quality = evaluate(test.targets, predictions, probabilities);
  const metrics: Metrics = {
    ...roundMetrics(quality),
    latency_ms: measureLatencyMs(classifier, test.features),
  };

  await mkdir(path.join(paths.outDir, "model"), { recursive: true });
  await writeFile(path.join(paths.outDir, "model", MODEL_FILE), JSON.stringify(toSavedModel(classifier)));
  await writeFile(path.join(paths.outDir, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
  await writeCsv(
    path.join(paths.outDir, "predictions.csv"),
    ["id", "label", "prediction", "probability", "correct"],
    test.ids.map((id, i) => {
      const label = test.targets[i];
      const prediction = predictions[i];
      return [id, label, prediction, (probabilities[i] ?? 0).toFixed(6), label === prediction ? 1 : 0];
    }),
  );
  return {
    params,
    metrics,
    trainRows: train.ids.length,
    testRows: test.ids.length,
    featureCount: dataset.featureNames.length,
  };
}
