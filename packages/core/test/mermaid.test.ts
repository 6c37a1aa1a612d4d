/**
 * The shared Mermaid chart helpers (issue 16 item 4). What Mermaid actually draws from these blocks is
 * checked in a browser by test/mermaid-render.test.ts; here, the text they write.
 */
import { describe, expect, it } from "vitest";
import {
  binLabels,
  fitLabels,
  legendLine,
  MERMAID_INIT,
  maxLabelChars,
  mermaidBlocks,
  mermaidText,
  niceMax,
  numberLabels,
  PALETTE,
  shortNumber,
  timeLabels,
  uniqueLabels,
  xyChart,
} from "../src/index.js";

/** WCAG 2 contrast ratio of a `#RRGGBB` colour against white. */
function contrastOnWhite(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  return 1.05 / (l + 0.05);
}

describe("Mermaid labels", () => {
  it("writes numbers with 2 significant digits by default", () => {
    expect(shortNumber(-1.389)).toBe("-1.4");
    expect(shortNumber(0.01929)).toBe("0.019");
    expect(shortNumber(-0.2456, 3)).toBe("-0.246");
    expect(shortNumber(32_026)).toBe("32000");
    expect(shortNumber(Number.POSITIVE_INFINITY)).toBe("∞");
  });

  it('quotes text so Mermaid shows < > and " as themselves (entity codes), ≤ ≥ for <= >=', () => {
    expect(mermaidText('a < b > c "d" <= e >= f')).toBe('"a #lt; b #gt; c #quot;d#quot; ≤ e ≥ f"');
    expect(mermaidText("run #12; ok")).toBe('"run #35;12; ok"');
    expect(mermaidText("two\nlines")).toBe('"two lines"');
  });

  it("makes duplicate labels unique without colliding with existing ones", () => {
    expect(uniqueLabels(["a", "b", "a", "a (2)", "a"])).toEqual(["a", "b", "a (2)", "a (2) (2)", "a (3)"]);
  });

  it("names histogram bins by their upper edge, short, with more digits only where two would read alike", () => {
    const edges = [-1.389, -0.8416, -0.5244, -0.2395, 0.01929, 0.2533, 0.5244, 0.8416, 1.282];
    const labels = binLabels(edges);
    expect(labels).toEqual([
      "≤ -1.4",
      "≤ -0.84",
      "≤ -0.52",
      "≤ -0.24",
      "≤ 0.019",
      "≤ 0.25",
      "≤ 0.52",
      "≤ 0.84",
      "≤ 1.3",
      "≥ 1.3",
    ]);
    expect(Math.max(...labels.map((l) => l.length))).toBeLessThanOrEqual(maxLabelChars(labels.length));
    expect(binLabels([1.01, 1.02, 1.03])).toEqual(["≤ 1.01", "≤ 1.02", "≤ 1.03", "≥ 1.03"]);
    expect(binLabels([32_026, 39_084, 39_421])).toEqual(["≤ 32000", "≤ 39100", "≤ 39400", "≥ 39400"]);
    expect(binLabels([])).toEqual(["all"]);
  });

  it("writes numbers as labels with more digits only where two values would read alike", () => {
    expect(numberLabels([92.4, 98.1, 104.5, 115.2, 118.9, 125.3, 131.0, 134.8])).toEqual([
      "92.4",
      "98.1",
      "105",
      "115",
      "119",
      "125",
      "131",
      "135",
    ]);
    expect(numberLabels([0.05, 0.15, 0.25])).toEqual(["0.05", "0.15", "0.25"]);
    expect(numberLabels([1, 1, 2])).toEqual(["1", "1", "2"]);
  });

  it("gives points in time the shortest labels that keep them apart and fit", () => {
    expect(timeLabels(["2026-12-05T09:00:00Z", "2026-12-06T09:00:00Z"]).labels).toEqual(["12-05", "12-06"]);
    // two runs in the same minute stay two points
    const sameMinute = timeLabels(["2026-12-07 09:15:02", "2026-12-07 09:15:41"]);
    expect(sameMinute.labels).toEqual(["12-07 09:15:02", "12-07 09:15:41"]);
    expect(sameMinute.title).toBe("UTC, 2026-12-07 09:15:02 → 2026-12-07 09:15:41");
    // minute-precision labels from older histories: made unique
    expect(timeLabels(["2026-12-07 09:15", "2026-12-07 09:15"]).labels).toEqual([
      "12-07 09:15",
      "12-07 09:15 (2)",
    ]);
    // thirty runs a minute apart do not fit as times: run numbers, the span in the title
    const many = Array.from({ length: 30 }, (_, i) => `2026-12-07 09:${String(10 + i).padStart(2, "0")}:00`);
    const numbered = timeLabels(many);
    expect(numbered.labels).toEqual(many.map((_, i) => String(i + 1)));
    expect(numbered.title).toBe("run 1–30, UTC, 2026-12-07 09:10:00 → 2026-12-07 09:39:00");
  });

  it("cuts long category labels when that keeps them apart, else numbers them with a key", () => {
    const long = Array.from({ length: 11 }, (_, i) => `category-number-${i}-long`);
    const fit = fitLabels(long, "category");
    expect(fit.labels).toEqual(long.map((_, i) => String(i + 1)));
    expect(fit.title).toBe("category 1–11 (1 = category-number-0-long, 11 = category-number-10-long)");
    expect(fit.key?.split(" · ").slice(0, 2)).toEqual([
      "1 = `category-number-0-long`",
      "2 = `category-number-1-long`",
    ]);
    const cut = fitLabels(["Self-emp-not-inc", "Private", "Local-gov", "State-gov", "Without-pay"]);
    expect(cut.labels.every((l) => l.length <= maxLabelChars(5))).toBe(true);
    expect(new Set(cut.labels).size).toBe(5);
    // cut at the end they would read alike; cut in the middle they stay apart
    const plans = ["enterprise-annual", "enterprise-monthly", "legacy-2019", "legacy-2021"];
    const middle = fitLabels([...plans, ...Array.from({ length: 7 }, (_, i) => `p${i}`)]);
    expect(middle.labels.slice(0, 4)).toEqual(["ente…ual", "ente…hly", "lega…019", "lega…021"]);
    expect(middle.key).toBeUndefined();
    expect(fitLabels(["a", "b"])).toEqual({ labels: ["a", "b"] });
  });

  it("rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect([0, 0.07, 0.11, 0.22, 0.3, 7, 12].map(niceMax)).toEqual([1, 0.1, 0.2, 0.25, 0.5, 10, 20]);
  });
});

describe("xyChart", () => {
  const chart = xyChart({
    title: 'age: "reference" vs current',
    x: ["a", "b", "a"],
    xTitle: "bin",
    yTitle: "share",
    series: [
      { kind: "bar", name: "reference", values: [0.2, 0.5, 0.3] },
      { kind: "line", name: "current", values: [0.1, 0.4, 0.5] },
    ],
  });

  it("writes one xychart-beta block headed by the high-contrast theme, and a legend line under it", () => {
    expect(chart.split("\n")).toEqual([
      "```mermaid",
      MERMAID_INIT,
      "xychart-beta",
      '  title "age: #quot;reference#quot; vs current"',
      '  x-axis "bin" ["a", "b", "a (2)"]',
      '  y-axis "share" 0 --> 1',
      "  bar [0.2, 0.5, 0.3]",
      "  line [0.1, 0.4, 0.5]",
      "```",
      "",
      "🟦 reference (bars) · 🟧 current (line)",
    ]);
    expect(mermaidBlocks(chart)).toHaveLength(1);
    expect(mermaidBlocks(chart)[0]?.startsWith("%%{init:")).toBe(true);
  });

  it("sets the palette through Mermaid's xyChart theme variables, every colour ≥ 4.5:1 on white", () => {
    const init = JSON.parse(MERMAID_INIT.slice("%%{init: ".length, -"}%%".length)) as {
      theme: string;
      themeVariables: { xyChart: { plotColorPalette: string } };
    };
    expect(init.theme).toBe("base");
    const palette = init.themeVariables.xyChart.plotColorPalette.split(",").map((c) => c.trim());
    expect(palette).toEqual(PALETTE.map((p) => p.color));
    for (const color of palette) expect(contrastOnWhite(color)).toBeGreaterThanOrEqual(4.5);
  });

  it("draws numbered points too many for their digits as a numeric axis 1 → n", () => {
    const values = Array.from({ length: 60 }, (_, i) => i / 60);
    const fit = fitLabels(values.map((_, i) => `v${i + 1}`));
    const chart = xyChart({
      title: "t",
      x: fit.labels,
      yTitle: "y",
      series: [{ kind: "line", name: "s", values }],
    });
    expect(chart).toContain("  x-axis 1 --> 60\n");
    const few = xyChart({
      title: "t",
      x: ["1", "2"],
      yTitle: "y",
      series: [{ kind: "line", name: "s", values: [1, 2] }],
    });
    expect(few).toContain('  x-axis ["1", "2"]\n');
  });

  it("names each series with the square of its palette colour", () => {
    expect(
      legendLine([
        { kind: "line", name: "a" },
        { kind: "line", name: "b" },
        { kind: "bar", name: "c" },
      ]),
    ).toBe("🟦 a (line) · 🟧 b (line) · 🟩 c (bars)");
  });

  it("finds the ```mermaid blocks of a Markdown text, not fences shown inside another block", () => {
    const text = [
      "```mermaid",
      "pie",
      "```",
      "````markdown",
      "```mermaid",
      "info",
      "```",
      "````",
      "~~~mermaid",
      "xychart-beta",
      "~~~",
      "```ts",
      "x",
      "```",
    ].join("\n");
    expect(mermaidBlocks(text)).toEqual(["pie", "xychart-beta"]);
  });

  it("refuses series that do not match the labels, none, or more than the palette", () => {
    const base = { title: "t", x: ["a"], yTitle: "y" };
    expect(() => xyChart({ ...base, series: [] })).toThrow("xyChart: no series");
    expect(() => xyChart({ ...base, series: [{ kind: "bar", name: "s", values: [1, 2] }] })).toThrow(
      'xyChart: series "s" has 2 values for 1 labels',
    );
    const many = Array.from({ length: PALETTE.length + 1 }, (_, i) => ({
      kind: "line" as const,
      name: `s${i}`,
      values: [1],
    }));
    expect(() => xyChart({ ...base, series: many })).toThrow(`at most ${PALETTE.length}`);
  });
});

describe("xyChart with a numeric x axis", () => {
  it("writes `min --> max` and checks every series has the same number of points", () => {
    const chart = xyChart({
      title: "ROC",
      x: { min: 0, max: 1 },
      xTitle: "False positive rate",
      yTitle: "True positive rate",
      y: { min: 0, max: 1 },
      series: [
        { kind: "line", name: "candidate", values: [0, 0.8, 1] },
        { kind: "line", name: "chance", values: [0, 0.5, 1] },
      ],
    });
    expect(chart).toContain('  x-axis "False positive rate" 0 --> 1\n');
    expect(chart).toContain("  line [0, 0.8, 1]\n  line [0, 0.5, 1]\n");
    expect(() =>
      xyChart({
        title: "t",
        x: { min: 0, max: 1 },
        yTitle: "y",
        series: [
          { kind: "line", name: "a", values: [1, 2] },
          { kind: "line", name: "b", values: [1] },
        ],
      }),
    ).toThrow('xyChart: series "b" has 1 values for 2 points');
  });
});
