import { describe, expect, it } from "vitest";
import { compareProfiles, diffReports } from "../src/compare.js";
import { ProfileBuilder } from "../src/profile.js";
import { checkXyChart, distributionChart, driftHistoryChart, renderMarkdown } from "../src/render.js";

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
    expect(diffReports(before, after)).toEqual({ newlyDrifted: ["x"], cleared: [], stillDrifting: [] });
    expect(diffReports(after, before)).toEqual({ newlyDrifted: [], cleared: ["x"], stillDrifting: [] });
  });

  it("renders markdown and structurally valid Mermaid charts", () => {
    const md = renderMarkdown(compareProfiles(reference, current));
    expect(md).toContain("Dataset drift detected");
    expect(md).toContain("| x | numerical | ks |");
    expect(md).toContain("<details>");
    expect(checkXyChart(distributionChart("x", ["0-10", "10-20"], [0.5, 0.5], [0.2, 0.8]))).toEqual([]);
    expect(
      checkXyChart(
        driftHistoryChart([
          { label: "d1", drift_share: 0.1 },
          { label: "d2", drift_share: 0.6 },
        ]),
      ),
    ).toEqual([]);
    expect(checkXyChart("```mermaid\nxychart-beta\n  bar [1, x]\n```")).not.toEqual([]);
  });
});
