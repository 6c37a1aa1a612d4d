import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CsvTable, parseCsv, readCsv } from "../src/csv.js";
import { loadDataset } from "../src/dataset.js";
import { logLoss, percentile, rocAuc } from "../src/metrics.js";
import { fromSavedModel, MODEL_FILE, predictProbabilities, type SavedModel } from "../src/model.js";
import { type Metrics, runTraining, type TrainingResult } from "../src/pipeline.js";
import { stratifiedSplit } from "../src/split.js";

const run = promisify(execFile);
const EXAMPLE_DIR = path.resolve(import.meta.dirname, "..");
const DATASET = path.join(EXAMPLE_DIR, "data", "breast_cancer.csv");
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "node-example-"));
  tempDirs.push(dir);
  return dir;
}

interface TrainingRun extends TrainingResult {
  dir: string;
  predictions: CsvTable;
  predictionsCsv: string;
  modelJson: string;
}

async function train(paramsFile: string): Promise<TrainingRun> {
  const dir = await tempDir();
  const result = await runTraining({
    params: path.join(EXAMPLE_DIR, paramsFile),
    dataset: DATASET,
    outDir: dir,
  });
  const predictionsCsv = await readFile(path.join(dir, "predictions.csv"), "utf8");
  return {
    ...result,
    dir,
    predictionsCsv,
    predictions: parseCsv(predictionsCsv, "predictions.csv"),
    modelJson: await readFile(path.join(dir, "model", MODEL_FILE), "utf8"),
  };
}

function column(table: CsvTable, name: string): string[] {
  const index = table.header.indexOf(name);
  if (index < 0) throw new Error(`column ${name} missing from ${table.header.join(",")}`);
  return table.rows.map((row) => row[index] ?? "");
}

function withoutLatency(metrics: Metrics): Omit<Metrics, "latency_ms"> {
  const { latency_ms: _latency, ...quality } = metrics;
  return quality;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("node-classifier training", () => {
  let first: TrainingRun;
  let second: TrainingRun;

  beforeAll(async () => {
    first = await train("params.yaml");
    second = await train("params.yaml");
  });

  it("writes metrics.json with every metric the gate reads, with plausible values", async () => {
    const written = JSON.parse(await readFile(path.join(first.dir, "metrics.json"), "utf8")) as Metrics;
    expect(written).toEqual(first.metrics);
    expect(written.accuracy).toBeGreaterThan(0.85);
    expect(written.accuracy).toBeLessThanOrEqual(1);
    for (const name of ["f1", "precision", "recall", "roc_auc"] as const) {
      expect(written[name]).toBeGreaterThan(0.5);
      expect(written[name]).toBeLessThanOrEqual(1);
    }
    expect(written.log_loss).toBeGreaterThan(0);
    expect(written.log_loss).toBeLessThan(1);
    expect(written.latency_ms.p50).toBeGreaterThan(0);
    expect(written.latency_ms.p95).toBeGreaterThanOrEqual(written.latency_ms.p50);
  });

  it("writes one prediction per held-out example, consistent with metrics.json", async () => {
    const table = first.predictions;
    expect(table.header).toEqual(["id", "label", "prediction", "probability", "correct"]);
    expect(table.rows).toHaveLength(first.testRows);

    const labels = column(table, "label");
    const predictions = column(table, "prediction");
    const probabilities = column(table, "probability").map(Number);
    const correct = column(table, "correct");
    predictions.forEach((prediction, i) => {
      expect(prediction).toBe((probabilities[i] ?? 0) >= 0.5 ? "1" : "0");
      expect(correct[i]).toBe(prediction === labels[i] ? "1" : "0");
    });
    const accuracy = correct.filter((value) => value === "1").length / correct.length;
    expect(accuracy).toBeCloseTo(first.metrics.accuracy, 6);

    const dataset = await loadDataset(DATASET);
    const reference = await readCsv(path.join(EXAMPLE_DIR, "data", "reference.csv"));
    const trainingIds = new Set(column(reference, "id"));
    const testIds = column(table, "id");
    expect(new Set(testIds).size).toBe(testIds.length);
    expect(testIds.filter((id) => trainingIds.has(id))).toEqual([]);
    expect(trainingIds.size + testIds.length).toBe(dataset.ids.length);
  });

  it("is deterministic: two runs give the same model, predictions and quality metrics", () => {
    expect(withoutLatency(second.metrics)).toEqual(withoutLatency(first.metrics));
    expect(second.predictionsCsv).toBe(first.predictionsCsv);
    expect(second.modelJson).toBe(first.modelJson);
  });

  it("saves a model that reloads and reproduces the written probabilities", async () => {
    const classifier = fromSavedModel(JSON.parse(first.modelJson) as SavedModel);
    const dataset = await loadDataset(DATASET);
    const testIds = column(first.predictions, "id").map(Number);
    const rows = testIds.map((id) => dataset.features[dataset.ids.indexOf(id)] ?? []);
    const reloaded = predictProbabilities(classifier, rows).map((p) => p.toFixed(6));
    expect(reloaded).toEqual(column(first.predictions, "probability"));
  });

  it("trains a better model with variants/better.params.yaml and a worse one with variants/worse.params.yaml", async () => {
    const better = await train("variants/better.params.yaml");
    const worse = await train("variants/worse.params.yaml");
    expect(better.metrics.accuracy).toBeGreaterThan(first.metrics.accuracy);
    expect(better.metrics.f1).toBeGreaterThan(first.metrics.f1);
    expect(worse.metrics.f1).toBeLessThan(first.metrics.f1 - 0.01);
    expect(worse.metrics.accuracy).toBeLessThan(0.9);
  });
});

describe("node-classifier CLI", () => {
  const tsxImport = ["--import", "tsx", path.join(EXAMPLE_DIR, "src", "train.ts")];

  it("runs with plain node and tsx, writing its outputs into --out", async () => {
    const out = await tempDir();
    const { stdout } = await run(process.execPath, [...tsxImport, "--out", out], { cwd: EXAMPLE_DIR });
    const expectedTestRows = stratifiedSplit(await loadDataset(DATASET), 0.25, 42).test.ids.length;
    expect(stdout).toContain(`test rows: ${expectedTestRows}`);
    const metrics = JSON.parse(await readFile(path.join(out, "metrics.json"), "utf8")) as Metrics;
    expect(metrics.accuracy).toBeGreaterThan(0.85);
    const predictions = await readCsv(path.join(out, "predictions.csv"));
    expect(predictions.rows).toHaveLength(expectedTestRows);
  });

  it("rejects invalid params with one clear line and exit code 2", async () => {
    const dir = await tempDir();
    const params = await readFile(path.join(EXAMPLE_DIR, "params.yaml"), "utf8");
    const badParams = path.join(dir, "params.yaml");
    await writeFile(badParams, params.replace(/^max_features: .*$/m, "max_features: 3"));
    const failure = await run(process.execPath, [...tsxImport, "--params", badParams, "--out", dir], {
      cwd: EXAMPLE_DIR,
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr?.trim()).toBe(
      `error: ${badParams}: max_features must be a number in (0, 1], got 3`,
    );
  });
});

describe("node-classifier building blocks", () => {
  it("computes ROC AUC, log loss and percentiles like scikit-learn and NumPy", () => {
    // Reference values from the scikit-learn and NumPy documentation examples.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65])).toBeCloseTo(0.21616187, 8);
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it("splits with the class balance kept in both halves and no row in both", async () => {
    const dataset = await loadDataset(DATASET);
    const { train, test } = stratifiedSplit(dataset, 0.25, 7);
    const share = (targets: number[]) => targets.filter((t) => t === 0).length / targets.length;
    expect(Math.abs(share(test.targets) - share(dataset.targets))).toBeLessThan(0.01);
    expect(Math.abs(share(train.targets) - share(dataset.targets))).toBeLessThan(0.01);
    expect(train.ids.length + test.ids.length).toBe(dataset.ids.length);
    expect(new Set([...train.ids, ...test.ids]).size).toBe(dataset.ids.length);
  });
});

describe("node-classifier monitoring data", () => {
  it("current.csv has the reference schema and the documented drift (class balance, nulls)", async () => {
    const reference = await readCsv(path.join(EXAMPLE_DIR, "data", "reference.csv"));
    const current = await readCsv(path.join(EXAMPLE_DIR, "data", "current.csv"));
    expect(current.header).toEqual(reference.header);
    expect(reference.header).toEqual(
      expect.arrayContaining(["id", "target", "prediction", "worst_smoothness"]),
    );

    const malignantShare = (table: CsvTable) =>
      column(table, "target").filter((value) => value === "0").length / table.rows.length;
    expect(malignantShare(current) - malignantShare(reference)).toBeGreaterThan(0.1);

    const nullShare = (table: CsvTable) =>
      column(table, "worst_smoothness").filter((value) => value === "").length / table.rows.length;
    expect(nullShare(reference)).toBe(0);
    expect(nullShare(current)).toBeGreaterThan(0.05);
  });
});
