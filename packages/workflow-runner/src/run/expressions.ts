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
import { TokenType } from "@actions/workflow-parser/templates/tokens/types";
import { parse as parseYaml } from "yaml";
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
  const tokens = lexer.lex().tokens;
  // @actions/expressions 0.3.61 unescapes only the first `''` of a string literal (`replace("''", "'")`,
  // lexer.js consumeString), so `run: echo '${{ github.ref }}'` — which the parser turns into
  // `format('echo ''{0}''', github.ref)` — gets a stray quote and breaks the shell script. GitHub's runner
  // unescapes every `''` (docs "Evaluate expressions in workflows and actions" → Literals: "you must
  // escape single quotes with a single quote"): recompute each string literal's value from its lexeme.
  for (const token of tokens) {
    if (token.lexeme.startsWith("'") && token.lexeme.endsWith("'") && token.lexeme.length >= 2) {
      token.value = token.lexeme.slice(1, -1).replace(/''/g, "'");
    }
  }
  const parser = new Parser(tokens, CONTEXT_NAMES, EXTENSION_FUNCTIONS);
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

/**
 * The `${{ }}` segments of a string, split as GitHub's template reader splits them (a `}}` inside a
 * quoted string literal of the expression does not close it).
 */
export function splitTemplate(text: string): Array<{ literal: string } | { expression: string }> {
  const out: Array<{ literal: string } | { expression: string }> = [];
  let index = 0;
  while (index < text.length) {
    const open = text.indexOf("${{", index);
    if (open < 0) break;
    let inString = false;
    let close = -1;
    for (let i = open + 3; i < text.length; i++) {
      if (text[i] === "'") inString = !inString;
      else if (!inString && text[i] === "}" && text[i - 1] === "}") {
        close = i;
        break;
      }
    }
    if (close < 0) break;
    if (open > index) out.push({ literal: text.slice(index, open) });
    out.push({ expression: text.slice(open + 3, close - 1).trim() });
    index = close + 1;
  }
  if (index < text.length) out.push({ literal: text.slice(index) });
  return out;
}

/** `format('literal {0} …', expr0, …)` for a template string, as GitHub's template reader builds it. */
function formatExpression(text: string): string | undefined {
  const segments = splitTemplate(text);
  if (!segments.some((segment) => "expression" in segment)) return undefined;
  // a value that is one `${{ }}` and nothing else is that expression (its value keeps its type: a block
  // scalar `matrix: |-\n  ${{ fromJSON(…) }}` is an object, as GitHub's template reader makes it)
  const only = segments[0];
  if (segments.length === 1 && only !== undefined && "expression" in only) return only.expression;
  const args: string[] = [];
  let format = "";
  for (const segment of segments) {
    if ("literal" in segment) {
      format += segment.literal.replace(/'/g, "''").replace(/\{/g, "{{").replace(/\}/g, "}}");
    } else {
      format += `{${args.length}}`;
      args.push(segment.expression);
    }
  }
  return `format('${format}'${args.map((arg) => `, ${arg}`).join("")})`;
}

/**
 * The expression of a token. `@actions/workflow-parser` 0.3.61 builds the `format(…)` of a multi-line
 * scalar (a `run: |` block with `${{ }}`) from the YAML *source* (template-reader.js parseScalar: "For
 * multi-line block scalars, use token.source directly"), so every line keeps the block's indentation and
 * `>` blocks are not folded. GitHub substitutes into the scalar's value (docs "Workflow syntax" →
 * `jobs.<job_id>.steps[*].run`; "Evaluate expressions": "expressions … in the value of a key"): rebuild the
 * expression from the value the YAML source denotes.
 */
function tokenExpression(token: TemplateToken & { expression: string }): string {
  const { source, range } = token as {
    source?: string;
    range?: { start: { line: number }; end: { line: number } };
  };
  const header = (token as { blockScalarHeader?: string }).blockScalarHeader;
  const multiLine = range !== undefined && range.start.line !== range.end.line;
  if (source === undefined || !multiLine || !token.expression.startsWith("format(")) return token.expression;
  let value: unknown;
  try {
    // an explicit indentation indicator (`|2`) is relative to the parent: let the YAML parser detect it
    const yamlHeader = header?.replace(/[1-9]/g, "");
    value = parseYaml(yamlHeader !== undefined ? `v: ${yamlHeader}\n${source}` : `v: ${source}`)?.v;
  } catch {
    return token.expression;
  }
  if (typeof value !== "string") return token.expression;
  return formatExpression(value) ?? token.expression;
}

/** Evaluates a template token tree to a plain value (expressions evaluated). */
export function evaluateToken(token: TemplateToken | undefined, scope: ExpressionScope): Json {
  if (token === undefined) return null;
  if (isBasicExpression(token)) return evaluateExpression(tokenExpression(token), scope);
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
      // `${{ insert }}: <mapping>` merges the mapping into this one (GitHub's template directive, docs
      // "Running variations of jobs" matrices built from objects; act testdata evalmatrix-merge-map)
      if (pair.key.templateTokenType === TokenType.InsertExpression) {
        const inserted = evaluateToken(pair.value, scope);
        if (inserted !== null && typeof inserted === "object" && !Array.isArray(inserted))
          Object.assign(out, inserted);
        continue;
      }
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
  return splitTemplate(text)
    .map((segment) =>
      "literal" in segment ? segment.literal : toText(evaluateExpression(segment.expression, scope)),
    )
    .join("");
}
