import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  chiSquareGoodnessOfFit,
  jensenShannon,
  wasserstein,
  zTestProportions,
} from "../src/stats/distances.js";
import { ksTwoSample } from "../src/stats/ks.js";

interface Reference {
  ks: { name: string; a: number[]; b: number[]; statistic: number; p_value: number }[];
  wasserstein: { name: string; a: number[]; b: number[]; distance: number }[];
  jensenshannon: { p: number[]; q: number[]; distance: number }[];
  chisquare: { ref: number[]; cur: number[]; statistic: number; p_value: number }[];
  ztest: {
    ref_hits: number;
    ref_n: number;
    cur_hits: number;
    cur_n: number;
    statistic: number;
    p_value: number;
  }[];
}
const ref = JSON.parse(readFileSync(new URL("./scipy/reference.json", import.meta.url), "utf8")) as Reference;
const sorted = (xs: number[]) => Float64Array.from(xs).sort();
const relClose = (actual: number, expected: number, rel: number, abs = 1e-15) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(abs, rel * Math.abs(expected)));

describe("KS two-sample vs scipy ks_2samp(method='auto')", () => {
  for (const c of ref.ks) {
    it(c.name, () => {
      const r = ksTwoSample(sorted(c.a), sorted(c.b));
      relClose(r.statistic, c.statistic, 1e-12);
      if (r.method === "exact") relClose(r.pValue, c.p_value, 1e-9, 1e-13);
      // asymptotic: corrected Kolmogorov limit vs scipy kstwo(round(en)): 5% relative or 1e-6 absolute
      else relClose(r.pValue, c.p_value, 0.05, 1e-6);
    });
  }
  it("empty samples give a defined result", () => {
    expect(ksTwoSample(new Float64Array(), sorted([1, 2]))).toEqual({
      statistic: 0,
      pValue: 1,
      method: "exact",
    });
  });
});

describe("distances vs scipy", () => {
  for (const c of ref.wasserstein)
    it(`wasserstein ${c.name}`, () => relClose(wasserstein(sorted(c.a), sorted(c.b)), c.distance, 1e-10));
  for (const c of ref.jensenshannon)
    it(`jensenshannon ${c.p}`, () => relClose(jensenShannon(c.p, c.q), c.distance, 1e-10));
  for (const c of ref.chisquare)
    it(`chisquare ${c.cur}`, () => {
      const r = chiSquareGoodnessOfFit(c.ref, c.cur);
      relClose(r.statistic, c.statistic, 1e-10);
      relClose(r.pValue, c.p_value, 1e-9);
    });
  for (const c of ref.ztest)
    it(`z-test ${c.cur_hits}/${c.cur_n}`, () => {
      const r = zTestProportions(c.ref_hits, c.ref_n, c.cur_hits, c.cur_n);
      relClose(r.statistic, c.statistic, 1e-10);
      relClose(r.pValue, c.p_value, 1e-9);
    });
  it("unseen categories and single-value columns are finite", () => {
    const r = chiSquareGoodnessOfFit([10, 0], [5, 5]);
    expect(Number.isFinite(r.statistic)).toBe(true);
    expect(zTestProportions(10, 10, 5, 5)).toEqual({ statistic: 0, pValue: 1 });
  });
});
