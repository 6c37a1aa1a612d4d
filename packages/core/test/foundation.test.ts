import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  configJsonSchema,
  diffMetrics,
  formatDelta,
  formatNumber,
  formatPercent,
  InputError,
  loadMetricsFiles,
  metricSpecsOf,
  PR_COMMENT_BUDGET,
  parseConfig,
  parseMetrics,
  ReportBuilder,
} from "../src/index.js";

function expectThrows(
  fn: () => unknown,
): Error & { position?: { file: string; line?: number; column?: number }; details?: string } {
  try {
    fn();
  } catch (error) {
    return error as never;
  }
  throw new Error("expected an error");
}

describe("metric loaders", () => {
  it("flattens nested JSON (DVC style) and arrays to dot paths, reporting non-numeric leaves", () => {
    const loaded = parseMetrics(
      JSON.stringify({
        train: { loss: 0.1, acc: 0.9 },
        per_class: [{ f1: 0.5 }],
        note: "ok",
        flag: true,
        bad: null,
      }),
      "json",
      "m.json",
    );
    expect(loaded.metrics).toEqual({ "train.loss": 0.1, "train.acc": 0.9, "per_class.0.f1": 0.5 });
    expect(loaded.nonNumeric).toEqual([
      { path: "note", value: "ok" },
      { path: "flag", value: true },
      { path: "bad", value: null },
    ]);
  });

  it("reads YAML", () => {
    expect(parseMetrics("accuracy: 0.91\nlatency_ms:\n  p95: 12\n", "yaml", "m.yaml").metrics).toEqual({
      accuracy: 0.91,
      "latency_ms.p95": 12,
    });
  });

  it("reads CSV as header + last row, and as name,value rows", () => {
    expect(parseMetrics("epoch,loss,acc\n1,0.5,0.8\n2,0.3,0.9\n", "csv", "h.csv").metrics).toEqual({
      epoch: 2,
      loss: 0.3,
      acc: 0.9,
    });
    expect(parseMetrics("name,value\naccuracy,0.93\nf1,n/a\n", "csv", "nv.csv")).toMatchObject({
      metrics: { accuracy: 0.93 },
      nonNumeric: [{ path: "f1", value: "n/a" }],
    });
  });

  it("names file, line and column for malformed JSON and YAML, and rejects empty or non-object files", () => {
    const json = expectThrows(() => parseMetrics('{\n  "a": 1,\n  "b": }', "json", "bad.json"));
    expect(json).toBeInstanceOf(InputError);
    expect(json.message).toMatch(/^invalid JSON/);
    expect(json.position?.file).toBe("bad.json");
    const yaml = expectThrows(() => parseMetrics("a: 1\nb: [1, 2\n", "yaml", "bad.yaml"));
    expect(yaml.position?.file).toBe("bad.yaml");
    expect(yaml.position?.line).toBeGreaterThanOrEqual(2);
    expect(expectThrows(() => parseMetrics("  \n", "json", "e.json")).message).toMatch(/empty/);
    expect(expectThrows(() => parseMetrics("[1,2]", "json", "a.json")).message).toMatch(
      /expected an object of metrics/,
    );
    expect(expectThrows(() => parseMetrics("a,b\n1\n", "csv", "c.csv")).position).toEqual({
      file: "c.csv",
      line: 2,
    });
  });

  it("merges files and refuses a metric defined twice", () => {
    const dir = mkdtempSync(join(tmpdir(), "metrics-"));
    writeFileSync(join(dir, "a.json"), '{"accuracy": 0.9}');
    writeFileSync(join(dir, "b.yaml"), "f1: 0.8\n");
    writeFileSync(join(dir, "c.json"), '{"f1": 0.7}');
    expect(loadMetricsFiles([join(dir, "a.json"), join(dir, "b.yaml")]).metrics).toEqual({
      accuracy: 0.9,
      f1: 0.8,
    });
    expect(() => loadMetricsFiles([join(dir, "b.yaml"), join(dir, "c.json")])).toThrow(
      /"f1" is defined in both/,
    );
    expect(() => loadMetricsFiles([join(dir, "missing.json")])).toThrow(/metrics file not found/);
  });
});

describe("diffMetrics", () => {
  it("knows the goal: a rise improves a maximized metric and regresses a minimized one", () => {
    const diffs = diffMetrics(
      { acc: 0.9, loss: 0.2 },
      { acc: 0.95, loss: 0.3 },
      { acc: { goal: "maximize" }, loss: { goal: "minimize" } },
    );
    expect(diffs.map((d) => [d.name, d.verdict])).toEqual([
      ["acc", "improved"],
      ["loss", "regressed"],
    ]);
    expect(diffs[0]!.delta).toBeCloseTo(0.05, 12);
    expect(diffs[0]!.relative).toBeCloseTo(0.05 / 0.9, 12);
  });

  it("treats changes within an absolute or relative tolerance as unchanged, inclusive at the boundary", () => {
    const specs = {
      a: { goal: "maximize" as const, tolerance: { absolute: 0.5 } },
      r: { goal: "minimize" as const, tolerance: { relative: 0.1 } },
    };
    expect(diffMetrics({ a: 10, r: 100 }, { a: 9.5, r: 110 }, specs).map((d) => d.verdict)).toEqual([
      "unchanged",
      "unchanged",
    ]);
    expect(diffMetrics({ a: 10, r: 100 }, { a: 9.4, r: 111 }, specs).map((d) => d.verdict)).toEqual([
      "regressed",
      "regressed",
    ]);
  });

  it("reports added and removed metrics, zero baselines without Infinity, and goal-less changes", () => {
    const diffs = diffMetrics({ gone: 1, zero: 0, free: 1 }, { new: 2, zero: 0.5, free: 2 });
    expect(diffs).toEqual([
      { name: "free", base: 1, head: 2, delta: 1, relative: 1, verdict: "changed" },
      { name: "gone", base: 1, head: null, delta: null, relative: null, verdict: "removed" },
      { name: "new", base: null, head: 2, delta: null, relative: null, verdict: "added" },
      { name: "zero", base: 0, head: 0.5, delta: 0.5, relative: null, verdict: "changed" },
    ]);
  });

  it("uses the magnitude of a negative baseline for the relative change", () => {
    const [d] = diffMetrics({ m: -2 }, { m: -1 }, { m: { goal: "maximize" } });
    expect(d).toMatchObject({ delta: 1, relative: 0.5, verdict: "improved" });
  });
});

describe("number formatting", () => {
  it.each([
    [0.00001, "0.00001"],
    [0, "0"],
    [0.912345, "0.9123"],
    [123456.7, "123457"],
    [1.5, "1.5"],
    [-0.000123456, "-0.0001235"],
  ])("formats %s as %s", (x, expected) => {
    expect(formatNumber(x)).toBe(expected);
  });

  it("never shows a zero for a non-zero change and signs deltas", () => {
    expect(formatDelta(0.00001)).toBe("+0.00001");
    expect(formatDelta(-0.5)).toBe("-0.5");
    expect(formatDelta(0)).toBe("0");
    expect(formatPercent(0.0123)).toBe("+1.23%");
  });
});

describe("ReportBuilder", () => {
  it("keeps a huge report under the PR comment budget with valid markdown and a truncation note", () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [`metric_${i}`, "0.5", "0.6", "+0.1 | odd"]);
    const text = new ReportBuilder()
      .heading("Model report", 2, 10)
      .markdown("verdict line", 10)
      .table(["metric", "base", "head", "delta"], rows)
      .details("Raw", (d) => d.markdown("x".repeat(100_000)), { priority: 0 })
      .build({ budget: PR_COMMENT_BUDGET, reserve: 100 });
    expect(text.length).toBeLessThanOrEqual(PR_COMMENT_BUDGET.limit - 100);
    expect(text).toContain("verdict line");
    expect(text).toMatch(/more rows not shown/);
    expect((text.match(/<details/g) ?? []).length).toBe((text.match(/<\/details>/g) ?? []).length);
    const tableLines = text.split("\n").filter((line) => line.startsWith("|"));
    for (const line of tableLines) expect(line.split(/(?<!\\)\|/).length).toBe(6);
  });

  it("returns the whole report when it fits", () => {
    const text = new ReportBuilder()
      .markdown("a")
      .table(["x"], [["1"]])
      .build({ budget: { limit: 1000, unit: "chars", what: "test" } });
    expect(text).toBe("a\n\n| x  |\n| :- |\n| 1  |");
  });
});

describe("mlops.yml", () => {
  const valid = `version: 1
models:
  - name: fraud
    metrics: [metrics.json]
    metric_specs:
      f1: { goal: maximize, tolerance: "2%" }
      loss: { goal: minimize, tolerance: 0.01, unit: nats }
`;

  it("parses a valid config and derives metric specs", () => {
    const config = parseConfig(valid, "mlops.yml");
    expect(metricSpecsOf(config, config.models[0]!)).toEqual({
      f1: { goal: "maximize", tolerance: { relative: 0.02 } },
      loss: { goal: "minimize", unit: "nats", tolerance: { absolute: 0.01 } },
    });
  });

  it("reports schema errors at the right line and column", () => {
    const error = expectThrows(() => parseConfig(valid.replace("goal: maximize", "goal: max"), "mlops.yml"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('models[0].metric_specs.f1.goal: expected "maximize" or "minimize"');
    expect(error.position).toEqual({ file: "mlops.yml", line: 6, column: 19 });
    const name = expectThrows(() => parseConfig(valid.replace("name: fraud", "name: Fraud/X"), "mlops.yml"));
    expect(name.position).toEqual({ file: "mlops.yml", line: 3, column: 11 });
    const unknown = expectThrows(() => parseConfig(`${valid}    colour: red\n`, "mlops.yml"));
    expect(unknown.message).toBe('models[0]: unknown key "colour"');
  });

  it("reports YAML syntax errors with a position", () => {
    const error = expectThrows(() => parseConfig("version: 1\nmodels: [\n", "mlops.yml"));
    expect(error.message).toMatch(/^invalid YAML/);
    expect(error.position?.line).toBeGreaterThanOrEqual(2);
  });

  it("publishes a JSON Schema identical to the checked-in file", () => {
    const file = join(import.meta.dirname, "../../../schema/mlops.schema.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(configJsonSchema());
  });
});
