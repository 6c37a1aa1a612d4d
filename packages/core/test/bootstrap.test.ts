import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { binomialDraw } from "../src/gate/bootstrap.js";
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

  it("resamples counts for few distinct differences, within Monte-Carlo error of resampling indices", () => {
    const random = mulberry32(77);
    const n = 10_000;
    const base = Array.from({ length: n }, () => (random() < 0.8 ? 1 : 0));
    const head = base.map((b) => (random() < 0.1 ? 1 - b : b));
    // (Speed is measured by bench/significance/run.sh, not here.)
    const counts = pairedBootstrap(head, base, { seed: 3, iterations: 20_000 });
    const indices = pairedBootstrap(head, base, { seed: 3, iterations: 4000, method: "indices" });
    expect(counts.delta).toBe(indices.delta);
    // Monte-Carlo error of the index path's 2.5%/97.5% quantiles with 4000 resamples is about
    // √(0.025·0.975/4000)/φ(1.96)·SE ≈ 0.043 SE, of its SE about 1/√(2·4000) ≈ 1.1%
    const se = counts.standardError;
    expect(Math.abs(counts.low - indices.low)).toBeLessThan(0.2 * se);
    expect(Math.abs(counts.high - indices.high)).toBeLessThan(0.2 * se);
    expect(Math.abs(indices.standardError - se) / se).toBeLessThan(0.05);
    // seed semantics hold on the counts path: same seed, same interval; another seed, another one
    const again = pairedBootstrap(head, base, { seed: 3, iterations: 2000 });
    expect(pairedBootstrap(head, base, { seed: 3, iterations: 2000 })).toEqual(again);
    // (resampled means are multiples of 1/n, so one bound may coincide across seeds; the SE does not)
    expect(pairedBootstrap(head, base, { seed: 4, iterations: 2000 }).standardError).not.toBe(
      again.standardError,
    );
  });

  it("keeps the index path's numbers: the inlined PRNG draws the same indices as mulberry32(seed)", () => {
    const random = mulberry32(5);
    const base = Array.from({ length: 300 }, () => random());
    const head = base.map((x) => x + (random() - 0.5) * 0.3);
    const reference = (seed: number, iterations: number): Float64Array => {
      const r = mulberry32(seed);
      const out = new Float64Array(iterations);
      for (let b = 0; b < iterations; b++) {
        let s = 0;
        for (let i = 0; i < head.length; i++) {
          const k = Math.floor(r() * head.length);
          s += (head[k] as number) - (base[k] as number);
        }
        out[b] = s / head.length;
      }
      return out.sort();
    };
    const sorted = reference(7, 1000);
    const ci = pairedBootstrap(head, base, { seed: 7, iterations: 1000 });
    // the percentile positions as the implementation computes them: (1000 − 1) · (1 − 0.95) / 2 and its mirror
    const at = (pos: number) =>
      (sorted[Math.floor(pos)] as number) +
      ((sorted[Math.ceil(pos)] as number) - (sorted[Math.floor(pos)] as number)) * (pos - Math.floor(pos));
    const alpha = (1 - 0.95) / 2;
    expect(ci.low).toBe(at(999 * alpha));
    expect(ci.high).toBe(at(999 * (1 - alpha)));
  });

  it("draws binomial counts with the exact distribution", () => {
    const random = mulberry32(123);
    // small n: every outcome's frequency against the pmf (chi-square, 5 dof, 0.1% critical value 20.5)
    const n = 5;
    const p = 0.3;
    const draws = 100_000;
    const seen = new Float64Array(n + 1);
    for (let i = 0; i < draws; i++) {
      const k = binomialDraw(n, p, random);
      seen[k] = (seen[k] as number) + 1;
    }
    let chi2 = 0;
    let choose = 1;
    for (let k = 0; k <= n; k++) {
      if (k > 0) choose = (choose * (n - k + 1)) / k;
      const expected = draws * choose * p ** k * (1 - p) ** (n - k);
      chi2 += ((seen[k] as number) - expected) ** 2 / expected;
    }
    expect(chi2).toBeLessThan(20.5);
    // large n (the path a million rows take): mean and variance
    let s = 0;
    let s2 = 0;
    const m = 20_000;
    for (let i = 0; i < m; i++) {
      const x = binomialDraw(1_000_000, 0.1, random);
      s += x;
      s2 += x * x;
    }
    const mean = s / m;
    expect(Math.abs(mean - 100_000) / Math.sqrt(90_000 / m)).toBeLessThan(4);
    expect(Math.abs((s2 / m - mean * mean) / 90_000 - 1)).toBeLessThan(0.05);
    expect(binomialDraw(7, 0, random)).toBe(0);
    expect(binomialDraw(7, 1, random)).toBe(7);
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
    // the same order pairs row by row, the same answer as by id
    const same = [
      { id: "a", value: 1 },
      { id: "b", value: 0 },
    ];
    expect(
      alignPerExample(same, [
        { id: "a", value: 0.5 },
        { id: "b", value: 1 },
      ]),
    ).toEqual({
      ids: ["a", "b"],
      head: [1, 0],
      base: [0.5, 1],
    });
    // a repeated head id cannot hide a baseline example
    expect(() =>
      alignPerExample(
        [
          { id: "a", value: 1 },
          { id: "a", value: 1 },
        ],
        [
          { id: "a", value: 1 },
          { id: "b", value: 1 },
        ],
      ),
    ).toThrow("(only in baseline: b)");
    expect(() => alignPerExample([{ id: "a", value: 1 }], [{ id: "b", value: 1 }])).toThrow(
      "per-example results of head and baseline cover different examples (only in head: a; only in baseline: b)",
    );
  });
});
