import { InputError } from "../errors.js";
import { looksLikeModelVersion } from "../manifest/model-version.js";
import { formatSelector, type ModelSelector, parseSelector, SELECTOR_KINDS } from "./selector.js";

/**
 * What a gate compares the candidate with (action input `baseline`, `gate.baseline` in mlops.yml,
 * `mlops gate --baseline`): a registry selector, the base branch's newest successful push run, a file,
 * nothing, or `auto` (production, then base-branch, then nothing).
 */
export type BaselineMode =
  | { kind: "auto" }
  | { kind: "none" }
  | { kind: "base-branch" }
  | { kind: "registry"; selector: ModelSelector }
  | { kind: "file"; path: string };

/** The baseline modes in words (error messages and docs); registry selectors come from `SELECTOR_KINDS`. */
export const BASELINE_MODES: {
  readonly [K in BaselineMode["kind"]]: { syntax: string; description: string };
} = {
  auto: { syntax: "auto", description: "@production, else base-branch, else none" },
  registry: {
    syntax: `production, ${SELECTOR_KINDS.alias.examples[0]}, ${SELECTOR_KINDS.version.examples[0]}, ${SELECTOR_KINDS.version.examples[2]} or latest`,
    description: "that registered version's metrics (production means @production)",
  },
  "base-branch": {
    syntax: "base-branch",
    description: "the train artifact of the newest successful push run on the base branch",
  },
  none: { syntax: "none", description: "no baseline: relative rules are skipped" },
  file: { syntax: "a path", description: "a metrics file or run.json" },
};

/** `auto (…); production, @production, v7 … (…); …`: every mode, for error messages. */
export function describeBaselineModes(): string {
  return Object.values(BASELINE_MODES)
    .map((mode) => `${mode.syntax} (${mode.description})`)
    .join("; ");
}

/**
 * Parses a baseline mode. `auto`, `none` and `base-branch` are keywords; `production`, `@alias`, a
 * version (`v7`, `1.4.0`) and `latest` are registry selectors (through `parseSelector`: a malformed one
 * is an error, `previous` too); anything else is a file path.
 */
export function parseBaselineMode(text: string, what = "baseline"): BaselineMode {
  const mode = text.trim();
  if (mode === "") throw new InputError(`${what} is empty: use ${describeBaselineModes()}`);
  if (mode === "auto" || mode === "none" || mode === "base-branch") return { kind: mode };
  if (mode === "production") return { kind: "registry", selector: { kind: "alias", alias: "production" } };
  if (mode.startsWith("@") || mode === "latest" || mode === "previous" || looksLikeModelVersion(mode))
    return {
      kind: "registry",
      selector: parseSelector(mode, { allow: ["version", "alias", "latest"], bareAlias: false, what }),
    };
  return { kind: "file", path: mode };
}

/** How a mode is written back (`@production`, `v7`, `base-branch`, the path). */
export function formatBaselineMode(mode: BaselineMode): string {
  if (mode.kind === "registry") return formatSelector(mode.selector);
  if (mode.kind === "file") return mode.path;
  return mode.kind;
}
