import { ConfigError } from "../errors.js";
import type { MetricSpec } from "../types.js";
import type { Expr, Rule } from "./ast.js";

/** Structured gate settings for one metric, as written in `mlops.yml`. */
export interface StructuredRule {
  min?: number;
  max?: number;
  /** Absolute allowed regression (`0.01`) or relative (`"2%"`). */
  max_regression?: number | string;
}

function parseRegression(metric: string, raw: number | string): { relative: boolean; value: number } {
  if (typeof raw === "number") return { relative: false, value: raw };
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw);
  if (m) return { relative: true, value: Number(m[1]) / 100 };
  const n = Number(raw);
  if (raw.trim() !== "" && Number.isFinite(n)) return { relative: false, value: n };
  throw new ConfigError(
    `gate.${metric}.max_regression must be a number or a percentage like "2%", got "${raw}"`,
  );
}

/**
 * Converts structured per-metric settings into rules. `max_regression` follows the metric's goal:
 * maximize → `m >= baseline - x` or `m >= baseline * (1 - r)`; minimize → `m <= baseline + x` or `m <= baseline * (1 + r)`.
 * Metrics without a spec are treated as maximize.
 */
export function structuredRules(
  metrics: Record<string, StructuredRule>,
  specs: Record<string, MetricSpec>,
): Rule[] {
  const rules: Rule[] = [];
  for (const [metric, s] of Object.entries(metrics)) {
    if (s.min !== undefined)
      rules.push({ metric, op: ">=", right: { kind: "number", value: s.min }, significant: false });
    if (s.max !== undefined)
      rules.push({ metric, op: "<=", right: { kind: "number", value: s.max }, significant: false });
    if (s.max_regression !== undefined) {
      const { relative, value } = parseRegression(metric, s.max_regression);
      const maximize = (specs[metric]?.goal ?? "maximize") === "maximize";
      const sign = maximize ? "-" : "+";
      const right: Expr = relative
        ? {
            kind: "binary",
            op: "*",
            left: { kind: "baseline" },
            right: {
              kind: "binary",
              op: sign,
              left: { kind: "number", value: 1 },
              right: { kind: "number", value, percent: true },
            },
          }
        : { kind: "binary", op: sign, left: { kind: "baseline" }, right: { kind: "number", value } };
      rules.push({ metric, op: maximize ? ">=" : "<=", right, significant: false });
    }
  }
  return rules;
}
