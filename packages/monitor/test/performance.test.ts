import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { comparePerformance, mergePerformance, metricsOf, PerformanceBuilder } from "../src/performance.js";

interface Reference {
  binary: {
    y: number[];
    score: number[];
    accuracy: number;
    precision: number;
    recall: number;
    f1: number;
    roc_auc: number;
  }[];
  multiclass: {
    y: string[];
    pred: string[];
    accuracy: number;
    precision: number;
    recall: number;
    f1: number;
  }[];
  regression: { y: number[]; pred: number[]; mae: number; rmse: number; r2: number }[];
}
const ref = JSON.parse(
  readFileSync(new URL("./sklearn/reference.json", import.meta.url), "utf8"),
) as Reference;

function state(y: unknown[], pred: unknown[], extra: { ts?: string[] } = {}) {
  const b = new PerformanceBuilder({
    target: "y",
    prediction: "p",
    ...(extra.ts ? { timestamp: "ts" } : {}),
  });
  b.add(["y", "p", ...(extra.ts ? ["ts"] : [])], [y, pred, ...(extra.ts ? [extra.ts] : [])]);
  const s = b.finish();
  if (!s) throw new Error("no state");
  return s;
}

describe("performance vs scikit-learn", () => {
  it("binary classification from probabilities (ties included)", () => {
    for (const c of ref.binary) {
      const m = metricsOf(state(c.y, c.score).overall);
      expect(m).toMatchObject({ task: "classification", rows: c.y.length });
      if (m.task !== "classification") throw new Error();
      for (const k of ["accuracy", "precision", "recall", "f1", "roc_auc"] as const)
        expect(m[k]).toBeCloseTo(c[k], 12);
    }
  });

  it("multiclass labels, macro averages", () => {
    for (const c of ref.multiclass) {
      const m = metricsOf(state(c.y, c.pred).overall);
      if (m.task !== "classification") throw new Error("expected classification");
      for (const k of ["accuracy", "precision", "recall", "f1"] as const) expect(m[k]).toBeCloseTo(c[k], 12);
      expect(m.roc_auc).toBeNull();
    }
  });

  it("regression, also after merging shards", () => {
    for (const c of ref.regression) {
      const whole = metricsOf(state(c.y, c.pred).overall);
      const half = c.y.length / 2;
      const merged = mergePerformance(
        state(c.y.slice(0, half), c.pred.slice(0, half)),
        state(c.y.slice(half), c.pred.slice(half)),
      );
      for (const m of [whole, metricsOf(merged?.overall as never)]) {
        if (m.task !== "regression") throw new Error("expected regression");
        expect(m.mae).toBeCloseTo(c.mae, 10);
        expect(m.rmse).toBeCloseTo(c.rmse, 10);
        expect(m.r2).toBeCloseTo(c.r2, 10);
      }
    }
  });

  it("chunks by day and compares with the reference", () => {
    const c = ref.binary[1] as Reference["binary"][number];
    const ts = c.y.map((_, i) => `2026-03-0${1 + (i % 3)}T12:00:00Z`);
    const cur = state(c.y, c.score, { ts });
    const base = state(c.y.slice(0, 100), c.score.slice(0, 100));
    const report = comparePerformance(base, cur);
    expect(report.chunk).toBe("day");
    expect(report.chunks.map((x) => x.period)).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
    expect(report.chunks.reduce((s, x) => s + x.metrics.rows, 0)).toBe(c.y.length);
    expect(report.delta.accuracy).toBeCloseTo(
      c.accuracy - (metricsOf(base.overall) as { accuracy: number }).accuracy,
      12,
    );
    // 2026-03-01 is a Sunday: ISO weeks start on Monday
    expect(comparePerformance(undefined, cur, "week").chunks.map((x) => x.period)).toEqual([
      "2026-02-23",
      "2026-03-02",
    ]);
  });
});
