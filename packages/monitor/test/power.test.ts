/**
 * Tiny samples: a column with fewer than `min_values` non-null values on a side is "not tested (too few
 * rows …)", left out of the drift share, and a report in which no column was tested is never "No drift".
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError, parseConfig } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { compareProfiles, DEFAULT_MIN_VALUES } from "../src/compare.js";
import { monitorOptionsFromConfig } from "../src/config.js";
import { monitor } from "../src/monitor.js";
import { ProfileBuilder } from "../src/profile.js";
import { driftHeadline, driftIcon, renderHtml, renderMarkdown } from "../src/render.js";

function build(cols: Record<string, unknown[]>) {
  const b = new ProfileBuilder();
  b.add(Object.keys(cols), Object.values(cols));
  return b.finish();
}
const seq = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
const side = (n: number, shift = 0) =>
  build({ x: seq(n, (i) => String(i + shift)), c: seq(n, (i) => ["a", "b", "c"][i % 3]) });

describe("drift tests on too few rows", () => {
  it("one row per side: no column is tested, and the verdict is not 'No drift'", () => {
    const r = compareProfiles(side(1), side(1, 1000));
    expect(r.columns.map((c) => [c.name, c.drifted, c.note])).toEqual([
      ["x", false, "too few rows: 1 reference, 1 current; need ≥ 30"],
      ["c", false, "too few rows: 1 reference, 1 current; need ≥ 30"],
    ]);
    expect(r.dataset_drift).toBe(false);
    expect(driftHeadline(r)).toBe(
      "Nothing was tested: no column had enough values on both sides (2 not tested: too few rows)",
    );
    expect(driftIcon(r)).toBe("⚠️");
    const md = renderMarkdown(r);
    expect(md).not.toMatch(/no drift/i);
    expect(md).toContain("| not tested (too few rows: 1 reference, 1 current; need ≥ 30) |");
    expect(renderHtml(r)).toContain("<td>not tested (too few rows: 1 reference, 1 current; need ≥ 30)</td>");
  });

  it("five rows on one side: the column is not tested even though the other side is large", () => {
    const r = compareProfiles(side(500), side(5, 1000));
    expect(r.columns.map((c) => c.note)).toEqual([
      "too few rows: 500 reference, 5 current; need ≥ 30",
      "too few rows: 500 reference, 5 current; need ≥ 30",
    ]);
    expect(r.columns.some((c) => c.drifted)).toBe(false);
  });

  it("borderline: 29 values are too few, 30 are tested", () => {
    expect(DEFAULT_MIN_VALUES).toBe(30);
    const below = compareProfiles(side(29), side(29, 1000));
    expect(below.columns.every((c) => c.note?.startsWith("too few rows: 29 reference, 29 current"))).toBe(
      true,
    );
    const at = compareProfiles(side(30), side(30, 1000));
    expect(at.columns.map((c) => [c.name, c.drifted, c.note ?? null])).toEqual([
      ["x", true, null],
      ["c", false, null],
    ]);
    expect(driftHeadline(at)).toBe("Dataset drift detected: 1 of 2 columns drifted (threshold 50% reached)");
  });

  it("nulls do not count: 40 rows of which 20 are null on a side is too few", () => {
    const ref = build({ x: seq(40, (i) => String(i)), y: seq(40, (i) => String(i)) });
    const cur = build({ x: seq(40, (i) => (i % 2 ? "" : String(i + 1000))), y: seq(40, (i) => String(i)) });
    const r = compareProfiles(ref, cur);
    expect(r.columns.map((c) => [c.name, c.note ?? null])).toEqual([
      ["x", "too few rows: 40 reference, 20 current; need ≥ 30"],
      ["y", null],
    ]);
    // the untested column does not dilute the share: 0 of 1 tested, not 0 of 2
    expect(r.drift_share).toBe(0);
    expect(driftHeadline(r)).toBe("No drift: 0 of 1 column drifted (1 not tested: too few rows)");
  });

  it("a normal sample is unchanged, and min_values from mlops.yml moves the threshold", () => {
    const normal = compareProfiles(side(200), side(200, 150));
    expect(normal.columns.map((c) => [c.name, c.drifted, c.note ?? null])).toEqual([
      ["x", true, null],
      ["c", false, null],
    ]);
    const config = parseConfig(
      "version: 1\nmodels:\n  - name: m\n    monitoring:\n      min_values: 5\n",
      "mlops.yml",
    );
    const options = monitorOptionsFromConfig(config.models[0]?.monitoring);
    expect(options.minValues).toBe(5);
    const five = compareProfiles(side(5), side(5, 1000), options);
    expect(five.columns.map((c) => c.note ?? null)).toEqual([null, null]);
    const four = compareProfiles(side(4), side(4, 1000), options);
    expect(four.columns.map((c) => c.note)).toEqual([
      "too few rows: 4 reference, 4 current; need ≥ 5",
      "too few rows: 4 reference, 4 current; need ≥ 5",
    ]);
  });
});

describe("monitor() on tiny files", () => {
  const dir = mkdtempSync(join(tmpdir(), "monitor-power-"));
  const write = (name: string, rows: number, shift: number) => {
    const path = join(dir, name);
    writeFileSync(path, `x,c\n${seq(rows, (i) => `${i + shift},${"abc"[i % 3]}`).join("\n")}\n`);
    return path;
  };

  it("5 rows per side: refuses to report, naming the column and the counts (exit 2 as bad input)", async () => {
    const err = await monitor([write("ref5.csv", 5, 0)], [write("cur5.csv", 5, 1000)]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      "nothing was compared: none of the 2 column(s) in common could be tested (x: too few rows: 5 reference, 5 current; need ≥ 30; c: too few rows: 5 reference, 5 current; need ≥ 30)",
    );
  });
});
