import { InputError } from "../errors.js";
import type { Expr, Rule } from "../rules/ast.js";
import { usesBaseline } from "../rules/ast.js";
import { formatExpr, formatRule } from "../rules/format.js";
import type { MetricValues } from "../types.js";
import { type BootstrapOptions, pairedBootstrap } from "./bootstrap.js";
import { ARITHMETIC, COMPARATORS } from "./operators.js";
import { alignPerExample, type PerExample } from "./per-example.js";

/** Per-example results used by `significant` rules (the values are the per-example form of the rule's metric). */
export interface BootstrapInput extends BootstrapOptions {
  head: readonly PerExample[];
  baseline: readonly PerExample[];
}

/** What happened to one rule. */
export interface RuleOutcome {
  rule: string;
  metric: string;
  value: number | null;
  baseline: number | null;
  threshold: number | null;
  /** `passed`, `failed`, or `skipped` (could not be checked; see `skipReason`). */
  status: RuleStatus;
  /** Why a skipped rule could not be checked. */
  skipReason?: SkipReason;
  message: string;
  interval?: { low: number; high: number; level: number };
}

/** What happened to one rule: it held, it did not, or it could not be checked. */
export type RuleStatus = "passed" | "failed" | "skipped";

/**
 * The JSON shape of an outcome in the CLI's `--format json` and the gate.json artifact: `passed` is true for
 * skipped rules too (they do not fail a rule), `skipped` says which they are.
 */
export function ruleOutcomeFlags(status: RuleStatus): { passed: boolean; skipped: boolean } {
  return { passed: status !== "failed", skipped: status === "skipped" };
}

/** Why a rule was skipped: no baseline at all (first model), or a baseline without the rule's metric. */
export type SkipReason = "no baseline" | "metric not in baseline";

/**
 * What skipped rules do to the verdict: `warn` (default) passes the gate and says how many rules were
 * skipped; `fail` fails it, so nothing merges on a gate that checked less than it was asked to.
 */
export type OnSkipped = "warn" | "fail";

/** Overall gate verdict; skipped rules fail the gate only with `onSkipped: "fail"`. */
export interface GateResult {
  passed: boolean;
  /** True when no baseline was given (first model): baseline rules were skipped. */
  firstModel: boolean;
  /** What skipped rules did to the verdict. */
  onSkipped: OnSkipped;
  rules: RuleOutcome[];
}

/** Input of {@link evaluateGate}. */
export interface GateInput {
  head: MetricValues;
  baseline?: MetricValues;
  rules: readonly Rule[];
  bootstrap?: BootstrapInput;
  /** What skipped rules do to the verdict (default `warn`). */
  onSkipped?: OnSkipped;
}

/** Short human number: up to 4 significant digits, no trailing zeros. */
export function formatGateNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return "0";
  return String(Number(n.toPrecision(4)));
}

function evaluateExpr(expr: Expr, baseline: number, head: MetricValues): number {
  switch (expr.kind) {
    case "number":
      return expr.value;
    case "baseline":
      return baseline;
    case "metric":
      return requireMetric(head, expr.name);
    case "negate":
      return -evaluateExpr(expr.operand, baseline, head);
    case "binary": {
      const l = evaluateExpr(expr.left, baseline, head);
      const r = evaluateExpr(expr.right, baseline, head);
      return ARITHMETIC[expr.op].apply(l, r);
    }
  }
}

/** Levenshtein distance (insertions, deletions, substitutions): "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

function requireMetric(head: MetricValues, name: string): number {
  const value = head[name];
  if (value !== undefined) return value;
  const names = Object.keys(head).sort();
  const close = names.filter(
    (n) => editDistance(n, name) <= 2 || n.endsWith(`.${name}`) || name.endsWith(`.${n}`),
  );
  const hint = close.length > 0 ? ` (did you mean ${close.map((c) => `"${c}"`).join(" or ")}?)` : "";
  throw new InputError(`gate rule uses metric "${name}", which the run did not report${hint}`, {
    details: `available metrics: ${names.length > 0 ? names.join(", ") : "(none)"}`,
  });
}

function significantOutcome(
  rule: Rule,
  base: number,
  value: number,
  threshold: number,
  input: BootstrapInput,
  text: string,
): RuleOutcome {
  const aligned = alignPerExample(input.head, input.baseline);
  const ci = pairedBootstrap(aligned.head, aligned.base, input);
  const margin = threshold - base; // allowed change of the mean
  const f = formatGateNumber;
  const ciText = `${Math.round(ci.level * 100)}% CI of the change [${f(ci.low)}, ${f(ci.high)}]`;
  const failed = COMPARATORS[rule.op].significantlyFails(ci, margin, value, threshold);
  const message = failed
    ? `${rule.metric} = ${f(value)} significantly fails ${formatExpr(rule.right, `baseline ${f(base)}`, f)} = ${f(threshold)}: ${ciText} lies entirely beyond ${f(margin)}`
    : `${rule.metric} = ${f(value)} vs ${formatExpr(rule.right, `baseline ${f(base)}`, f)} = ${f(threshold)}: no significant regression (${ciText})`;
  return {
    rule: text,
    metric: rule.metric,
    value,
    baseline: base,
    threshold,
    status: failed ? "failed" : "passed",
    message,
    interval: { low: ci.low, high: ci.high, level: ci.level },
  };
}

function evaluateRule(rule: Rule, input: GateInput): RuleOutcome {
  const text = formatRule(rule);
  const value = requireMetric(input.head, rule.metric);
  const f = formatGateNumber;
  const common = { rule: text, metric: rule.metric, value };
  if (usesBaseline(rule.right)) {
    if (!input.baseline) {
      return {
        ...common,
        baseline: null,
        threshold: null,
        status: "skipped",
        skipReason: "no baseline",
        message: `skipped: no baseline model yet (first model), so "${text}" cannot be checked`,
      };
    }
    const base = input.baseline[rule.metric];
    if (base === undefined) {
      return {
        ...common,
        baseline: null,
        threshold: null,
        status: "skipped",
        skipReason: "metric not in baseline",
        message: `skipped: the baseline has no "${rule.metric}" (new metric), so "${text}" cannot be checked`,
      };
    }
    const threshold = evaluateExpr(rule.right, base, input.head);
    if (rule.significant) {
      if (!input.bootstrap)
        throw new InputError(`rule "${text}" is marked significant but no per-example results were given`);
      return significantOutcome(rule, base, value, threshold, input.bootstrap, text);
    }
    const passed = COMPARATORS[rule.op].holds(value, threshold);
    const described = `${formatExpr(rule.right, `baseline ${f(base)}`, f)}${rule.right.kind === "baseline" ? "" : ` = ${f(threshold)}`}`;
    return {
      ...common,
      baseline: base,
      threshold,
      status: passed ? "passed" : "failed",
      message: `${rule.metric} = ${f(value)} ${passed ? COMPARATORS[rule.op].passVerb : COMPARATORS[rule.op].failVerb} ${described}`,
    };
  }
  const threshold = evaluateExpr(rule.right, Number.NaN, input.head);
  const passed = COMPARATORS[rule.op].holds(value, threshold);
  const described =
    rule.right.kind === "number"
      ? f(threshold)
      : `${formatExpr(rule.right, "baseline", f)} = ${f(threshold)}`;
  return {
    ...common,
    baseline: input.baseline?.[rule.metric] ?? null,
    threshold,
    status: passed ? "passed" : "failed",
    message: `${rule.metric} = ${f(value)} ${passed ? COMPARATORS[rule.op].passVerb : COMPARATORS[rule.op].failVerb} ${described}`,
  };
}

/** Whether a set of outcomes passes: no rule failed, and no rule was skipped when skipping fails. */
export function gatePasses(rules: readonly RuleOutcome[], onSkipped: OnSkipped = "warn"): boolean {
  return rules.every((r) => r.status === "passed" || (r.status === "skipped" && onSkipped === "warn"));
}

/**
 * Evaluates gate rules against head metrics and an optional baseline. A rule on a metric the head lacks is an
 * InputError (never a pass). Without a baseline, baseline rules are skipped and `firstModel` is true; skipped
 * rules fail the gate when `onSkipped` is `fail`.
 */
export function evaluateGate(input: GateInput): GateResult {
  const rules = input.rules.map((rule) => evaluateRule(rule, input));
  const onSkipped = input.onSkipped ?? "warn";
  return {
    passed: gatePasses(rules, onSkipped),
    firstModel: input.baseline === undefined,
    onSkipped,
    rules,
  };
}
