import { ARITHMETIC, COMPARATOR_NAMES, isArithmetic, isComparator, PRECEDENCES } from "../gate/operators.js";
import { inputLimits, limitHint } from "../input/limits.js";
import type { Expr, Rule } from "./ast.js";
import { ruleError, type Token, tokenize } from "./tokenize.js";

const OPERAND = "expected a number, `baseline` or a metric name";

/**
 * Parses one gate rule, e.g. `f1 >= baseline - 0.01`, `latency_ms.p95 <= baseline * 1.10`, `auc > 0.8`,
 * `f1 >= baseline - 1% significant`.
 *
 * Grammar: `rule := name comparator expr ["significant"]`, `expr := term (("+"|"-") term)*`,
 * `term := factor (("*"|"/") factor)*`, `factor := "-" factor | number ["%"] | "baseline" | name | "(" expr ")"`.
 * On the right, `baseline` is the baseline value of the left-hand metric; other names are head values.
 * Throws InputError with a caret under the offending column.
 */
export function parseRule(text: string): Rule {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;
  const isOp = (t: Token, ...ops: string[]): boolean => t.kind === "op" && ops.includes(t.op);
  // Parentheses and unary minus recurse: bound their nesting so that no rule can exhaust the stack.
  const { maxDepth } = inputLimits();
  let depth = 0;
  const deeper = (t: Token): void => {
    if (++depth > maxDepth)
      throw ruleError(
        text,
        t.column,
        `at most ${maxDepth} nested parentheses or signs (${limitHint("maxDepth", maxDepth)})`,
      );
  };

  function factor(): Expr {
    const t = next();
    if (isOp(t, "-")) {
      deeper(t);
      const operand = factor();
      depth--;
      return { kind: "negate", operand };
    }
    if (t.kind === "number")
      return t.percent
        ? { kind: "number", value: t.value, percent: true }
        : { kind: "number", value: t.value };
    if (t.kind === "name") {
      if (!t.quoted && t.name === "baseline") return { kind: "baseline" };
      return { kind: "metric", name: t.name };
    }
    if (isOp(t, "(")) {
      deeper(t);
      const inner = expr();
      depth--;
      const close = next();
      if (!isOp(close, ")")) throw ruleError(text, close.column, "expected `)`");
      return inner;
    }
    throw ruleError(text, t.column, OPERAND);
  }
  /** Operators of precedence `PRECEDENCES[level]` and tighter, left-associative (precedence climbing). */
  function binary(level: number): Expr {
    if (level >= PRECEDENCES.length) return factor();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (t.kind !== "op" || !isArithmetic(t.op) || ARITHMETIC[t.op].precedence !== PRECEDENCES[level]) break;
      next();
      left = { kind: "binary", op: t.op, left, right: binary(level + 1) };
    }
    return left;
  }
  function expr(): Expr {
    return binary(0);
  }

  const head = next();
  if (head.kind !== "name" || (!head.quoted && head.name === "baseline"))
    throw ruleError(text, head.column, "expected a metric name");
  const cmp = next();
  if (cmp.kind !== "op" || !isComparator(cmp.op))
    throw ruleError(text, cmp.column, `expected a comparison (${COMPARATOR_NAMES.join(", ")})`);
  const right = expr();
  let significant = false;
  const tail = peek();
  if (tail.kind === "name" && !tail.quoted && tail.name === "significant") {
    significant = true;
    next();
  }
  const end = next();
  if (end.kind !== "end") throw ruleError(text, end.column, "expected an operator or the end of the rule");
  return { metric: head.name, op: cmp.op, right, significant };
}
