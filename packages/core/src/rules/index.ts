export { type ArithmeticOperator, type Comparator, type Expr, type Rule, usesBaseline } from "./ast.js";
export { formatExpr, formatRule } from "./format.js";
export { parseRule } from "./parse.js";
export { type StructuredRule, structuredRules } from "./structured.js";
