import { describe, expect, it } from "vitest";
import type { MonitoringReport } from "../src/compare.js";
import { composeIssue, HISTORY_BUDGET, historyBlock, readHistory } from "../src/issue-report.js";

function report(columns: number, drifted: (i: number) => boolean): MonitoringReport {
  return {
    schema_version: 1,
    dataset_drift: true,
    drift_share: 0.5,
    drift_share_threshold: 0.5,
    correction: "none",
    columns: Array.from({ length: columns }, (_, i) => ({
      name: `feature_${String(i).padStart(5, "0")}`,
      type: "numerical" as const,
      test: "ks",
      statistic: 0.5,
      p_value: drifted(i) ? 0.001 : 0.5,
      threshold: 0.05,
      drifted: drifted(i),
    })),
    findings: [],
    generated_at: "2026-12-07T07:00:00Z",
    reference: { rows: 100 },
    current: { rows: 100 },
  };
}

describe("the monitoring issue's content (issue 12, item 9)", () => {
  it("lists drifted columns first, so a body cut to GitHub's limit keeps them", () => {
    const { body } = composeIssue(
      "churn",
      report(3_000, (i) => i >= 2_995),
      undefined,
    );
    const rows = body.split("\n").filter((line) => line.startsWith("| feature_"));
    expect(rows.slice(0, 5).map((r) => r.split("|")[1]?.trim())).toEqual([
      "feature_02995",
      "feature_02996",
      "feature_02997",
      "feature_02998",
      "feature_02999",
    ]);
  });

  it("keeps the history block within its budget, readable, and safe from column names that end a comment", () => {
    const wide = report(6_000, () => true);
    wide.columns[0] = { ...(wide.columns[0] as (typeof wide.columns)[number]), name: "evil-->name" };
    let previous: string | undefined;
    for (let run = 0; run < 35; run++) {
      const content = composeIssue(
        "churn",
        { ...wide, generated_at: `2026-12-07T07:${String(run).padStart(2, "0")}:00Z` },
        previous,
      );
      expect([...content.trailer].length).toBeLessThanOrEqual(HISTORY_BUDGET);
      expect(content.trailer.indexOf("-->")).toBe(content.trailer.length - 3);
      previous = `${content.body}\n${content.trailer}`;
    }
    const history = readHistory(previous);
    expect(history.length).toBeGreaterThan(1);
    expect(history.at(-1)).toMatchObject({ drifted_count: 6_000, drifted_truncated: true });
    expect(history.at(-1)?.drifted[0]).toBe("evil-->name");
    // A small history is stored whole.
    const small = historyBlock([{ label: "a", drift_share: 0.1, dataset_drift: false, drifted: ["x"] }]);
    expect(readHistory(small)).toEqual([
      { label: "a", drift_share: 0.1, dataset_drift: false, drifted: ["x"] },
    ]);
  });
});
