import { InputError } from "@mlops/core";
import * as z from "zod";

/**
 * Typed action inputs. Each action declares one zod object whose keys are exactly the input names of
 * its `action.yml` (a contract test checks that). Raw values come from `INPUT_<NAME>` like
 * `core.getInput`: trimmed, an empty string meaning "not given".
 */

export type InputSource = (name: string) => string;

/** Reads `INPUT_<NAME>` the way the runner writes it (spaces → `_`, upper case). */
export function environmentInputs(env: NodeJS.ProcessEnv = process.env): InputSource {
  return (name) => (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

const TRUE_WORDS = new Set(["true", "True", "TRUE"]);
const FALSE_WORDS = new Set(["false", "False", "FALSE"]);

/** A boolean per YAML 1.2 core schema (`true|True|TRUE|false|False|FALSE`), like `core.getBooleanInput`. */
export function booleanInput(defaultValue: boolean) {
  return z
    .string()
    .transform((raw, ctx) => {
      if (raw === "") return defaultValue;
      if (TRUE_WORDS.has(raw)) return true;
      if (FALSE_WORDS.has(raw)) return false;
      ctx.addIssue({
        code: "custom",
        message: `expected true or false (YAML 1.2 core schema), got "${raw}"`,
      });
      return z.NEVER;
    })
    .describe("boolean");
}

/** A required non-empty string. */
export function requiredInput() {
  return z.string().min(1, { message: "is required" });
}

/** An optional string: empty means undefined. */
export function optionalInput() {
  return z.string().transform((raw) => (raw === "" ? undefined : raw));
}

/** A string with a default when empty. */
export function defaultedInput(defaultValue: string) {
  return z.string().transform((raw) => (raw === "" ? defaultValue : raw));
}

/** A list: one item per line (and/or comma-separated when `commas`), blanks and `#` comments dropped. */
export function listInput(options: { commas?: boolean } = {}) {
  return z.string().transform((raw) =>
    raw
      .split(options.commas ? /[\n,]/ : /\n/)
      .map((item) => item.trim())
      .filter((item) => item !== "" && !item.startsWith("#")),
  );
}

/** A positive integer (empty → default). */
export function integerInput(defaultValue: number, options: { min?: number } = {}) {
  return z
    .string()
    .transform((raw) => (raw === "" ? String(defaultValue) : raw))
    .pipe(
      z
        .string()
        .regex(/^-?\d+$/, { message: "expected a whole number" })
        .transform(Number)
        .pipe(z.number().min(options.min ?? Number.MIN_SAFE_INTEGER)),
    );
}

export type InputSchema = z.ZodObject<Record<string, z.ZodType<unknown, string>>>;

/**
 * Reads and validates every input of `schema`. All problems are reported at once, each naming its
 * input: `Invalid inputs: 'fail-on-regression': expected true or false …`.
 */
export function readInputs<S extends InputSchema>(
  schema: S,
  source: InputSource = environmentInputs(),
): z.output<S> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) raw[name] = source(name);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `'${String(issue.path[0] ?? "?")}': ${issue.message}`);
  throw new InputError(`Invalid input ${problems[0]}`, {
    details:
      problems.length > 1
        ? problems
            .slice(1)
            .map((p) => `Invalid input ${p}`)
            .join("\n")
        : undefined,
  });
}
