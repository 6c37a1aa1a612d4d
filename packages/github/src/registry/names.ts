import { InputError } from "@mlops/core";

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Throws an InputError unless `model` matches `^[a-z0-9][a-z0-9._-]{0,62}$` (no `/`, no `@`). */
export function validateModelName(model: string): string {
  if (!NAME_PATTERN.test(model) || model.endsWith(".lock") || model.includes("..")) {
    throw new InputError(
      `Invalid model name '${model}': use 1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (no '/', no '@').`,
    );
  }
  return model;
}

/** Throws an InputError unless `alias` is a valid alias name (same rules as model names). */
export function validateAliasName(alias: string): string {
  if (!NAME_PATTERN.test(alias) || alias.endsWith(".lock") || alias.includes("..")) {
    throw new InputError(`Invalid alias '${alias}': use 1-63 lowercase letters, digits, '.', '_' or '-'.`);
  }
  return alias;
}

/** `fraud/v7` — the tag name (and release `tag_name`) of a version. */
export function versionTagName(model: string, version: number): string {
  return `${model}/v${version}`;
}

/** `fraud/@production` — the tag name of an alias. */
export function aliasTagName(model: string, alias: string): string {
  return `${model}/@${alias}`;
}

/** What a user may ask for: the newest version, a number, or an alias. */
export type ModelSelector =
  | { kind: "latest" }
  | { kind: "version"; version: number }
  | { kind: "alias"; alias: string };

/**
 * Parses `latest`, `v7` / `7`, `@production` or a bare alias name (`production`).
 * `latest` means the newest published version unless an `@latest` alias ref exists.
 */
export function parseSelector(selector: string): ModelSelector {
  const text = selector.trim();
  if (text === "" || text === "latest") return { kind: "latest" };
  const version = /^v?(\d{1,9})$/.exec(text);
  if (version?.[1]) {
    const n = Number(version[1]);
    if (n < 1) throw new InputError(`Invalid model version '${selector}': versions start at v1.`);
    return { kind: "version", version: n };
  }
  return { kind: "alias", alias: validateAliasName(text.startsWith("@") ? text.slice(1) : text) };
}

/** One ref as `GET /git/matching-refs` returns it. */
export interface GitRef {
  ref: string;
  object: { sha: string; type: string };
}

/** Every version and alias of one model, read from one matching-refs answer. */
export interface ModelRefs {
  /** version number → tag-object SHA (annotated tags) or commit SHA (lightweight tags). */
  versions: Map<number, string>;
  /** alias name → the SHA it points at. */
  aliases: Map<string, string>;
}

/** Sorts the refs under `refs/tags/<model>/` into versions and aliases; ignores anything else. */
export function parseModelRefs(model: string, refs: GitRef[]): ModelRefs {
  const prefix = `refs/tags/${model}/`;
  const versions = new Map<number, string>();
  const aliases = new Map<string, string>();
  for (const ref of refs) {
    if (!ref.ref.startsWith(prefix)) continue;
    const rest = ref.ref.slice(prefix.length);
    const version = /^v([1-9]\d{0,8})$/.exec(rest);
    if (version?.[1]) versions.set(Number(version[1]), ref.object.sha);
    else if (rest.startsWith("@") && NAME_PATTERN.test(rest.slice(1)))
      aliases.set(rest.slice(1), ref.object.sha);
  }
  return { versions, aliases };
}

/** Version numbers, highest first. */
export function versionsDescending(refs: ModelRefs): number[] {
  return [...refs.versions.keys()].sort((a, b) => b - a);
}

/** The aliases that point at `version`'s SHA. */
export function aliasesOf(refs: ModelRefs, version: number): string[] {
  const sha = refs.versions.get(version);
  return [...refs.aliases]
    .filter(([, target]) => target === sha)
    .map(([alias]) => alias)
    .sort();
}

/** The version an alias points at (by SHA), if any. */
export function versionOfAlias(refs: ModelRefs, alias: string): number | undefined {
  const sha = refs.aliases.get(alias);
  if (sha === undefined) return undefined;
  for (const [version, target] of refs.versions) if (target === sha) return version;
  return undefined;
}
