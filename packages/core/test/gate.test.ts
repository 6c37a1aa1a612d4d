import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { evaluateGate } from "../src/gate/index.js";
import { parseRule, structuredRules } from "../src/rules/index.js";

const rules = (...texts: string[]) => texts.map(parseRule);

describe("evaluateGate", () => {
  it("explains a failing baseline rule with the numbers", () => {
    const result = evaluateGate({
      head: { f1: 0.812 },
      baseline: { f1: 0.845 },
      rules: rules("f1 >= baseline - 0.01"),
    });
    expect(result.passed).toBe(false);
    expect(result.firstModel).toBe(false);
    const [outcome] = result.rules;
    expect(outcome).toMatchObject({
      metric: "f1",
      value: 0.812,
      baseline: 0.845,
      status: "failed",
    });
    expect(outcome?.threshold).toBeCloseTo(0.835, 12);
    expect(outcome?.message).toBe("f1 = 0.812 is below baseline 0.845 - 0.01 = 0.835");
  });

  it("applies structured rules according to the goal", () => {
    const structured = structuredRules(
      { acc: { max_regression: "10%" }, loss: { max_regression: 0.1 } },
      { acc: { goal: "maximize" }, loss: { goal: "minimize" } },
    );
    const pass = evaluateGate({
      head: { acc: 0.91, loss: 1.05 },
      baseline: { acc: 1, loss: 1 },
      rules: structured,
    });
    expect(pass.rules.map((r) => r.status)).toEqual(["passed", "passed"]);
    const fail = evaluateGate({
      head: { acc: 0.89, loss: 1.2 },
      baseline: { acc: 1, loss: 1 },
      rules: structured,
    });
    expect(fail.rules.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(fail.passed).toBe(false);
  });

  it("skips baseline rules in first-model mode but applies absolute ones", () => {
    const result = evaluateGate({ head: { f1: 0.7 }, rules: rules("f1 >= baseline", "f1 >= 0.9") });
    expect(result.firstModel).toBe(true);
    expect(result.rules[0]).toMatchObject({ status: "skipped" });
    expect(result.rules[0]?.message).toMatch(/no baseline model yet/);
    expect(result.rules[1]).toMatchObject({ status: "failed", threshold: 0.9 });
    expect(result.passed).toBe(false);
  });

  it("skips a baseline rule for a metric the baseline lacks", () => {
    const result = evaluateGate({
      head: { f1: 0.9, auc: 0.8 },
      baseline: { f1: 0.9 },
      rules: rules("auc >= baseline"),
    });
    expect(result.rules[0]?.status).toBe("skipped");
    expect(result.rules[0]?.message).toMatch(/baseline has no "auc"/);
    expect(result.passed).toBe(true);
  });

  it("errors on a metric missing from head, with close matches", () => {
    const run = () => evaluateGate({ head: { accuracy: 0.9, f1: 0.8 }, rules: rules("acuracy >= 0.5") });
    expect(run).toThrow(InputError);
    expect(run).toThrow(/"acuracy".*did you mean "accuracy"/);
    try {
      run();
    } catch (error) {
      expect((error as InputError).details).toBe("available metrics: accuracy, f1");
    }
  });

  it("uses head values of other metrics on the right", () => {
    const result = evaluateGate({
      head: { precision: 0.6, recall: 0.7 },
      rules: rules("precision >= recall - 0.05"),
    });
    expect(result.rules[0]).toMatchObject({ status: "failed" });
    expect(result.rules[0]?.threshold).toBeCloseTo(0.65, 12);
  });
});

describe("significant rules", () => {
  const ids = Array.from({ length: 200 }, (_, i) => `ex${i}`);
  const base = ids.map((id, i) => ({ id, value: i % 5 === 0 ? 0 : 1 })); // accuracy 0.8

  it("passes a small, noisy drop that is not significant", () => {
    // head flips 2 of 200 examples to wrong and 1 to right: delta = -0.005
    const head = base.map((r, i) => ({ id: r.id, value: i === 1 || i === 2 ? 0 : i === 0 ? 1 : r.value }));
    const result = evaluateGate({
      head: { acc: 0.795 },
      baseline: { acc: 0.8 },
      rules: rules("acc >= baseline significant"),
      bootstrap: { head, baseline: base, seed: 7 },
    });
    const outcome = result.rules[0];
    expect(outcome?.status).toBe("passed");
    expect(outcome?.interval?.low).toBeLessThan(0);
    expect(outcome?.interval?.high).toBeGreaterThanOrEqual(0);
  });

  it("fails a clear, significant drop", () => {
    const head = base.map((r, i) => ({ id: r.id, value: i < 60 ? 0 : r.value }));
    const result = evaluateGate({
      head: { acc: 0.5 },
      baseline: { acc: 0.8 },
      rules: rules("acc >= baseline - 0.01 significant"),
      bootstrap: { head, baseline: base, seed: 7 },
    });
    expect(result.passed).toBe(false);
    expect(result.rules[0]?.interval?.high).toBeLessThan(-0.01);
    expect(result.rules[0]?.message).toMatch(/significantly fails/);
  });

  it("requires per-example data", () => {
    expect(() =>
      evaluateGate({ head: { acc: 1 }, baseline: { acc: 1 }, rules: rules("acc >= baseline significant") }),
    ).toThrow(/no per-example results/);
  });
});
