import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { alignPerExample, mulberry32, pairedBootstrap, parsePerExample } from "../src/gate/index.js";

describe("pairedBootstrap", () => {
  it("gives [0, 0] for identical vectors", () => {
    const xs = [0.1, 0.5, 0.9, 0.3, 0.7];
    expect(pairedBootstrap(xs, xs, { seed: 3 })).toMatchObject({ delta: 0, low: 0, high: 0 });
  });

  it("recovers a constant shift exactly", () => {
    const base = [1, 4, 2, 8, 5, 7];
    const head = base.map((x) => x + 0.25);
    const ci = pairedBootstrap(head, base, { seed: 1 });
    expect(ci.delta).toBeCloseTo(0.25, 12);
    expect(ci.low).toBeCloseTo(0.25, 12);
    expect(ci.high).toBeCloseTo(0.25, 12);
  });

  it("excludes 0 for a clear shift and the sample delta equals the known mean difference", () => {
    const random = mulberry32(42);
    const base = Array.from({ length: 300 }, () => random());
    const head = base.map((x) => x + 0.1 + (random() - 0.5) * 0.2);
    const diffs = head.map((h, i) => h - (base[i] as number));
    const meanDiff = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    const ci = pairedBootstrap(head, base, { seed: 5 });
    expect(ci.delta).toBeCloseTo(meanDiff, 12);
    expect(ci.low).toBeGreaterThan(0);
    expect(ci.low).toBeLessThan(ci.delta);
    expect(ci.high).toBeGreaterThan(ci.delta);
  });

  it("is deterministic by seed and varies across seeds", () => {
    const random = mulberry32(9);
    const base = Array.from({ length: 50 }, () => (random() < 0.7 ? 1 : 0));
    const head = Array.from({ length: 50 }, () => (random() < 0.75 ? 1 : 0));
    expect(pairedBootstrap(head, base, { seed: 11 })).toEqual(pairedBootstrap(head, base, { seed: 11 }));
    expect(pairedBootstrap(head, base, { seed: 11 }).low).not.toBe(
      pairedBootstrap(head, base, { seed: 12 }).low,
    );
  });

  it("has a standard error close to the analytic SE of a paired mean difference", () => {
    const random = mulberry32(2024);
    const n = 400;
    const base = Array.from({ length: n }, () => (random() < 0.8 ? 1 : 0));
    const head = base.map((b) => (random() < 0.1 ? 1 - b : b));
    const diffs = head.map((h, i) => h - (base[i] as number));
    const mean = diffs.reduce((a, b) => a + b, 0) / n;
    const variance = diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / n; // plug-in variance: what the bootstrap estimates
    const analytic = Math.sqrt(variance / n);
    const ci = pairedBootstrap(head, base, { seed: 1, iterations: 2000 });
    expect(Math.abs(ci.standardError - analytic) / analytic).toBeLessThan(0.1);
    // a 95% percentile interval is about ±1.96 SE wide
    expect((ci.high - ci.low) / (2 * 1.96 * analytic)).toBeGreaterThan(0.85);
    expect((ci.high - ci.low) / (2 * 1.96 * analytic)).toBeLessThan(1.15);
  });

  it("rejects unaligned input", () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(InputError);
  });
});

describe("per-example CSV", () => {
  it("parses ids and values, booleans and quoted fields", () => {
    const rows = parsePerExample('id,correct,text\na,1,"x, y"\nb,false,z\n"c",0.5,w\n', "head.csv", {
      idColumn: "id",
      valueColumn: "correct",
    });
    expect(rows).toEqual([
      { id: "a", value: 1 },
      { id: "b", value: 0 },
      { id: "c", value: 0.5 },
    ]);
  });

  it("reports bad values with file and line", () => {
    const run = () =>
      parsePerExample("id,v\na,1\nb,oops\n", "head.csv", { idColumn: "id", valueColumn: "v" });
    expect(run).toThrow(/expected a number in column "v", got "oops"/);
    try {
      run();
    } catch (error) {
      expect((error as InputError).position).toEqual({ file: "head.csv", line: 3 });
    }
    expect(() => parsePerExample("id,v\n", "x.csv", { idColumn: "id", valueColumn: "loss" })).toThrow(
      /column "loss" not found in x.csv/,
    );
    expect(() => parsePerExample("id,v\na,1\na,2\n", "x.csv", { idColumn: "id", valueColumn: "v" })).toThrow(
      /duplicate example id "a"/,
    );
  });

  it("aligns by id and names mismatched ids", () => {
    const aligned = alignPerExample(
      [
        { id: "a", value: 1 },
        { id: "b", value: 0 },
      ],
      [
        { id: "b", value: 1 },
        { id: "a", value: 0 },
      ],
    );
    expect(aligned).toEqual({ ids: ["a", "b"], head: [1, 0], base: [0, 1] });
    expect(() => alignPerExample([{ id: "a", value: 1 }], [{ id: "b", value: 1 }])).toThrow(
      "per-example results of head and baseline cover different examples (only in head: a; only in baseline: b)",
    );
  });
});
