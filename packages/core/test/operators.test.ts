import { describe, expect, it } from "vitest";
import { ARITHMETIC, COMPARATOR_NAMES, evaluateGate, formatRule, parseRule } from "../src/index.js";

/** Expected verdicts of `m <op> 0.5` for m = 0.4, 0.5, 0.6, written out independently of the table. */
const TRUTH: Record<string, [boolean, boolean, boolean]> = {
  ">=": [false, true, true],
  "<=": [true, true, false],
  ">": [false, false, true],
  "<": [true, false, false],
  "==": [false, true, false],
  "!=": [true, false, true],
};

describe("gate operator table", () => {
  it("lists exactly the operators this test knows (a new operator needs a row here)", () => {
    expect([...COMPARATOR_NAMES].sort()).toEqual(Object.keys(TRUTH).sort());
  });

  it.each([...COMPARATOR_NAMES])("%s parses, round-trips and evaluates", (op) => {
    for (const text of [`m ${op} 0.5`, `m${op}0.5`, `m ${op} baseline`]) {
      const rule = parseRule(text);
      expect(rule.op).toBe(op);
      expect(parseRule(formatRule(rule))).toEqual(rule);
    }
    const expected = TRUTH[op] as [boolean, boolean, boolean];
    [0.4, 0.5, 0.6].forEach((m, i) => {
      const fixed = evaluateGate({ head: { m }, rules: [parseRule(`m ${op} 0.5`)] });
      expect(fixed.rules[0]?.status).toBe(expected[i] ? "passed" : "failed");
      expect(fixed.passed).toBe(expected[i]);
      const vsBaseline = evaluateGate({
        head: { m },
        baseline: { m: 0.5 },
        rules: [parseRule(`m ${op} baseline`)],
      });
      expect(vsBaseline.rules[0]?.status).toBe(expected[i] ? "passed" : "failed");
      expect(vsBaseline.rules[0]?.message).toMatch(new RegExp(`^m = ${m} \\w`));
    });
  });

  it("refuses an operator that is not in the table, naming the ones that are", () => {
    expect(() => parseRule("m + 0.5")).toThrow("expected a comparison (>=, <=, >, <, ==, !=)");
  });
});

/** `6 <op> 2`, and `1 + 6 <op> 2 - 1` to pin precedence and associativity, written out independently. */
const ARITHMETIC_TRUTH: Record<string, [number, number]> = {
  "+": [8, 8],
  "-": [4, 4],
  "*": [12, 12],
  "/": [3, 3],
};

describe("arithmetic operator table", () => {
  it("lists exactly the operators this test knows", () => {
    expect(Object.keys(ARITHMETIC).sort()).toEqual(Object.keys(ARITHMETIC_TRUTH).sort());
  });

  it.each(Object.keys(ARITHMETIC))("%s parses, round-trips and evaluates with its precedence", (op) => {
    const [alone, mixed] = ARITHMETIC_TRUTH[op] as [number, number];
    for (const [right, value] of [
      [`6 ${op} 2`, alone],
      [`1 + 6 ${op} 2 - 1`, mixed],
      [`(baseline ${op} 2)`, alone],
    ] as const) {
      const rule = parseRule(`m >= ${right}`);
      expect(parseRule(formatRule(rule))).toEqual(rule);
      const at = evaluateGate({ head: { m: value }, baseline: { m: 6 }, rules: [rule] });
      expect(at.rules[0]?.threshold).toBe(value);
      expect(at.rules[0]?.status).toBe("passed");
      const below = evaluateGate({ head: { m: value - 0.5 }, baseline: { m: 6 }, rules: [rule] });
      expect(below.rules[0]?.status).toBe("failed");
    }
  });
});
