import { describe, expect, it } from "vitest";
import { collectGateRules, decideGate, gateJsonText, metricSpecsOf, parseConfig } from "../src/index.js";

const CONFIG = `version: 1
models:
  - name: churn
    gate:
      rules:
        - "accuracy >= 0.9"
        - "f1 >= baseline - 0.01"
`;

function decision(head: Record<string, number>) {
  const config = parseConfig(CONFIG, "mlops.yml");
  const model = config.models[0];
  if (!model) throw new Error("no model");
  const rules = collectGateRules({
    model,
    specs: metricSpecsOf(config, model),
    configFile: "mlops.yml",
    configText: CONFIG,
  });
  const lines: string[] = [];
  const result = decideGate({
    model: "churn",
    head,
    rules,
    onSkipped: "warn",
    report: { specs: {}, baseline: { accuracy: 0.91, f1: 0.8 }, baselineLabel: "churn v1" },
    log: { info: (line) => lines.push(line) },
  });
  return { result, lines };
}

describe("decideGate (the evaluate-gate action's and the CLI's one decision)", () => {
  it("names the failed rules, annotates their config lines and logs each outcome", () => {
    const { result, lines } = decision({ accuracy: 0.85, f1: 0.81 });
    expect(result.passed).toBe(false);
    expect(result.failedRules).toEqual(["accuracy >= 0.9"]);
    expect(result.annotations).toEqual([
      expect.objectContaining({
        path: "mlops.yml",
        start_line: 6,
        title: "Gate rule failed: accuracy >= 0.9",
      }),
    ]);
    expect(result.failure).toMatch(/^Gate failed for churn: accuracy >= 0\.9 — /);
    expect(lines[0]).toBe(result.verdict);
    expect(lines.slice(1).map((l) => l.trim()[0])).toEqual(["✗", "✓"]);
    expect(result.render({})).toContain("accuracy");
  });

  it("writes gate.json with the model, the verdict, the baseline and the PR, then the rules", () => {
    const { result } = decision({ accuracy: 0.95, f1: 0.81 });
    const json = JSON.parse(
      gateJsonText({ model: "churn", evaluation: result, baselineSource: "run:7", pullRequest: 3 }),
    );
    expect(Object.keys(json)).toEqual(["model", "passed", "verdict", "baseline", "pull_request", "rules"]);
    expect(json).toMatchObject({
      model: "churn",
      passed: true,
      verdict: result.verdict,
      baseline: "run:7",
      pull_request: 3,
    });
    expect(json.rules.map((r: { passed: boolean }) => r.passed)).toEqual([true, true]);
    const none = JSON.parse(
      gateJsonText({ model: "churn", evaluation: result, baselineSource: undefined, pullRequest: undefined }),
    );
    expect(none.baseline).toBe("none");
    expect("pull_request" in none).toBe(false);
  });
});
