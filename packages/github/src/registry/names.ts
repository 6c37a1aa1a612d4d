import {
  formatSelector,
  isValidName,
  type ModelVersion,
  sameModelVersion,
  sortModelVersionsDescending,
  tryParseModelVersion,
} from "@mlops/core";

/** `fraud/v7`, `fraud/v1.4.0` — the tag name (and release `tag_name`) of a version label. */
export function versionTagName(model: string, version: ModelVersion): string {
  return `${model}/v${version}`;
}

/** `fraud/v7` → `{ model: "fraud", version: "7" }`: the model and version of a version tag, else undefined. */
export function parseVersionTagName(tag: string): { model: string; version: ModelVersion } | undefined {
  const slash = tag.indexOf("/");
  const model = tag.slice(0, slash);
  const version = slash > 0 ? versionOfTagSegment(tag.slice(slash + 1)) : undefined;
  return version !== undefined && isValidName(model) ? { model, version } : undefined;
}

/** `v7`, `v1.4.0`: how a version is written in selectors, messages and file names. */
export function versionSelector(version: ModelVersion): string {
  return formatSelector({ kind: "version", version });
}

/** `fraud/@production` — how an alias is written in messages (and the name of a legacy alias tag). */
export function aliasTagName(model: string, alias: string): string {
  return `${model}/@${alias}`;
}

/**
 * The namespace of alias refs: `refs/mlops/<model>/@<alias>`. Not under `refs/tags/`, so neither
 * `git fetch` nor `git fetch --tags` copies it into a clone, and a moved alias can never make a
 * developer's fetch fail with "would clobber existing tag" (which it did when aliases were tags).
 * GitHub's "Create a reference" accepts any fully qualified name that starts with `refs` and has at
 * least two slashes, and `GET /git/matching-refs/mlops/<model>/` lists them in one call.
 */
export const ALIAS_NAMESPACE = "refs/mlops/";

/** `refs/mlops/fraud/@production`: the ref of an alias. */
export function aliasRefName(model: string, alias: string): string {
  return `${ALIAS_NAMESPACE}${model}/@${alias}`;
}

/** `refs/tags/fraud/@production`: where aliases lived before `refs/mlops/` (read and migrated, never written). */
export function legacyAliasRefName(model: string, alias: string): string {
  return `refs/tags/${model}/@${alias}`;
}

/** One ref as `GET /git/matching-refs` returns it. */
export interface GitRef {
  ref: string;
  object: { sha: string; type: string };
}

/** Every version and alias of one model, read from two matching-refs answers (tags and aliases). */
export interface ModelRefs {
  /** version label → tag-object SHA (annotated tags) or commit SHA (lightweight tags). */
  versions: Map<ModelVersion, string>;
  /** alias name → the SHA it points at (`refs/mlops/<model>/@<alias>`, else a legacy alias tag). */
  aliases: Map<string, string>;
  /** Aliases still stored as tags (`refs/tags/<model>/@<alias>`, before `refs/mlops/`): to migrate. */
  legacyAliases: Map<string, string>;
  /** API requests the read took (pages included); 0 when parsed from given refs. */
  requests: number;
}

/** The version label of a tag's last segment (`v7` → `7`, `v1.4.0` → `1.4.0`); only canonical spellings count. */
export function versionOfTagSegment(segment: string): ModelVersion | undefined {
  if (!segment.startsWith("v")) return undefined;
  const parsed = tryParseModelVersion(segment.slice(1));
  return parsed && `v${parsed.label}` === segment ? parsed.label : undefined;
}

/**
 * Sorts the refs under `refs/tags/<model>/` (versions, legacy alias tags) and `refs/mlops/<model>/`
 * (aliases) into versions and aliases; ignores anything else. An alias in `refs/mlops/` wins over a
 * legacy alias tag of the same name (a migration that was interrupted between its two writes).
 */
export function parseModelRefs(model: string, refs: GitRef[], requests = 0): ModelRefs {
  const tagPrefix = `refs/tags/${model}/`;
  const aliasPrefix = `${ALIAS_NAMESPACE}${model}/@`;
  const versions = new Map<ModelVersion, string>();
  const aliases = new Map<string, string>();
  const legacyAliases = new Map<string, string>();
  for (const ref of refs) {
    if (ref.ref.startsWith(aliasPrefix)) {
      const alias = ref.ref.slice(aliasPrefix.length);
      if (isValidName(alias)) aliases.set(alias, ref.object.sha);
      continue;
    }
    if (!ref.ref.startsWith(tagPrefix)) continue;
    const rest = ref.ref.slice(tagPrefix.length);
    const version = versionOfTagSegment(rest);
    if (version !== undefined) versions.set(version, ref.object.sha);
    else if (rest.startsWith("@") && isValidName(rest.slice(1)))
      legacyAliases.set(rest.slice(1), ref.object.sha);
  }
  for (const [alias, sha] of legacyAliases) if (!aliases.has(alias)) aliases.set(alias, sha);
  return { versions, aliases, legacyAliases, requests };
}

/** Version labels, highest semver precedence first (a whole number N counts as N.0.0). */
export function versionsDescending(refs: ModelRefs): ModelVersion[] {
  return sortModelVersionsDescending(refs.versions.keys());
}

/** The registered label for `version`: the same label, else one of equal precedence (`7` ↔ `7.0.0`). */
export function findVersion(refs: ModelRefs, version: ModelVersion): ModelVersion | undefined {
  if (refs.versions.has(version)) return version;
  for (const label of refs.versions.keys()) if (sameModelVersion(label, version)) return label;
  return undefined;
}

/** The aliases that point at `version`'s SHA. */
export function aliasesOf(refs: ModelRefs, version: ModelVersion): string[] {
  const sha = refs.versions.get(version);
  return [...refs.aliases]
    .filter(([, target]) => target === sha)
    .map(([alias]) => alias)
    .sort();
}

/** The version an alias points at (by SHA), if any. */
export function versionOfAlias(refs: ModelRefs, alias: string): ModelVersion | undefined {
  const sha = refs.aliases.get(alias);
  if (sha === undefined) return undefined;
  for (const [version, target] of refs.versions) if (target === sha) return version;
  return undefined;
}
