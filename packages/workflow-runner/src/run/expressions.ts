import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { hashFiles } from "./hash-files.js";

/** A JSON-like value, as expressions see the contexts. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The status of the job so far, for `success()`, `failure()`, `cancelled()`, `always()`. */
export interface StatusState {
  /**
   * "success" | "failure" | "cancelled" of the job so far; for a job `if`, of the jobs it needs
   * ("skipped" when one of them was skipped: then neither success() nor failure() holds).
   */
  status: () => "success" | "failure" | "cancelled" | "skipped";
}

/** Everything an expression can read. Context names are those of GitHub's `if:`/`${{ }}`. */
export interface ExpressionScope {
  contexts: Record<string, Json>;
  status: StatusState;
  /** The directory `hashFiles` searches (the job's workspace). */
  workspace: string;
}

const CONTEXT_NAMES = [
  "github",
  "env",
  "vars",
  "secrets",
  "inputs",
  "needs",
  "matrix",
  "strategy",
  "steps",
  "job",
  "jobs",
  "runner",
];

const EXTENSION_FUNCTIONS = [
  { name: "success", minArgs: 0, maxArgs: 0 },
  { name: "failure", minArgs: 0, maxArgs: 0 },
  { name: "always", minArgs: 0, maxArgs: 0 },
  { name: "cancelled", minArgs: 0, maxArgs: 0 },
  { name: "hashFiles", minArgs: 1, maxArgs: 255 },
];

export function toData(value: Json | undefined): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

export function fromData(value: data.ExpressionData): Json {
  return JSON.parse(JSON.stringify(value, data.replacer)) as Json;
}

/** The string GitHub substitutes for a value in `${{ }}` (objects/arrays as JSON). */
export function toText(value: Json): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  return JSON.stringify(value, null, 2);
}

export function truthy(value: Json): boolean {
  if (value === null || value === false || value === "" || value === 0) return false;
  if (typeof value === "number" && Number.isNaN(value)) return false;
  return true;
}

function functionsFor(scope: ExpressionScope): Map<string, FunctionDefinition> {
  const bool = (value: boolean) => new data.BooleanData(value);
  const fns: FunctionDefinition[] = [
    { name: "success", minArgs: 0, maxArgs: 0, call: () => bool(scope.status.status() === "success") },
    { name: "failure", minArgs: 0, maxArgs: 0, call: () => bool(scope.status.status() === "failure") },
    { name: "cancelled", minArgs: 0, maxArgs: 0, call: () => bool(scope.status.status() === "cancelled") },
    { name: "always", minArgs: 0, maxArgs: 0, call: () => bool(true) },
    {
      name: "hashfiles",
      minArgs: 1,
      maxArgs: 255,
      call: (...args) =>
        new data.StringData(
          hashFiles(
            scope.workspace,
            args.map((arg) => arg.coerceString()),
          ),
        ),
    },
  ];
  return new Map(fns.map((fn) => [fn.name, fn]));
}

/** Evaluates one expression (without `${{ }}`) against the scope. */
export function evaluateExpression(expression: string, scope: ExpressionScope): Json {
  const lexer = new Lexer(expression);
  const parser = new Parser(lexer.lex().tokens, CONTEXT_NAMES, EXTENSION_FUNCTIONS);
  const tree = parser.parse();
  const context = new data.Dictionary();
  for (const name of CONTEXT_NAMES) context.add(name, toData(scope.contexts[name] ?? {}));
  const result = new Evaluator(tree, context, functionsFor(scope)).evaluate();
  return fromData(result);
}

/** Evaluates a condition; adds `success() &&` when it calls no status function (as GitHub does). */
export function evaluateCondition(condition: string | undefined, scope: ExpressionScope): boolean {
  let expression = (condition ?? "").trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expression);
  if (wrapped?.[1] !== undefined && !wrapped[1].includes("}}")) expression = wrapped[1].trim();
  if (expression === "") expression = "success()";
  else if (!/\b(success|failure|always|cancelled)\s*\(/i.test(expression)) {
    expression = `success() && (${expression})`;
  }
  return truthy(evaluateExpression(expression, scope));
}

/** Evaluates a template token tree to a plain value (expressions evaluated). */
export function evaluateToken(token: TemplateToken | undefined, scope: ExpressionScope): Json {
  if (token === undefined) return null;
  if (isBasicExpression(token)) return evaluateExpression(token.expression, scope);
  if (isString(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isSequence(token)) {
    const out: Json[] = [];
    for (let i = 0; i < token.count; i++) out.push(evaluateToken(token.get(i), scope));
    return out;
  }
  if (isMapping(token)) {
    const out: Record<string, Json> = {};
    for (const pair of token) {
      out[toText(evaluateToken(pair.key, scope))] = evaluateToken(pair.value, scope);
    }
    return out;
  }
  return null;
}

/** Evaluates a token to the string GitHub would pass (e.g. an input or env value). */
export function evaluateString(token: TemplateToken | undefined, scope: ExpressionScope): string {
  return toText(evaluateToken(token, scope));
}

/** Evaluates a mapping token to a string map (env, with, outputs). */
export function evaluateStringMap(
  token: TemplateToken | undefined,
  scope: ExpressionScope,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (token === undefined || !isMapping(token)) return out;
  for (const pair of token) {
    out[toText(evaluateToken(pair.key, scope))] = evaluateString(pair.value, scope);
  }
  return out;
}

/** Substitutes every `${{ expr }}` of a plain string (e.g. an action.yml input default). */
export function evaluateTemplateString(text: string, scope: ExpressionScope): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    toText(evaluateExpression(expression.trim(), scope)),
  );
}
