import { describe, expect, it } from "vitest";
import {
  collectGateRules,
  failedRuleTexts,
  gateVerdictLine,
  measure,
  metricSpecsOf,
  PR_COMMENT_BUDGET,
  parseConfig,
  renderGateReport,
  runGate,
} from "../src/index.js";

const CONFIG = `version: 1
models:
  - name: other
  - name: churn
    gate:
      rules:
        - "accuracy >= 0.9"
        - "f1 >= baseline - 0.01"
      metrics:
        loss: { max_regression: "5%" }
    metric_specs:
      loss: { goal: minimize }
`;

describe("collectGateRules", () => {
  it("finds each config rule's line and parses input rules after them", () => {
    const config = parseConfig(CONFIG, "mlops.yml");
    const model = config.models[1];
    const rules = collectGateRules({
      ...(model ? { model, specs: metricSpecsOf(config, model) } : {}),
      configFile: "mlops.yml",
      configText: CONFIG,
      extra: ["auc > 0.5"],
    });
    expect(rules.map((r) => [r.text, r.source, r.position?.line])).toEqual([
      ["accuracy >= 0.9", "config", 7],
      ["f1 >= baseline - 0.01", "config", 8],
      ["loss <= baseline * (1 + 5%)", "config", 9],
      ["auc > 0.5", "input", undefined],
    ]);
  });

  it("reports a malformed config rule at its file and line, with the column", () => {
    const text = CONFIG.replace('"f1 >= baseline - 0.01"', '"f1 >= baseline -"');
    const config = parseConfig(text, "mlops.yml");
    const model = config.models[1];
    expect(() =>
      collectGateRules({ ...(model ? { model } : {}), configFile: "mlops.yml", configText: text }),
    ).toThrow(
      expect.objectContaining({
        position: { file: "mlops.yml", line: 8 },
        details: 'at column 17 of "f1 >= baseline -"',
      }),
    );
  });
});

describe("renderGateReport", () => {
  const rules = collectGateRules({ extra: ["accuracy >= 0.9", "f1 >= baseline - 0.01"] });

  it("shows the verdict, the baseline identity and one row per metric with its rule and status", () => {
    const run = runGate({ head: { accuracy: 0.95, f1: 0.8 }, baseline: { accuracy: 0.94, f1: 0.85 }, rules });
    expect(gateVerdictLine("churn", run)).toBe("❌ churn: gate failed — 1 of 2 rules failed");
    expect(failedRuleTexts(run)).toEqual(["f1 >= baseline - 0.01"]);
    const report = renderGateReport({
      model: "churn",
      run,
      head: { accuracy: 0.95, f1: 0.8 },
      baseline: { accuracy: 0.94, f1: 0.85 },
      baselineLabel: "churn v3 (@production)",
      baselineUrl: "https://github.com/acme/churn/releases/tag/churn/v3",
      runUrl: "https://github.com/acme/churn/actions/runs/1",
      candidateLabel: "commit abc1234",
      candidateUrl: "https://github.com/acme/churn/commit/abc1234def",
    });
    const lines = report.split("\n");
    expect(lines[0]).toBe("### ❌ churn: gate failed — 1 of 2 rules failed");
    expect(report).toContain(
      "**Baseline:** [churn v3 (@production)](https://github.com/acme/churn/releases/tag/churn/v3)",
    );
    // The candidate links to its commit; the run is its own link.
    expect(report).toContain(
      "**Candidate:** [commit abc1234](https://github.com/acme/churn/commit/abc1234def) ([run](https://github.com/acme/churn/actions/runs/1))",
    );
    // Failing metric first.
    const rows = lines.filter((l) => /^\| (accuracy|f1) /.test(l));
    expect(rows[0]).toMatch(
      /^\| f1 +\| +0\.85 \| +0\.8 \| +-0\.05 \| +-5\.88% \| `f1 >= baseline - 0\.01` \| ❌ fail +\|$/,
    );
    expect(rows[1]).toMatch(/^\| accuracy .*\| ✅ pass +\|$/);
  });

  it("stays within GitHub's comment limit with thousands of metrics, keeping the verdict and saying what was cut", () => {
    const head: Record<string, number> = { accuracy: 0.95 };
    const baseline: Record<string, number> = { accuracy: 0.96 };
    for (let i = 0; i < 5000; i++) {
      head[`per_class.class_with_a_long_name_${i}.precision`] = i / 5000;
      baseline[`per_class.class_with_a_long_name_${i}.precision`] = (i + 1) / 5000;
    }
    const run = runGate({ head, baseline, rules: collectGateRules({ extra: ["accuracy >= 0.97"] }) });
    const report = renderGateReport({ model: "churn", run, head, baseline }, { reserve: 200 });
    // GitHub counts a comment in characters (code points): 🔴 is one, though two UTF-16 units.
    expect(measure(report, "chars")).toBeLessThanOrEqual(PR_COMMENT_BUDGET.limit - 200);
    expect(report.startsWith("### ❌ churn: gate failed")).toBe(true);
    expect(report).toMatch(/\| accuracy +\|/);
    expect(report).toMatch(/more rows not shown — full report in the job summary and the report artifact/);
  });

  it("counts skipped rules in the headline and says how to get a baseline (first model)", () => {
    const three = collectGateRules({
      extra: ["accuracy >= 0.9", "f1 >= baseline - 0.01", "loss <= baseline * 1.05"],
    });
    const head = { accuracy: 0.95, f1: 0.8, loss: 0.3 };
    const run = runGate({ head, rules: three });
    expect(run.passed).toBe(true);
    expect(gateVerdictLine("churn", run)).toBe(
      "⚠️ churn: gate passed — 1 rule checked, 2 skipped: no baseline",
    );
    const report = renderGateReport({ model: "churn", run, head });
    expect(report).toContain("run the PR check on `main` once");
    expect(report).toContain("`gate.on_skipped: fail`");
    // A failure among the checked rules still counts the skipped ones.
    const failing = runGate({ head: { ...head, accuracy: 0.5 }, rules: three });
    expect(gateVerdictLine("churn", failing)).toBe(
      "❌ churn: gate failed — 1 of 1 checked rule failed, 2 skipped: no baseline",
    );
  });

  it("on_skipped fail: skipped rules fail the gate, are listed as failed and marked in the table", () => {
    const head = { accuracy: 0.95, f1: 0.8 };
    const run = runGate({ head, rules, onSkipped: "fail" });
    expect(run.passed).toBe(false);
    expect(gateVerdictLine("churn", run)).toBe(
      "❌ churn: gate failed — 1 rule checked, 1 skipped: no baseline (gate.on_skipped: fail)",
    );
    expect(failedRuleTexts(run)).toEqual(["f1 >= baseline - 0.01"]);
    const report = renderGateReport({ model: "churn", run, head });
    expect(report).toMatch(/\| f1 +\|.*\| ❌ skipped +\|/);
    expect(report).toContain("**Failed rules**");
  });

  it("a baseline that lacks a rule's metric is counted as such, with no first-model advice", () => {
    const head = { accuracy: 0.95, f1: 0.8 };
    const run = runGate({ head, baseline: { accuracy: 0.9 }, rules });
    expect(gateVerdictLine("churn", run)).toBe(
      "⚠️ churn: gate passed — 1 rule checked, 1 skipped: metric not in baseline",
    );
    const report = renderGateReport({ model: "churn", run, head, baseline: { accuracy: 0.9 } });
    expect(report).toContain("The baseline has no value for the metric of `f1 >= baseline - 0.01`");
    expect(report).not.toContain("run the PR check on `main` once");
  });

  it("a rule set where nothing was skipped keeps the plain headline", () => {
    const run = runGate({ head: { accuracy: 0.95, f1: 0.9 }, baseline: { accuracy: 0.9, f1: 0.9 }, rules });
    expect(gateVerdictLine("churn", run)).toBe("✅ churn: gate passed (2 rules)");
  });
});
