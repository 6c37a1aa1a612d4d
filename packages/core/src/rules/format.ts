import { ARITHMETIC, NEGATE_PRECEDENCE } from "../gate/operators.js";
import type { Expr, Rule } from "./ast.js";

const formatName = (name: string): string =>
  /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) && name !== "baseline" && name !== "significant"
    ? name
    : `\`${name}\``;

/** Canonical text of an expression; `baselineText` replaces `baseline` (e.g. with `baseline 0.845`). */
export function formatExpr(
  expr: Expr,
  baselineText = "baseline",
  numberText: (n: number) => string = String,
  parentPrecedence = 0,
): string {
  switch (expr.kind) {
    case "number":
      return expr.percent
        ? `${numberText(Number((expr.value * 100).toPrecision(12)))}%`
        : numberText(expr.value);
    case "baseline":
      return baselineText;
    case "metric":
      return formatName(expr.name);
    case "negate":
      return `-${formatExpr(expr.operand, baselineText, numberText, NEGATE_PRECEDENCE)}`;
    case "binary": {
      const p = ARITHMETIC[expr.op].precedence;
      const left = formatExpr(expr.left, baselineText, numberText, p);
      // right operand of - and / needs parentheses at equal precedence
      const right = formatExpr(expr.right, baselineText, numberText, p + 0.5);
      const text = `${left} ${expr.op} ${right}`;
      return p < parentPrecedence ? `(${text})` : text;
    }
  }
}

/** Canonical text of a rule; `parseRule(formatRule(r))` equals `r`. */
export function formatRule(rule: Rule): string {
  return `${formatName(rule.metric)} ${rule.op} ${formatExpr(rule.right)}${rule.significant ? " significant" : ""}`;
}
