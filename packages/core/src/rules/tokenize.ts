import { InputError } from "../errors.js";
import { ARITHMETIC, COMPARATOR_NAMES } from "../gate/operators.js";
import { inputLimits, limitHint } from "../input/limits.js";

/** A lexical token with its 0-based column in the rule text. */
export type Token =
  | { kind: "number"; value: number; percent: boolean; column: number }
  | { kind: "name"; name: string; quoted: boolean; column: number }
  | { kind: "op"; op: string; column: number }
  | { kind: "end"; column: number };

/** The comparison operators, longest first so that `>=` is not read as `>` then `=`. */
const COMPARATORS = [...COMPARATOR_NAMES].sort((a, b) => b.length - a.length);
const SINGLE = new Set([...Object.keys(ARITHMETIC), "(", ")"]);

/** The rule text around `column` (0-based), at most ~60 characters, on one line. */
function excerpt(text: string, column: number): string {
  const flat = text.replace(/[\r\n\t]/g, " ");
  if (flat.length <= 60) return flat;
  const start = Math.max(0, Math.min(column - 30, flat.length - 60));
  return `${start > 0 ? "…" : ""}${flat.slice(start, start + 60)}${start + 60 < flat.length ? "…" : ""}`;
}

/** Builds the InputError: one line with what was expected, the 1-based column and the rule text around it. */
export function ruleError(text: string, column: number, expected: string): InputError {
  return new InputError(`invalid rule: ${expected}`, {
    details: `at column ${column + 1} of "${excerpt(text, column)}"`,
  });
}

const isNameStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isNameChar = (c: string): boolean => /[A-Za-z0-9_.]/.test(c);

/**
 * Splits rule text into tokens. Names are dot paths of letters, digits, `_`, `.` and `-`; a `-` belongs to a
 * name only when directly followed by a letter or `_` (write `a - b` with spaces to subtract). Backticks quote
 * any other name. A number may end in `%` (`2%` = 0.02).
 */
export function tokenize(text: string): Token[] {
  const { maxRuleLength } = inputLimits();
  if (text.length > maxRuleLength)
    throw ruleError(
      text,
      maxRuleLength,
      `a rule of at most ${maxRuleLength} characters (${limitHint("maxRuleLength", maxRuleLength)})`,
    );
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9.]/.test(c)) {
      const match = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!match) throw ruleError(text, i, "expected a number");
      i += match[0].length;
      const percent = text.charAt(i) === "%";
      if (percent) i++;
      const value = Number(match[0]);
      tokens.push({ kind: "number", value: percent ? value / 100 : value, percent, column: start });
      continue;
    }
    if (c === "`") {
      const close = text.indexOf("`", i + 1);
      if (close < 0) throw ruleError(text, text.length, "expected a closing backtick");
      const name = text.slice(i + 1, close);
      if (name.length === 0) throw ruleError(text, i, "expected a metric name inside backticks");
      tokens.push({ kind: "name", name, quoted: true, column: start });
      i = close + 1;
      continue;
    }
    if (isNameStart(c)) {
      i++;
      while (i < text.length) {
        const d = text.charAt(i);
        if (isNameChar(d) || (d === "-" && isNameStart(text.charAt(i + 1)))) i++;
        else break;
      }
      tokens.push({ kind: "name", name: text.slice(start, i), quoted: false, column: start });
      continue;
    }
    const two = text.slice(i, i + 2);
    const comparator = COMPARATORS.find((op) => two.startsWith(op));
    if (comparator) {
      tokens.push({ kind: "op", op: comparator, column: start });
      i += comparator.length;
      continue;
    }
    if (SINGLE.has(c)) {
      tokens.push({ kind: "op", op: c, column: start });
      i++;
      continue;
    }
    throw ruleError(text, i, `unexpected character \`${c}\``);
  }
  tokens.push({ kind: "end", column: text.length });
  return tokens;
}
