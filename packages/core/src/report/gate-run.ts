import type { ModelConfig } from "../config/schema.js";
import { InputError, MlopsError, type SourcePosition } from "../errors.js";
import {
  evaluateGate,
  type GateResult,
  gatePasses,
  type OnSkipped,
  type RuleOutcome,
} from "../gate/evaluate.js";
import { type PerExample, parsePerExample } from "../gate/per-example.js";
import type { Rule } from "../rules/ast.js";
import { formatRule } from "../rules/format.js";
import { parseRule } from "../rules/parse.js";
import { structuredRules } from "../rules/structured.js";
import type { MetricSpec, MetricValues } from "../types.js";

/** A gate rule with where it came from (for annotations and messages). */
export interface GateRule {
  rule: Rule;
  /** Canonical text (`formatRule`). */
  text: string;
  source: "config" | "input";
  /** The rule's line in the config file, when it was written there. */
  position?: SourcePosition;
}

export interface CollectGateRulesOptions {
  model?: ModelConfig;
  specs?: Record<string, MetricSpec>;
  /** Path of the config file (for positions) and its text (to find each rule's line). */
  configFile?: string;
  configText?: string;
  /** Rules given on the command line or as an action input. */
  extra?: readonly string[];
  /** Where `extra` came from (e.g. `--rule`), named in its errors. */
  extraSource?: string;
}

/** 1-based line of the first line at or after `from` that contains `needle`. */
function lineOf(lines: readonly string[], needle: string, from: number): number | undefined {
  for (let i = from; i < lines.length; i++) if (lines[i]?.includes(needle)) return i + 1;
  return undefined;
}

/**
 * Every rule of a gate: the model's `gate.rules` (each with its line in the config), its structured
 * `gate.metrics`, then the extra rules. Parses them all before anything else happens, so a malformed
 * rule fails early with the caret message (plus `file:line` for a config rule).
 */
export function collectGateRules(options: CollectGateRulesOptions): GateRule[] {
  const lines = options.configText?.split(/\r?\n/) ?? [];
  const rules: GateRule[] = [];
  const modelLine = options.model ? (lineOf(lines, options.model.name, 0) ?? 1) - 1 : 0;
  let searchFrom = modelLine;
  for (const raw of options.model?.gate?.rules ?? []) {
    const line = lineOf(lines, raw, searchFrom);
    if (line !== undefined) searchFrom = line;
    const position =
      options.configFile !== undefined
        ? { file: options.configFile, ...(line === undefined ? {} : { line }) }
        : undefined;
    let rule: Rule;
    try {
      rule = parseRule(raw);
    } catch (error) {
      if (error instanceof MlopsError && position)
        throw new InputError(error.message, {
          position,
          ...(error.details ? { details: error.details } : {}),
        });
      throw error;
    }
    rules.push({ rule, text: formatRule(rule), source: "config", ...(position ? { position } : {}) });
  }
  const structuredLine = lineOf(lines, "metrics:", lineOf(lines, "gate:", modelLine) ?? lines.length);
  for (const rule of structuredRules(options.model?.gate?.metrics ?? {}, options.specs ?? {})) {
    const position =
      options.configFile !== undefined
        ? { file: options.configFile, ...(structuredLine === undefined ? {} : { line: structuredLine }) }
        : undefined;
    rules.push({ rule, text: formatRule(rule), source: "config", ...(position ? { position } : {}) });
  }
  for (const raw of options.extra ?? []) {
    let rule: Rule;
    try {
      rule = parseRule(raw);
    } catch (error) {
      // name where the rule came from (e.g. `--rule`), as a file would be named
      if (error instanceof MlopsError && options.extraSource !== undefined)
        throw new InputError(`${options.extraSource}: ${error.message}`, {
          ...(error.details ? { details: error.details } : {}),
        });
      throw error;
    }
    rules.push({ rule, text: formatRule(rule), source: "input" });
  }
  return rules;
}

/** Per-example results (CSV text) of the candidate and the baseline, for `significant` rules. */
export interface PerExampleInput {
  head: { text: string; file: string };
  baseline: { text: string; file: string };
  /** Column of example ids (default `id`). */
  idColumn?: string;
  seed?: number;
  iterations?: number;
}

/**
 * The value column for a rule on `metric`: a column named like the metric, or `correct` for
 * `accuracy` (the mean of per-example correctness is the accuracy).
 */
export function perExampleColumn(header: readonly string[], metric: string, file: string): string {
  if (header.includes(metric)) return metric;
  if (metric === "accuracy" && header.includes("correct")) return "correct";
  throw new InputError(
    `${file} has no per-example column for "${metric}" (expected a column "${metric}"${metric === "accuracy" ? ' or "correct"' : ""}; columns: ${header.join(", ")})`,
  );
}

export interface RunGateInput {
  head: MetricValues;
  baseline?: MetricValues;
  rules: readonly GateRule[];
  perExample?: PerExampleInput;
  /** What skipped rules do to the verdict (default `warn`; `gate.on_skipped` in mlops.yml). */
  onSkipped?: OnSkipped;
}

/** A rule's outcome together with the rule it came from. */
export interface GateRuleOutcome extends RuleOutcome {
  source: GateRule["source"];
  position?: SourcePosition;
}

export interface GateRun extends Omit<GateResult, "rules"> {
  rules: GateRuleOutcome[];
}

/**
 * Evaluates the rules. `significant` rules (with a baseline value to compare to) get a seeded paired
 * bootstrap over the per-example results, read from the column named like their metric.
 */
export function runGate(input: RunGateInput): GateRun {
  const parsed = new Map<string, { head: PerExample[]; baseline: PerExample[] }>();
  const perExampleFor = (metric: string) => {
    const source = input.perExample;
    if (!source) return undefined;
    const cached = parsed.get(metric);
    if (cached) return cached;
    const idColumn = source.idColumn ?? "id";
    const read = (side: { text: string; file: string }) =>
      parsePerExample(side.text, side.file, {
        idColumn,
        valueColumn: (header) => perExampleColumn(header, metric, side.file),
      });
    const pair = { head: read(source.head), baseline: read(source.baseline) };
    parsed.set(metric, pair);
    return pair;
  };
  const outcomes = input.rules.map((gateRule): GateRuleOutcome => {
    const { rule } = gateRule;
    const needsBootstrap = rule.significant && input.baseline?.[rule.metric] !== undefined;
    const pair = needsBootstrap ? perExampleFor(rule.metric) : undefined;
    const result = evaluateGate({
      head: input.head,
      rules: [rule],
      ...(input.baseline ? { baseline: input.baseline } : {}),
      ...(pair
        ? {
            bootstrap: {
              ...pair,
              ...(input.perExample?.seed !== undefined ? { seed: input.perExample.seed } : {}),
              ...(input.perExample?.iterations !== undefined
                ? { iterations: input.perExample.iterations }
                : {}),
            },
          }
        : {}),
    });
    const outcome = result.rules[0] as RuleOutcome;
    return {
      ...outcome,
      source: gateRule.source,
      ...(gateRule.position ? { position: gateRule.position } : {}),
    };
  });
  const onSkipped = input.onSkipped ?? "warn";
  return {
    passed: gatePasses(outcomes, onSkipped),
    firstModel: input.baseline === undefined,
    onSkipped,
    rules: outcomes,
  };
}
