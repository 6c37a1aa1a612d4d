import { InputError } from "../errors.js";
import {
  looksLikeModelVersion,
  type ModelVersion,
  modelVersionProblem,
  tryParseModelVersion,
} from "../manifest/model-version.js";
import { isValidName, MODEL_NAME_RULE, validateModelName } from "./model-name.js";

/**
 * What a user may ask the registry for: a version, an alias, the newest version, or (deploy and rollback
 * only) the version an environment ran before its current one. The one parser of this grammar is
 * `parseSelector`; every action input, CLI argument and gate baseline goes through it.
 */
export type ModelSelector =
  | { kind: "version"; version: ModelVersion }
  | { kind: "alias"; alias: string }
  | { kind: "latest" }
  | { kind: "previous" };

export type SelectorKind = ModelSelector["kind"];

export interface SelectorKindSpec {
  /** How it is written. */
  syntax: string;
  /** What it selects (one clause, for error messages and docs). */
  description: string;
  /** Spellings that parse as this kind (the table test parses every one). */
  examples: readonly string[];
}

/**
 * The selector kinds: the single table that error messages, `mlops --help` texts and CONTRIBUTING.md
 * ("How to add a selector") describe. Adding a kind here makes `ModelSelector` and every `switch` over it
 * fail to compile until it is handled.
 */
export const SELECTOR_KINDS: { readonly [K in SelectorKind]: SelectorKindSpec } = {
  version: {
    syntax: "vN, N or MAJOR.MINOR.PATCH[-prerelease]",
    description: "that registered version",
    examples: ["v7", "7", "1.4.0", "v2.0.0-rc.1"],
  },
  alias: {
    syntax: "@ALIAS",
    description: "the version the alias points at (refs/mlops/<model>/@<alias>)",
    examples: ["@production", "@champion", "@latest"],
  },
  latest: {
    syntax: "latest",
    description: "the highest published version, or the one @latest names when that alias exists",
    examples: ["latest"],
  },
  previous: {
    syntax: "previous",
    description: "the version an environment ran before its current one (deploy and rollback only)",
    examples: ["previous"],
  },
};

export const SELECTOR_KIND_NAMES = Object.keys(SELECTOR_KINDS) as SelectorKind[];

export interface ParseSelectorOptions {
  /** The kinds this caller accepts (default: every kind). */
  allow?: readonly SelectorKind[];
  /**
   * Also read a bare name as an alias (`champion` = `@champion`), as the registry commands do (default
   * true). Off where a bare word means something else (a file, for a gate baseline).
   */
  bareAlias?: boolean;
  /** What was parsed (`--baseline`, `input 'version'`), put before the error message. */
  what?: string;
}

/** `v7 / 7 / 1.4.0 (that registered version), @ALIAS (…), latest (…)`: the accepted kinds, in words. */
export function describeSelectorKinds(kinds: readonly SelectorKind[] = SELECTOR_KIND_NAMES): string {
  return kinds
    .map(
      (kind) =>
        `${SELECTOR_KINDS[kind].examples.slice(0, 3).join(" / ")} (${SELECTOR_KINDS[kind].description})`,
    )
    .join("; ");
}

type Parsed = { selector: ModelSelector } | { problem: string };

function parse(text: string, options: ParseSelectorOptions): Parsed {
  const allow = options.allow ?? SELECTOR_KIND_NAMES;
  const expected = () => `expected ${describeSelectorKinds(allow)}`;
  const accepted = (selector: ModelSelector): Parsed =>
    allow.includes(selector.kind)
      ? { selector }
      : {
          problem: `'${text}' is ${SELECTOR_KINDS[selector.kind].syntax}, which is not accepted here: ${expected()}`,
        };
  const trimmed = text.trim();
  if (trimmed === "") return { problem: `empty selector: ${expected()}` };
  if (trimmed === "latest") return accepted({ kind: "latest" });
  if (trimmed === "previous") return accepted({ kind: "previous" });
  if (looksLikeModelVersion(trimmed)) {
    const parsed = tryParseModelVersion(trimmed);
    if (!parsed) return { problem: `Invalid model version '${text}': ${modelVersionProblem(trimmed)}.` };
    return accepted({ kind: "version", version: parsed.label });
  }
  const bare = !trimmed.startsWith("@");
  if (bare && options.bareAlias === false) return { problem: `'${text}' is not a selector: ${expected()}` };
  const alias = bare ? trimmed : trimmed.slice(1);
  if (!isValidName(alias))
    return {
      problem:
        alias === ""
          ? `'${text}' names no alias: ${expected()}`
          : `Invalid alias '${alias}': use ${MODEL_NAME_RULE}.`,
    };
  return accepted({ kind: "alias", alias });
}

function withWhat(problem: string, what: string | undefined): string {
  return what ? `${what}: ${problem}` : problem;
}

/** Why `text` is not a selector these options accept (one line), or undefined when it is one. */
export function selectorProblem(text: string, options: ParseSelectorOptions = {}): string | undefined {
  const parsed = parse(text, options);
  return "problem" in parsed ? withWhat(parsed.problem, options.what) : undefined;
}

/**
 * Parses a selector (`v7`, `7`, `1.4.0`, `v2.0.0-rc.1`, `@production`, `latest`, `previous`; a bare
 * alias name unless `bareAlias: false`). Anything else, or a kind not in `allow`, is one InputError line
 * saying what was expected (from `SELECTOR_KINDS`).
 */
export function parseSelector(text: string, options: ParseSelectorOptions = {}): ModelSelector {
  const parsed = parse(text, options);
  if ("problem" in parsed) throw new InputError(withWhat(parsed.problem, options.what));
  return parsed.selector;
}

/**
 * Where only an alias can be meant (deploy's `alias` input, `--alias`, promote's target): `@production`
 * or `production`, and a bare `v7` or `latest` is the alias of that name. The alias name; an invalid
 * one is one InputError line.
 */
export function parseAliasSelector(text: string, what?: string): string {
  const trimmed = text.trim();
  const selector = parseSelector(trimmed.startsWith("@") ? trimmed : `@${trimmed}`, {
    allow: ["alias"],
    ...(what ? { what } : {}),
  });
  return (selector as { alias: string }).alias;
}

/** A selector given as text or already parsed, parsed (so APIs can take either). */
export function toSelector(
  selector: string | ModelSelector,
  options: ParseSelectorOptions = {},
): ModelSelector {
  return typeof selector === "string" ? parseSelector(selector, options) : selector;
}

/** The canonical text of a selector: `v7`, `v1.4.0`, `@production`, `latest`, `previous`. */
export function formatSelector(selector: ModelSelector): string {
  switch (selector.kind) {
    case "version":
      return `v${selector.version}`;
    case "alias":
      return `@${selector.alias}`;
    case "latest":
    case "previous":
      return selector.kind;
  }
}

/**
 * A model reference as the registry commands take it: `MODEL@alias`, `MODEL:v7`, `MODEL:1.4.0`,
 * `MODEL:latest` or `MODEL` (latest). The model name and the selector are both checked.
 */
export function parseModelReference(text: string): { model: string; selector: ModelSelector } {
  const at = text.indexOf("@");
  const colon = text.indexOf(":");
  const split = at > 0 && (colon < 0 || at < colon) ? at : colon > 0 ? colon : -1;
  if (split < 0) return { model: validateModelName(text), selector: { kind: "latest" } };
  const model = validateModelName(text.slice(0, split));
  const rest = split === at ? text.slice(at) : text.slice(colon + 1);
  return { model, selector: parseSelector(rest) };
}
