import type { ArithmeticOperator, Comparator } from "../gate/operators.js";

/** Comparison and arithmetic operators a rule may use: the tables in `gate/operators.ts`. */
export type { ArithmeticOperator, Comparator };

/** Right-hand side expression of a rule. `baseline` is the baseline value of the rule's own metric. */
export type Expr =
  | { kind: "number"; value: number; percent?: boolean }
  | { kind: "baseline" }
  | { kind: "metric"; name: string }
  | { kind: "negate"; operand: Expr }
  | { kind: "binary"; op: ArithmeticOperator; left: Expr; right: Expr };

/**
 * One gate rule: `<metric> <op> <expr> [significant]`.
 * `significant` rules fail only when the regression is statistically significant (paired bootstrap CI).
 */
export interface Rule {
  metric: string;
  op: Comparator;
  right: Expr;
  significant: boolean;
}

/** Whether an expression mentions `baseline`. */
export function usesBaseline(expr: Expr): boolean {
  switch (expr.kind) {
    case "baseline":
      return true;
    case "negate":
      return usesBaseline(expr.operand);
    case "binary":
      return usesBaseline(expr.left) || usesBaseline(expr.right);
    default:
      return false;
  }
}
