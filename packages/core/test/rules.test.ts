import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { formatRule, parseRule, structuredRules } from "../src/rules/index.js";

function parseError(text: string): InputError {
  try {
    parseRule(text);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to fail`);
}

describe("parseRule", () => {
  it("parses an absolute rule", () => {
    expect(parseRule("accuracy >= 0.90")).toEqual({
      metric: "accuracy",
      op: ">=",
      right: { kind: "number", value: 0.9 },
      significant: false,
    });
  });

  it("parses baseline arithmetic with precedence", () => {
    const rule = parseRule("f1 >= baseline - 0.01 * 2");
    expect(rule.right).toEqual({
      kind: "binary",
      op: "-",
      left: { kind: "baseline" },
      right: {
        kind: "binary",
        op: "*",
        left: { kind: "number", value: 0.01 },
        right: { kind: "number", value: 2 },
      },
    });
    expect(parseRule("x <= (baseline + 1) / 2").right).toMatchObject({
      kind: "binary",
      op: "/",
      left: { kind: "binary", op: "+" },
    });
  });

  it("accepts dot paths, dashes, backtick names, percent and significant", () => {
    expect(parseRule("latency_ms.p95 <= baseline * 1.10").metric).toBe("latency_ms.p95");
    expect(parseRule("top-k.acc > 0.8").metric).toBe("top-k.acc");
    expect(parseRule("`odd name/x` != 0").metric).toBe("odd name/x");
    expect(parseRule("f1 >= baseline - 2%").right).toMatchObject({ right: { value: 0.02, percent: true } });
    expect(parseRule("loss < baseline").significant).toBe(false);
    expect(parseRule("f1 >= baseline - 0.01 significant").significant).toBe(true);
    expect(parseRule("loss <= baseline-0.5").right).toMatchObject({ op: "-", right: { value: 0.5 } });
    expect(parseRule("f1 >= recall").right).toEqual({ kind: "metric", name: "recall" });
  });

  it("round-trips through formatRule", () => {
    for (const text of [
      "f1 >= baseline - 0.01",
      "x <= (baseline + 1) / 2",
      "a == b - (c - 1)",
      "`a b` > -2 significant",
      "f1 >= baseline * (1 - 2%)",
    ]) {
      const rule = parseRule(text);
      expect(parseRule(formatRule(rule))).toEqual(rule);
    }
    expect(formatRule(parseRule("f1>=baseline-0.01"))).toBe("f1 >= baseline - 0.01");
    expect(formatRule(parseRule("m <= baseline * (1 + 7%)"))).toBe("m <= baseline * (1 + 7%)");
  });

  it.each([
    ["f1 >= baseline -", 16, "expected a number, `baseline` or a metric name"],
    ["f1 >=", 5, "expected a number, `baseline` or a metric name"],
    [">= 1", 0, "expected a metric name"],
    ["f1 0.9", 3, "expected a comparison (>=, <=, >, <, ==, !=)"],
    ["f1 >= (baseline - 1", 19, "expected `)`"],
    ["f1 >= 0.9 0.8", 10, "expected an operator or the end of the rule"],
    ["f1 >= 0.9 $", 10, "unexpected character `$`"],
    ["`f1 >= 1", 8, "expected a closing backtick"],
  ])("reports %j at column %i", (text, column, expected) => {
    const error = parseError(text);
    expect(error.message).toBe(`invalid rule: ${expected}`);
    expect(error.details).toBe(`at column ${column + 1} of "${text}"`);
  });
});

describe("structuredRules", () => {
  const specs = { f1: { goal: "maximize" as const }, loss: { goal: "minimize" as const } };

  it("maps min/max and goal-aware max_regression", () => {
    const rules = structuredRules(
      { f1: { min: 0.8, max_regression: 0.01 }, loss: { max: 2, max_regression: "5%" } },
      specs,
    ).map(formatRule);
    expect(rules).toEqual(["f1 >= 0.8", "f1 >= baseline - 0.01", "loss <= 2", "loss <= baseline * (1 + 5%)"]);
  });

  it("rejects a malformed regression", () => {
    expect(() => structuredRules({ f1: { max_regression: "lots" } }, specs)).toThrow(/max_regression/);
  });
});
