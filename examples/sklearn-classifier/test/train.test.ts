import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingOf } from "../../../scripts/system-deps.mjs";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
/** Debian packages this file needs (installed by `node scripts/system-deps.mjs`); missing → its tests skip. */
const lacking = missingOf("python3-sklearn", "python3-pandas", "python3-yaml");
const EXAMPLE_DIR = path.resolve(import.meta.dirname, "..");
/** Rows in the Wisconsin Diagnostic Breast Cancer dataset (UCI), the data train.py loads from scikit-learn. */
const DATASET_ROWS = 569;
const QUALITY_METRICS = ["accuracy", "f1", "precision", "recall", "roc_auc", "log_loss"] as const;

interface Metrics {
  accuracy: number;
  f1: number;
  precision: number;
  recall: number;
  roc_auc: number;
  log_loss: number;
  latency_ms: { p50: number; p95: number };
}

interface TrainingRun {
  dir: string;
  metrics: Metrics;
  predictionsCsv: string;
  model: Buffer;
}

const tempDirs: string[] = [];

function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const [headerLine = "", ...lines] = text.trimEnd().split("\n");
  return { header: headerLine.split(","), rows: lines.map((line) => line.split(",")) };
}

function column(table: { header: string[]; rows: string[][] }, name: string): string[] {
  const index = table.header.indexOf(name);
  if (index < 0) throw new Error(`column ${name} missing from ${table.header.join(",")}`);
  return table.rows.map((row) => row[index] ?? "");
}

/** Copies train.py with the given params file into a fresh directory and runs it there. */
async function train(paramsFile: string): Promise<TrainingRun> {
  const dir = await mkdtemp(path.join(tmpdir(), "sklearn-example-"));
  tempDirs.push(dir);
  await copyFile(path.join(EXAMPLE_DIR, "train.py"), path.join(dir, "train.py"));
  await copyFile(path.join(EXAMPLE_DIR, paramsFile), path.join(dir, "params.yaml"));
  await run(PYTHON, ["train.py"], { cwd: dir });
  return {
    dir,
    metrics: JSON.parse(await readFile(path.join(dir, "metrics.json"), "utf8")) as Metrics,
    predictionsCsv: await readFile(path.join(dir, "predictions.csv"), "utf8"),
    model: await readFile(path.join(dir, "model", "model.pkl")),
  };
}

function withoutLatency(metrics: Metrics): Omit<Metrics, "latency_ms"> {
  const { latency_ms: _latency, ...quality } = metrics;
  return quality;
}

beforeAll(async () => {
  if (lacking.length > 0) return;
  try {
    await run(PYTHON, ["-c", "import sklearn, pandas, yaml"]);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The sklearn example needs ${PYTHON} with scikit-learn, pandas and PyYAML ` +
        `(Debian/Ubuntu: apt-get install python3-sklearn python3-pandas python3-yaml). ${detail}`,
    );
  }
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.skipIf(lacking.length > 0)("sklearn-classifier train.py", () => {
  let first: TrainingRun;
  let second: TrainingRun;
  let better: TrainingRun;
  let worse: TrainingRun;

  beforeAll(async () => {
    [first, second, better, worse] = await Promise.all([
      train("params.yaml"),
      train("params.yaml"),
      train("variants/better.params.yaml"),
      train("variants/worse.params.yaml"),
    ]);
  });

  it("writes every metric the gate reads, with plausible values", () => {
    const { metrics } = first;
    expect(metrics.accuracy).toBeGreaterThan(0.85);
    expect(metrics.accuracy).toBeLessThanOrEqual(1);
    for (const name of ["f1", "precision", "recall", "roc_auc"] as const) {
      expect(metrics[name]).toBeGreaterThan(0.5);
      expect(metrics[name]).toBeLessThanOrEqual(1);
    }
    expect(metrics.log_loss).toBeGreaterThan(0);
    expect(metrics.log_loss).toBeLessThan(1);
    expect(metrics.latency_ms.p50).toBeGreaterThan(0);
    expect(metrics.latency_ms.p95).toBeGreaterThanOrEqual(metrics.latency_ms.p50);
  });

  it("writes one prediction per held-out example, consistent with metrics.json", async () => {
    const table = parseCsv(first.predictionsCsv);
    expect(table.header).toEqual(["id", "label", "prediction", "probability", "correct"]);
    expect(table.rows).toHaveLength(Math.ceil(DATASET_ROWS * 0.25));

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

    const reference = parseCsv(await readFile(path.join(EXAMPLE_DIR, "data", "reference.csv"), "utf8"));
    const trainingIds = new Set(column(reference, "id"));
    const testIds = column(table, "id");
    expect(new Set(testIds).size).toBe(testIds.length);
    expect(testIds.filter((id) => trainingIds.has(id))).toEqual([]);
    expect(trainingIds.size + testIds.length).toBe(DATASET_ROWS);
  });

  it("is deterministic: two runs give the same model, predictions and quality metrics", () => {
    expect(withoutLatency(second.metrics)).toEqual(withoutLatency(first.metrics));
    expect(second.predictionsCsv).toBe(first.predictionsCsv);
    expect(second.model.equals(first.model)).toBe(true);
  });

  it("trains a better model with variants/better.params.yaml and a worse one with variants/worse.params.yaml", () => {
    expect(better.metrics.accuracy).toBeGreaterThan(first.metrics.accuracy);
    expect(better.metrics.f1).toBeGreaterThan(first.metrics.f1);
    expect(worse.metrics.f1).toBeLessThan(first.metrics.f1 - 0.01);
    for (const name of QUALITY_METRICS) expect(worse.metrics[name]).not.toBe(first.metrics[name]);
  });

  it("rejects an unknown model type with one clear line and exit code 2", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sklearn-example-"));
    tempDirs.push(dir);
    await copyFile(path.join(EXAMPLE_DIR, "train.py"), path.join(dir, "train.py"));
    const params = await readFile(path.join(EXAMPLE_DIR, "params.yaml"), "utf8");
    await writeFile(path.join(dir, "params.yaml"), params.replace(/^model: \S+/m, "model: svm"));
    const failure = await run(PYTHON, ["train.py"], { cwd: dir }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr?.trim()).toBe(
      "error: params.yaml: model must be one of logistic_regression, random_forest, got 'svm'",
    );
  });
});

describe("sklearn-classifier monitoring data", () => {
  it("current.csv has the reference schema and the documented drift (class balance, nulls)", async () => {
    const reference = parseCsv(await readFile(path.join(EXAMPLE_DIR, "data", "reference.csv"), "utf8"));
    const current = parseCsv(await readFile(path.join(EXAMPLE_DIR, "data", "current.csv"), "utf8"));
    expect(current.header).toEqual(reference.header);
    expect(reference.header).toEqual(
      expect.arrayContaining(["id", "target", "prediction", "worst_smoothness"]),
    );

    const malignantShare = (table: typeof reference) =>
      column(table, "target").filter((value) => value === "0").length / table.rows.length;
    expect(malignantShare(current) - malignantShare(reference)).toBeGreaterThan(0.1);

    const nullShare = (table: typeof reference) =>
      column(table, "worst_smoothness").filter((value) => value === "").length / table.rows.length;
    expect(nullShare(reference)).toBe(0);
    expect(nullShare(current)).toBeGreaterThan(0.05);
  });
});
