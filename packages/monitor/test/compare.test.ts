import { describe, expect, it } from "vitest";
import { compareProfiles, DRIFT_TESTS, diffReports } from "../src/compare.js";
import { EXACT_LIMIT, ProfileBuilder } from "../src/profile.js";
import { driftHeadline, renderMarkdown } from "../src/render.js";
import { ksTwoSample } from "../src/stats/ks.js";

function build(cols: Record<string, unknown[]>) {
  const b = new ProfileBuilder();
  b.add(Object.keys(cols), Object.values(cols));
  return b.finish();
}
const seq = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));

describe("compareProfiles", () => {
  const reference = build({
    x: seq(200, (i) => String(i % 50)),
    c: seq(200, (i) => ["a", "b", "c"][i % 3]),
    gone: seq(200, () => "1"),
  });
  const current = build({
    x: seq(200, (i) => String((i % 50) + 30)),
    c: seq(200, (i) => ["a", "b", "c"][i % 3]),
    extra: seq(200, () => ""),
  });

  it("flags drifted columns with the default tests and reports schema changes", () => {
    const r = compareProfiles(reference, current, { now: new Date(0) });
    const x = r.columns.find((c) => c.name === "x");
    const c = r.columns.find((c) => c.name === "c");
    expect(x).toMatchObject({ test: "ks", drifted: true });
    expect(x?.p_value).toBeLessThan(1e-10);
    expect(c).toMatchObject({ test: "chisquare", statistic: 0, p_value: 1, drifted: false });
    expect(r.drift_share).toBe(0.5);
    expect(r.dataset_drift).toBe(true);
    expect(r.findings.map((f) => [f.kind, f.column])).toEqual([
      ["missing_column", "gone"],
      ["new_column", "extra"],
    ]);
  });

  it("honours per-column test overrides and yields finite numbers", () => {
    const r = compareProfiles(reference, current, { tests: { x: "psi", c: "jensenshannon" } });
    for (const col of r.columns) expect(Number.isFinite(col.statistic)).toBe(true);
    expect(r.columns.find((c) => c.name === "x")).toMatchObject({
      test: "psi",
      p_value: null,
      drifted: true,
    });
  });

  it("diffs reports", () => {
    const before = compareProfiles(reference, reference);
    const after = compareProfiles(reference, current);
    expect(diffReports(before, after)).toEqual({
      newlyDrifted: ["x"],
      cleared: [],
      stillDrifting: [],
      datasetDriftCleared: false,
      datasetDriftStarted: true,
    });
    expect(diffReports(after, before)).toMatchObject({
      newlyDrifted: [],
      cleared: ["x"],
      datasetDriftCleared: true,
    });
  });

  it("renders markdown (the charts are rendered by real Mermaid in test/mermaid-render.test.ts)", () => {
    const md = renderMarkdown(compareProfiles(reference, current));
    expect(md).toContain("Dataset drift detected");
    expect(md).toContain("| x | numerical | ks |");
    expect(md).toContain("<details>");
  });
});

describe("corrections and degenerate columns", () => {
  // four numerical columns with known KS p-values: two clearly shifted, one borderline, one equal
  const n = 200;
  const base = seq(n, (i) => String(i));
  const shifted = (by: number) => seq(n, (i) => String(i + by));
  const reference = build({ a: base, b: base, c: base, d: base });
  const current = build({ a: shifted(60), b: shifted(40), c: shifted(27), d: base });

  it("applies Bonferroni (threshold / m) and Benjamini–Hochberg (step-up) to the p-value tests", () => {
    const none = compareProfiles(reference, current);
    const p = Object.fromEntries(none.columns.map((c) => [c.name, c.p_value as number]));
    const expectDrift = (r: typeof none, names: string[]) =>
      expect(r.columns.filter((c) => c.drifted).map((c) => c.name)).toEqual(names);
    const bonf = compareProfiles(reference, current, { correction: "bonferroni" });
    expectDrift(
      bonf,
      Object.keys(p).filter((k) => (p[k] as number) <= 0.05 / 4),
    );
    expect(bonf.columns[0]?.threshold).toBe(0.05 / 4);
    // BH by hand: largest k with p_(k) <= k/m * 0.05
    const sorted = Object.entries(p).sort((x, y) => x[1] - y[1]);
    let k = 0;
    sorted.forEach(([, v], i) => {
      if (v <= ((i + 1) / 4) * 0.05) k = i + 1;
    });
    const bh = compareProfiles(reference, current, { correction: "bh" });
    expectDrift(
      bh,
      sorted
        .slice(0, k)
        .map(([name]) => name)
        .sort(),
    );
    expect(bh.correction).toBe("bh");
    expect(k).toBeGreaterThan(0);
  });

  it("reports unseen categories, empty and single-value columns with defined numbers", () => {
    const ref = build({
      cat: seq(100, (i) => ["a", "b", "c"][i % 3]),
      empty: seq(100, (i) => String(i)),
      one: seq(100, () => "5"),
    });
    const cur = build({
      cat: seq(100, (i) => ["a", "b", "zebra"][i % 3]),
      empty: seq(100, () => ""),
      one: seq(100, () => "5"),
    });
    const r = compareProfiles(ref, cur);
    for (const c of r.columns) {
      expect(Number.isFinite(c.statistic)).toBe(true);
      if (c.p_value !== null) expect(Number.isFinite(c.p_value)).toBe(true);
    }
    expect(r.columns.find((c) => c.name === "cat")).toMatchObject({ test: "chisquare", drifted: true });
    expect(r.columns.find((c) => c.name === "empty")).toMatchObject({
      drifted: false,
      statistic: 0,
      note: "no values in the current data",
    });
    expect(r.columns.find((c) => c.name === "one")).toMatchObject({ statistic: 0, drifted: false });
    expect(r.findings.map((f) => [f.kind, f.column])).toEqual([
      ["unseen_categories", "cat"],
      ["null_share", "empty"],
    ]);
    expect(r.findings[0]?.message).toContain("zebra");
  });

  it("a column of nulls is not tested and does not dilute the drift share (1 of 2 tested drifted is 50%)", () => {
    const ref = build({
      a: seq(200, (i) => String(i)),
      b: seq(200, (i) => String(i)),
      n1: seq(200, () => ""),
      n2: seq(200, () => "NA"),
    });
    const cur = build({
      a: seq(200, (i) => String(i + 150)),
      b: seq(200, (i) => String(i)),
      n1: seq(200, () => ""),
      n2: seq(200, () => "NA"),
    });
    const r = compareProfiles(ref, cur);
    expect(r.columns.map((c) => [c.name, c.drifted, c.note ?? null])).toEqual([
      ["a", true, null],
      ["b", false, null],
      ["n1", false, "no values in the reference data"],
      ["n2", false, "no values in the reference data"],
    ]);
    expect(r.drift_share).toBe(0.5);
    expect(r.dataset_drift).toBe(true);
    expect(driftHeadline(r)).toBe(
      "Dataset drift detected: 1 of 2 columns drifted (2 not tested: no values on one side) (threshold 50% reached)",
    );
  });

  it("reports retyped columns and keeps KS from sketches close to the exact statistic", () => {
    const r = compareProfiles(build({ x: seq(10, String) }), build({ x: seq(10, (i) => `v${i}`) }));
    expect(r.findings).toEqual([
      { kind: "retyped_column", column: "x", message: 'column "x" changed type: numerical → categorical' },
    ]);
    // above EXACT_LIMIT only sketches remain: D read from them vs D on all values
    const m = EXACT_LIMIT + 5000;
    let s = 3;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const a = seq(m, () => 100 + Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd()));
    const b = seq(m, () => 100.05 + Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd()));
    const sketched = compareProfiles(build({ x: a }), build({ x: b }), { test: "ks" }).columns[0];
    const exact = ksTwoSample(
      Float64Array.from(a as number[]).sort(),
      Float64Array.from(b as number[]).sort(),
    );
    expect(Math.abs((sketched?.statistic as number) - exact.statistic)).toBeLessThan(2e-3);
  });
});

describe("drift test table", () => {
  const reference = build({
    n: seq(200, (i) => String(i % 50)),
    c: seq(200, (i) => ["a", "b", "c"][i % 3]),
  });
  const current = build({
    n: seq(200, (i) => String((i % 50) + 30)),
    c: seq(200, (i) => ["b", "b", "c"][i % 3]),
  });

  it("refuses an unknown test name instead of falling through to another test", () => {
    const unknown = "kolmogorov" as never;
    const message =
      'drift test for column "n": expected one of ks, wasserstein, psi, jensenshannon, chisquare, z, got "kolmogorov"';
    expect(() => compareProfiles(reference, current, { test: unknown })).toThrow(message);
    expect(() => compareProfiles(reference, current, { testNumerical: unknown })).toThrow(message);
    expect(() => compareProfiles(reference, current, { tests: { c: unknown } })).toThrow(
      'drift test for column "c": expected one of ks, wasserstein, psi, jensenshannon, chisquare, z, got "kolmogorov"',
    );
    expect(() => compareProfiles(reference, current, { tests: { n: "toString" as never } })).toThrow(
      'got "toString"',
    );
  });

  it.each([...DRIFT_TESTS])("%s runs on numerical and categorical columns and finds the shift", (test) => {
    const r = compareProfiles(reference, current, { test, now: new Date(0) });
    const n = r.columns.find((c) => c.name === "n");
    const c = r.columns.find((c) => c.name === "c");
    expect(n?.test).toBe(test);
    expect(c?.test).toBe(test === "wasserstein" ? "jensenshannon" : test);
    for (const col of [n, c]) {
      expect(Number.isFinite(col?.statistic)).toBe(true);
      expect(col?.drifted).toBe(true);
    }
    expect(n?.p_value === null).toBe(!["ks", "chisquare", "z"].includes(test));
  });
});
