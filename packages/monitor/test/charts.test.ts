/**
 * The monitoring charts read well (issue 16 item 4): short bin labels without `<` (Mermaid shows it as
 * `&lt;`), labels that fit the axis, one point per run even within a minute, the high-contrast palette,
 * and a legend. test/mermaid-render.test.ts draws these same outputs with real Mermaid and measures them.
 */
import { legendLine, MERMAID_INIT, maxLabelChars, mermaidBlocks } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { compareProfiles } from "../src/compare.js";
import { composeIssue } from "../src/issue-report.js";
import { ProfileBuilder } from "../src/profile.js";
import { renderMarkdown } from "../src/render.js";

/** Deterministic standard-normal-ish values (Box–Muller over a small LCG). */
function normal(n: number, seed: number, shift = 0): string[] {
  let s = seed;
  const u = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (s + 1) / 2_147_483_649;
  };
  return Array.from({ length: n }, () =>
    String(shift + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())),
  );
}

function profile(values: string[], cats: string[]) {
  const b = new ProfileBuilder();
  b.add(["score", "plan"], [values, cats]);
  return b.finish();
}

const reference = profile(
  normal(2_000, 1),
  Array.from({ length: 2_000 }, (_, i) => ["basic", "premium", "enterprise"][i % 3] as string),
);
const current = profile(
  normal(2_000, 2, 0.8),
  Array.from({ length: 2_000 }, (_, i) => ["basic", "premium", "enterprise"][i % 2] as string),
);
const report = compareProfiles(reference, current, { now: new Date("2026-12-07T09:15:02Z") });
const markdown = renderMarkdown(report, { profiles: { reference, current } });
const xLabels = (block: string) => {
  const line = block.split("\n").find((l) => l.trim().startsWith("x-axis")) ?? "";
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)]
    .map((m) => m[1] as string)
    .slice(line.includes('" [') ? 1 : 0);
};

describe("monitoring charts (issue 16 item 4)", () => {
  const blocks = mermaidBlocks(markdown);
  const score = blocks.find((b) => b.includes("score: reference vs current")) ?? "";

  it("draws the drifted numerical column with short bin labels: no `<`, 2–3 significant digits", () => {
    expect(score).not.toBe("");
    const labels = xLabels(score);
    expect(labels).toHaveLength(10);
    for (const label of labels) {
      expect(label).not.toMatch(/[<>]/);
      expect(label).toMatch(/^[≤≥] -?\d+(\.\d+)?$/);
      // at most 3 significant digits
      expect(label.replace(/[^\d]/g, "").replace(/^0+/, "").length).toBeLessThanOrEqual(3);
    }
  });

  it("keeps every x label within what fits one band of the axis", () => {
    for (const block of blocks) {
      const labels = xLabels(block);
      expect(Math.max(...labels.map((l) => [...l].length))).toBeLessThanOrEqual(maxLabelChars(labels.length));
    }
  });

  it("heads every chart with the high-contrast palette and follows it with a legend line", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) expect(block.split("\n")[0]).toBe(MERMAID_INIT);
    const legend = legendLine([
      { kind: "bar", name: "reference" },
      { kind: "line", name: "current" },
    ]);
    expect(legend).toBe("🟦 reference (bars) · 🟧 current (line)");
    expect(markdown.split(`\`\`\`\n\n${legend}\n`)).toHaveLength(blocks.length + 1);
  });

  it("keeps two runs in the same minute as two points of the drift history", () => {
    const first = composeIssue("churn", { ...report, generated_at: "2026-12-07T09:15:02Z" }, undefined);
    const second = composeIssue(
      "churn",
      { ...report, drift_share: 0, generated_at: "2026-12-07T09:15:41Z" },
      `${first.body}\n${first.trailer}`,
    );
    const history = mermaidBlocks(second.body).find((b) => b.includes("Drift share over time")) ?? "";
    const labels = xLabels(history);
    expect(labels).toHaveLength(2);
    expect(new Set(labels).size).toBe(2);
    expect(history).toContain(`line [${report.drift_share}, 0]`);
  });
});
