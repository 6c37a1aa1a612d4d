import { describe, expect, it } from "vitest";
import {
  MAX_CATEGORIES,
  mergeProfiles,
  OTHER_CATEGORY,
  ProfileBuilder,
  sortedSample,
} from "../src/profile.js";

function rows(n: number, seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const x: unknown[] = [];
  const c: unknown[] = [];
  for (let i = 0; i < n; i++) {
    x.push(i % 17 === 0 ? "NA" : String((rnd() * 100).toFixed(3)));
    c.push(["a", "b", "c", ""][Math.floor(rnd() * 4)]);
  }
  return { x, c };
}

describe("profiles", () => {
  const a = rows(300, 1);
  const b = rows(200, 2);
  const profile = (parts: { x: unknown[]; c: unknown[] }[], ordinals: number[]) => {
    const builder = new ProfileBuilder();
    parts.forEach((p, i) => {
      builder.add(["x", "c"], [p.x, p.c], ordinals[i]);
    });
    return builder.finish();
  };

  it("merge of shards equals the profile of the concatenation", () => {
    const whole = profile([a, b], [0, 300]);
    const merged = mergeProfiles(profile([a], [0]), profile([b], [300]));
    expect(merged.rows).toBe(500);
    const wx = whole.columns.x;
    const mx = merged.columns.x;
    if (wx?.type !== "numerical" || mx?.type !== "numerical") throw new Error("expected numerical");
    expect(mx.count).toBe(wx.count);
    expect(mx.nulls).toBe(wx.nulls);
    expect(mx.nulls).toBe(Math.ceil(300 / 17) + Math.ceil(200 / 17));
    expect([mx.min, mx.max]).toEqual([wx.min, wx.max]);
    expect(mx.mean).toBeCloseTo(wx.mean, 10);
    expect(mx.m2 / mx.count).toBeCloseTo(wx.m2 / wx.count, 8);
    expect(sortedSample(mx)).toEqual(sortedSample(wx));
    expect(merged.columns.c).toEqual(whole.columns.c);
  });

  it("computes mean and variance like a two-pass algorithm", () => {
    const p = profile([a], [0]).columns.x;
    if (p?.type !== "numerical") throw new Error("expected numerical");
    const xs = a.x.filter((v) => v !== "NA").map(Number);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
    expect(p.mean).toBeCloseTo(mean, 10);
    expect(p.m2 / p.count).toBeCloseTo(variance, 8);
  });

  it("counts empty categorical values as nulls and caps categories", () => {
    const builder = new ProfileBuilder();
    const values = Array.from({ length: MAX_CATEGORIES + 5 }, (_, i) => `k${i}`);
    builder.add(["c"], [[...values, ""]]);
    const c = builder.finish().columns.c;
    if (c?.type !== "categorical") throw new Error("expected categorical");
    expect(c.nulls).toBe(1);
    expect(Object.keys(c.frequencies)).toHaveLength(MAX_CATEGORIES + 1);
    expect(c.frequencies[OTHER_CATEGORY]).toBe(5);
  });
});
