import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { profileFiles } from "../src/monitor.js";
import {
  EXACT_LIMIT,
  MAX_CATEGORIES,
  mergeProfiles,
  OTHER_CATEGORY,
  ProfileBuilder,
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

const profile = (parts: { x: unknown[]; c: unknown[] }[]) => {
  const builder = new ProfileBuilder();
  for (const p of parts) builder.add(["x", "c"], [p.x, p.c]);
  return builder.finish();
};

describe("profiles", () => {
  it("merge of shards equals the profile of the concatenation (exact values while small)", () => {
    const a = rows(300, 1);
    const b = rows(200, 2);
    const whole = profile([a, b]);
    const merged = mergeProfiles(profile([a]), profile([b]));
    expect(merged.rows).toBe(500);
    const wx = whole.columns.x;
    const mx = merged.columns.x;
    if (wx?.type !== "numerical" || mx?.type !== "numerical") throw new Error("expected numerical");
    expect(mx.count).toBe(wx.count);
    expect(mx.nulls).toBe(Math.ceil(300 / 17) + Math.ceil(200 / 17));
    expect(mx.nulls).toBe(wx.nulls);
    expect([mx.min, mx.max]).toEqual([wx.min, wx.max]);
    expect(mx.mean).toBeCloseTo(wx.mean, 10);
    expect(mx.m2 / mx.count).toBeCloseTo(wx.m2 / wx.count, 8);
    expect(mx.values).toEqual(wx.values);
    expect(mx.sketch).toEqual(wx.sketch);
    expect(merged.columns.c).toEqual(whole.columns.c);
  });

  it("merges shard files profiled separately like the concatenated file (sketch beyond the exact limit)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "monitor-profile-"));
    const make = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `${((from + i) * 0.37) % 91},k${(from + i) % 13}`);
    const half = EXACT_LIMIT - 100;
    writeFileSync(join(dir, "a.csv"), `x,c\n${make(0, half).join("\n")}\n`);
    writeFileSync(join(dir, "b.csv"), `x,c\n${make(half, half * 2).join("\n")}\n`);
    writeFileSync(join(dir, "all.csv"), `x,c\n${make(0, half * 2).join("\n")}\n`);
    const merged = mergeProfiles(
      await profileFiles([join(dir, "a.csv")]),
      await profileFiles([join(dir, "b.csv")]),
    );
    const whole = await profileFiles([join(dir, "all.csv")]);
    const [mx, wx] = [merged.columns.x, whole.columns.x];
    if (mx?.type !== "numerical" || wx?.type !== "numerical") throw new Error("expected numerical");
    expect(mx.values).toBeNull();
    expect(wx.values).toBeNull();
    expect(mx.sketch).toEqual(wx.sketch);
    expect(mx.mean).toBeCloseTo(wx.mean, 9);
    expect(merged.columns.c).toEqual(whole.columns.c);
    expect(merged.rows).toBe(whole.rows);
  });

  it("computes mean and variance like a two-pass algorithm", () => {
    const a = rows(300, 1);
    const p = profile([a]).columns.x;
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

  it("gives an all-null column a defined, empty profile", () => {
    const builder = new ProfileBuilder({ x: "numerical" });
    builder.add(["x"], [["", "NA", null]]);
    expect(builder.finish().columns.x).toMatchObject({
      count: 0,
      nulls: 3,
      min: null,
      max: null,
      values: [],
    });
  });
});
