import { describe, expect, it } from "vitest";
import {
  CHECK_OUTPUT_BUDGET,
  collectGateRules,
  cutToBudget,
  fitJobSummary,
  JOB_SUMMARY_BUDGET,
  measure,
  PR_COMMENT_BUDGET,
  RELEASE_BODY_BUDGET,
  ReportBuilder,
  renderGateReport,
  runGate,
} from "../src/index.js";

/** True when `text` has a lone surrogate (half of a pair). */
const hasLoneSurrogate = (text: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe("budgets in GitHub's units", () => {
  it("counts check output and job summaries in UTF-8 bytes, comments and bodies in code points", () => {
    expect(CHECK_OUTPUT_BUDGET).toMatchObject({ limit: 65_535, unit: "bytes" });
    expect(JOB_SUMMARY_BUDGET).toMatchObject({ limit: 1_048_576, unit: "bytes" });
    expect(PR_COMMENT_BUDGET).toMatchObject({ limit: 65_536, unit: "chars" });
    expect(RELEASE_BODY_BUDGET).toMatchObject({ limit: 125_000, unit: "chars" });
    expect(measure("✅ Δ — 🔴", "bytes")).toBe(3 + 1 + 2 + 1 + 3 + 1 + 4);
    expect(measure("✅ Δ — 🔴", "chars")).toBe(7);
  });

  it("a gate report with hundreds of rules fits the check-run limit in bytes, not only in characters", () => {
    // ≥ ~400 rules/metrics used to give ~65,000 characters = ~67,000 bytes → 422 from GitHub.
    const head: Record<string, number> = {};
    const baseline: Record<string, number> = {};
    const extra: string[] = [];
    for (let i = 0; i < 600; i++) {
      head[`m${i}`] = 0.5 + i / 10_000;
      baseline[`m${i}`] = 0.5;
      extra.push(`m${i} >= baseline - 0.01`);
    }
    const run = runGate({ head, baseline, rules: collectGateRules({ extra }) });
    const summary = renderGateReport(
      { model: "churn", run, head, baseline },
      { budget: CHECK_OUTPUT_BUDGET },
    );
    expect(measure(summary, "bytes")).toBeLessThanOrEqual(65_535);
    expect(measure(summary, "bytes")).toBeGreaterThan(measure(summary, "chars")); // ✅ Δ are multi-byte
    expect(summary).toMatch(/more rows not shown|left out/);
  });

  it("cuts between lines, never inside a code point, closes an open <details>, and says what was cut", () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `| m${i} | 🟢 ${i} | ✅ |`);
    const text = [
      "# Report",
      "",
      "<details><summary>all</summary>",
      "",
      "| a | b | c |",
      "|---|---|---|",
      ...rows,
      "",
      "</details>",
    ].join("\n");
    const budget = { limit: 10_000, unit: "bytes" as const, what: "check-run output" };
    const cut = cutToBudget(text, budget, { note: "full report in the job summary" });
    expect(measure(cut, "bytes")).toBeLessThanOrEqual(10_000);
    expect(hasLoneSurrogate(cut)).toBe(false);
    expect(cut.startsWith("# Report")).toBe(true);
    expect((cut.match(/<details/g) ?? []).length).toBe((cut.match(/<\/details>/g) ?? []).length);
    for (const line of cut.split("\n").filter((l) => l.startsWith("| m")))
      expect(line).toMatch(/^\| m\d+ \| 🟢 \d+ \| ✅ \|$/);
    expect(cut).toMatch(
      /Cut to fit GitHub's check-run output limit \(10,000 bytes\): [\d,]+ of [\d,]+ bytes left out — full report in the job summary\.$/,
    );
    // A single line longer than the budget is cut at a code point boundary.
    const line = cutToBudget("🔴".repeat(5000), { limit: 1001, unit: "bytes", what: "x" });
    expect(measure(line, "bytes")).toBeLessThanOrEqual(1001);
    expect(hasLoneSurrogate(line)).toBe(false);
    expect(line.startsWith("🔴🔴")).toBe(true);
  });

  it("rather cuts before a <details> block than inside it when there is something before it", () => {
    const text = ["intro", "", "<details>", "", "x".repeat(200), "y".repeat(200), "", "</details>"].join(
      "\n",
    );
    const cut = cutToBudget(text, { limit: 350, unit: "chars", what: "comment" });
    expect(cut.startsWith("intro\n\n> ✂️")).toBe(true);
    expect(cut).not.toContain("<details>");
  });

  it("ReportBuilder measures in the budget's unit", () => {
    const rows = Array.from({ length: 5000 }, (_, i) => [`metric_${i}`, "✅ pass", "Δ +0.1"]);
    const text = new ReportBuilder()
      .heading("Report", 2, 10)
      .table(["metric", "status", "change"], rows)
      .build({ budget: CHECK_OUTPUT_BUDGET });
    expect(measure(text, "bytes")).toBeLessThanOrEqual(65_535);
    expect(text).toMatch(/more rows not shown/);
  });

  it("a job summary is cut to what is left of the step's 1 MiB", () => {
    const part = `${"| ✅ | row |\n".repeat(60_000)}`; // ~780 KB
    const first = fitJobSummary(part, 0);
    expect(first).toBe(part);
    const second = fitJobSummary(part, measure(first, "bytes") + 1);
    expect(measure(first, "bytes") + 1 + measure(second, "bytes") + 1).toBeLessThanOrEqual(1024 * 1024);
    expect(second).toMatch(/Cut to fit GitHub's job summary limit/);
  });
});
