import { readFileSync, statSync } from "node:fs";
import { isMap, isPair, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { InputError, type SourcePosition } from "../errors.js";
import { decodeUtf8Text } from "./text.js";

/**
 * The bounds every parser of user input applies (mlops.yml, metrics JSON/YAML/CSV, gate rules, manifests,
 * event payloads). Each can be raised with an environment variable; the error that hits a bound names it.
 */
export interface InputLimits {
  /** Deepest nesting of objects/arrays in JSON or YAML (`MLOPS_MAX_DEPTH`, default 64). */
  maxDepth: number;
  /** Largest input file read whole (`MLOPS_MAX_INPUT_BYTES`, default 64 MiB). */
  maxInputBytes: number;
  /** Most YAML alias expansions in one document (`MLOPS_MAX_YAML_ALIASES`, default 100): stops "billion laughs". */
  maxAliasCount: number;
  /** Longest gate rule in characters (`MLOPS_MAX_RULE_LENGTH`, default 1024). */
  maxRuleLength: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxDepth: 64,
  maxInputBytes: 64 * 1024 * 1024,
  maxAliasCount: 100,
  maxRuleLength: 1024,
};

const ENV: Record<keyof InputLimits, string> = {
  maxDepth: "MLOPS_MAX_DEPTH",
  maxInputBytes: "MLOPS_MAX_INPUT_BYTES",
  maxAliasCount: "MLOPS_MAX_YAML_ALIASES",
  maxRuleLength: "MLOPS_MAX_RULE_LENGTH",
};

/** The limits in force: defaults, each overridden by its environment variable when that is a positive integer. */
export function inputLimits(env: NodeJS.ProcessEnv = process.env): InputLimits {
  const limits = { ...DEFAULT_INPUT_LIMITS };
  for (const key of Object.keys(ENV) as (keyof InputLimits)[]) {
    const raw = env[ENV[key]];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new InputError(`${ENV[key]}: expected a positive integer, got "${raw}"`);
    limits[key] = value;
  }
  return limits;
}

/** "(limit N; raise it with MLOPS_…)" for messages. */
export function limitHint(key: keyof InputLimits, value: number): string {
  return `the limit is ${value}; raise it with ${ENV[key]}=<n>`;
}

/**
 * Reads a whole text file after checking its size against `maxInputBytes`: UTF-8 only (another encoding is
 * one InputError at the first bad byte's line), a leading byte order mark dropped.
 */
export function readInputText(path: string, file: string = path): string {
  const { maxInputBytes } = inputLimits();
  const size = statSync(path).size;
  if (size > maxInputBytes)
    throw new InputError(
      `file is ${size} bytes, larger than the input limit (${limitHint("maxInputBytes", maxInputBytes)})`,
      {
        position: { file },
      },
    );
  return decodeUtf8Text(readFileSync(path), file);
}

function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Checks, without recursion, that JSON text nests no deeper than `maxDepth` (JSON.parse itself copes with any
 * depth, but everything that walks the result recurses). Throws at the line and column of the first bracket too deep.
 */
export function checkJsonDepth(text: string, file: string, what = "JSON"): void {
  const { maxDepth } = inputLimits();
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
      if (depth > maxDepth)
        throw new InputError(
          `${what} nests deeper than ${maxDepth} levels (${limitHint("maxDepth", maxDepth)})`,
          {
            position: { file, ...lineColumnAt(text, i) },
          },
        );
    } else if (c === 93 || c === 125) depth--;
  }
}

/**
 * The text with the bare values `NaN`, `Infinity` and `-Infinity` (outside strings) quoted: what Python's
 * `json.dump` writes for floats that are not finite becomes the strings `"NaN"`, … that a metrics reader
 * reports as "not a number" like any other.
 */
export function quoteNonFiniteJson(text: string): string {
  let out = "";
  let from = 0;
  let inString = false;
  let previous = ""; // the last character outside strings and whitespace
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      previous = c;
      continue;
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r") continue;
    const token = /^(?:NaN|-?Infinity)(?![A-Za-z0-9_])/.exec(text.slice(i, i + 10))?.[0];
    if (token && (previous === ":" || previous === "," || previous === "[")) {
      out += `${text.slice(from, i)}"${token}"`;
      from = i + token.length;
      i += token.length - 1;
      previous = '"';
      continue;
    }
    previous = c;
  }
  return out + text.slice(from);
}

/**
 * Parses JSON text: one InputError naming file, line and column for bad syntax or too deep nesting.
 * `nonFinite: "string"` reads Python's bare `NaN`/`Infinity` as the strings `"NaN"`/`"Infinity"` (metrics
 * files, where such a value is reported as not a number); otherwise they are an error that names them.
 */
export function parseJsonText(
  text: string,
  file: string,
  what = "JSON",
  options: { nonFinite?: "error" | "string" } = {},
): unknown {
  checkJsonDepth(text, file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    const bad = jsonErrorOffset(text);
    const nonFinite = /^(-?Infinity|NaN)\b/.exec(text.slice(bad, bad + 9));
    if (nonFinite && options.nonFinite === "string") {
      const quoted = quoteNonFiniteJson(text);
      try {
        return JSON.parse(quoted);
      } catch {
        // another problem too: report it where it is in the text as written (each quoting added 2 characters)
        const at = jsonErrorOffset(quoted);
        let added = 0;
        for (let i = quoted.indexOf('"', 0); i >= 0 && i < at; i = quoted.indexOf('"', i + 1))
          if (
            /^"(?:NaN|-?Infinity)"/.test(quoted.slice(i, i + 11)) &&
            text.slice(i - added, i - added + 1) !== '"'
          )
            added += 2;
        const where = lineColumnAt(text, at - added);
        throw new InputError(`invalid ${what}: unexpected ${JSON.stringify(text.charAt(at - added))}`, {
          position: { file, ...where },
        });
      }
    }
    if (nonFinite)
      throw new InputError(
        `invalid ${what}: ${nonFinite[1]} is not a JSON value (Python's json.dump writes it for a float that is not finite); write null, or fix the value that became ${nonFinite[1]}`,
        { position: { file, ...lineColumnAt(text, bad) } },
      );
    const message = String((error as Error).message);
    const lineColumn = /line (\d+) column (\d+)/.exec(message);
    const offset = /position (\d+)/.exec(message);
    // Node 20 names a position for some errors only: find the others with a small scanner.
    const at = offset ? Number(offset[1]) : bad;
    const where: SourcePosition = lineColumn
      ? { file, line: Number(lineColumn[1]), column: Number(lineColumn[2]) }
      : { file, ...lineColumnAt(text, at) };
    const reason = message
      // V8's "Unexpected token 'x', ..."<snippet>"... is not valid JSON" quotes engine text: say it plainly
      .replace(/^Unexpected token '(.*?)', .* is not valid JSON$/s, (_, token: string) =>
        token === "\ufeff"
          ? "unexpected byte order mark (U+FEFF) inside the text"
          : /^\s$/.test(token)
            ? "unexpected whitespace character"
            : `unexpected "${token}"`,
      )
      .replace(
        /^Unexpected end of JSON input$/,
        "the text ends before the JSON does (an unclosed {, [ or string?)",
      )
      .replace(/ \(line \d+ column \d+\)/, "")
      .replace(/ (?:in JSON )?at position \d+.*$/s, "")
      .split("\n")[0];
    throw new InputError(`invalid ${what}: ${reason}`, { position: where });
  }
}

/**
 * The first key that an object of valid JSON `text` gives twice (JSON.parse silently keeps the last value),
 * with its offset; undefined when keys are unique. Iterative, one pass.
 */
export function duplicateJsonKey(text: string): { key: string; offset: number; first: number } | undefined {
  const objects: (Map<string, number> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) {
      objects.push(new Map());
      expectKey = true;
    } else if (c === 91 /* [ */) {
      objects.push(undefined);
      expectKey = false;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      objects.pop();
      expectKey = false;
    } else if (c === 44 /* , */) {
      expectKey = objects[objects.length - 1] !== undefined;
    } else if (c === 34 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      const keys = objects[objects.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        const first = keys.get(key);
        if (first !== undefined) return { key, offset: start, first };
        keys.set(key, start);
      }
      expectKey = false;
    }
  }
  return undefined;
}

/** Refuses JSON whose object gives a key twice (InputError at the second, naming the first's line). */
export function checkJsonUniqueKeys(text: string, file: string, what = "JSON"): void {
  const dup = duplicateJsonKey(text);
  if (!dup) return;
  const first = lineColumnAt(text, dup.first);
  throw new InputError(
    `invalid ${what}: key "${dup.key}" appears twice in one object (first at line ${first.line}, column ${first.column}); JSON readers keep only one of the values`,
    { position: { file, ...lineColumnAt(text, dup.offset) } },
  );
}

/** How deeply a parsed value nests (objects and arrays), computed without recursion. */
export function valueDepth(value: unknown): number {
  let max = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { value: node, depth } = stack.pop()!;
    if (node === null || typeof node !== "object" || seen.has(node)) continue;
    seen.add(node);
    max = Math.max(max, depth + 1);
    for (const child of Array.isArray(node) ? node : Object.values(node))
      stack.push({ value: child, depth: depth + 1 });
  }
  return max;
}

/**
 * The offset of the first JSON syntax error in `text` (its length when the error is a missing end), found
 * iteratively: used to give a line and column where `JSON.parse`'s message has none.
 */
export function jsonErrorOffset(text: string): number {
  const stack: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text.charAt(i))) i++;
  };
  const string = (): boolean => {
    if (text.charAt(i) !== '"') return false;
    for (i++; i < text.length; i++) {
      const c = text.charAt(i);
      if (c === "\\") i++;
      else if (c === '"') {
        i++;
        return true;
      } else if (c < " ") return false;
    }
    return false;
  };
  const scalar = (): boolean => {
    const rest = text.slice(i, i + 400);
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(rest);
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  // expecting: "value" | "key" | "colon" | "after"
  let expecting = "value";
  ws();
  while (i <= text.length) {
    ws();
    const c = text.charAt(i);
    if (expecting === "value") {
      if (c === "{" || c === "[") {
        stack.push(c);
        i++;
        ws();
        const close = c === "{" ? "}" : "]";
        if (text.charAt(i) === close) {
          stack.pop();
          i++;
          expecting = "after";
        } else expecting = c === "{" ? "key" : "value";
        continue;
      }
      if (c === '"' ? !string() : !scalar()) return i;
      expecting = "after";
    } else if (expecting === "key") {
      if (!string()) return i;
      expecting = "colon";
    } else if (expecting === "colon") {
      if (c !== ":") return i;
      i++;
      expecting = "value";
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return Math.min(i, text.length);
      if (c === ",") {
        i++;
        expecting = top === "{" ? "key" : "value";
      } else if ((c === "}" && top === "{") || (c === "]" && top === "[")) {
        stack.pop();
        i++;
      } else return i;
    }
    if (i >= text.length && (stack.length > 0 || expecting !== "after")) return text.length;
  }
  return text.length;
}

export interface ParsedYaml {
  data: unknown;
  contents: Node | null;
  position(offset: number): SourcePosition;
}

/**
 * Parses YAML text with the bounds: syntax errors, nesting deeper than `maxDepth` (checked without recursion
 * before anything walks the tree) and alias expansion past `maxAliasCount` each become one InputError naming
 * file, line and column. `mergeKeys`: YAML 1.1's `<<: *anchor`, which mlops.yml and metrics files accept;
 * workflow files do not, as GitHub rejects `<<` there (docs "Reusing workflow configurations",
 * https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations#yaml-anchors-and-aliases).
 */
export function parseYamlText(
  text: string,
  file: string,
  what = "YAML",
  options: { mergeKeys?: boolean } = {},
): ParsedYaml {
  const { maxDepth, maxAliasCount } = inputLimits();
  const lineCounter = new LineCounter();
  const position = (offset: number): SourcePosition => {
    const at = lineCounter.linePos(offset);
    return { file, line: at.line, column: at.col };
  };
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: options.mergeKeys ?? false });
  } catch (error) {
    if (error instanceof RangeError)
      throw new InputError(
        `${what} nests deeper than the parser can follow (${limitHint("maxDepth", maxDepth)})`,
        {
          position: { file },
        },
      );
    throw error;
  }
  const problem = doc.errors[0];
  // The parser recurses per nesting level and reports running out of stack as an error of its own.
  if (problem && /call stack/i.test(problem.message))
    throw new InputError(`${what} nests too deeply (${limitHint("maxDepth", maxDepth)})`, {
      position: position(problem.pos[0]),
    });
  if (problem) {
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML errors)` : "";
    throw new InputError(`invalid ${what}: ${problem.message.split("\n")[0]}${more}`, {
      position: position(problem.pos[0]),
    });
  }
  // Depth, iteratively: every consumer of the tree (toJS, schema checks, flattening) recurses.
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      if (depth + 1 > maxDepth)
        throw new InputError(
          `${what} nests deeper than ${maxDepth} levels (${limitHint("maxDepth", maxDepth)})`,
          {
            position: node.range ? position(node.range[0]) : { file },
          },
        );
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    } else if (isPair(node)) {
      stack.push({ node: node.key, depth });
      stack.push({ node: node.value, depth });
    }
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount });
  } catch (error) {
    const message = String((error as Error).message);
    if (error instanceof RangeError)
      throw new InputError(
        `${what} nests deeper than the parser can follow (${limitHint("maxDepth", maxDepth)})`,
        {
          position: { file },
        },
      );
    const unresolved = /Unresolved alias.*: (\S+)/.exec(message);
    if (unresolved) {
      const at = text.indexOf(`*${unresolved[1]}`);
      throw new InputError(`invalid ${what}: alias *${unresolved[1]} names no anchor defined before it`, {
        position: at >= 0 ? position(at) : { file },
      });
    }
    if (/alias/i.test(message))
      throw new InputError(
        `${what} expands aliases too many times, as a "billion laughs" document does (${limitHint("maxAliasCount", maxAliasCount)})`,
        { position: { file } },
      );
    throw new InputError(`invalid ${what}: ${message.split("\n")[0]}`, { position: { file } });
  }
  // Aliases can stack anchors into something deeper than the text shows: check the expanded value too.
  if (valueDepth(data) > maxDepth)
    throw new InputError(
      `${what} nests deeper than ${maxDepth} levels once its aliases are expanded (${limitHint("maxDepth", maxDepth)})`,
      {
        position: { file },
      },
    );
  return { data, contents: doc.contents as Node | null, position };
}
