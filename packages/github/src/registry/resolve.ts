import {
  formatSelector,
  GitHubError,
  InputError,
  isValidName,
  type ModelSelector,
  type ModelVersion,
  toSelector,
  validateModelName,
} from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { withGitHubErrors } from "../errors.js";
import {
  aliasesOf,
  findVersion,
  type ModelRefs,
  versionOfAlias,
  versionOfTagSegment,
  versionSelector,
  versionsDescending,
  versionTagName,
} from "./names.js";
import { matchingTagRefs, readModelRefs } from "./refs.js";
import { getPublishedRelease, type Release } from "./release.js";

export interface ResolveModelOptions {
  owner: string;
  repo: string;
  model: string;
  /** `latest`, `v7`, `7`, `1.4.0`, `v2.0.0-rc.1`, `@production` or an alias name (`parseSelector`), or parsed. */
  selector: string | ModelSelector;
  /** The model's refs when the caller has just read them (saves the matching-refs call). */
  refs?: ModelRefs;
}

export interface ResolvedModel {
  model: string;
  /** The version label (`7`, `1.4.0`). */
  version: ModelVersion;
  tag: string;
  /** The SHA the version tag ref points at (the annotated tag object). */
  tagSha: string;
  release: Release;
  /** Aliases pointing at this version. */
  aliases: string[];
  /** API calls this resolution made: 2 matching-refs + 1 release (more past a page of refs, or when `latest` had to step over unpublished versions). */
  apiCalls: number;
  /** Higher versions skipped because they have no published release (crash leftovers, drafts). */
  skipped: ModelVersion[];
}

/**
 * Resolves a selector to a published version with `GET /git/matching-refs/tags/<model>/` and
 * `GET /git/matching-refs/mlops/<model>/` (sent together) and ONE `GET /releases/tags/<model>%2Fv<version>`,
 * whatever the number of versions (a further request per page, should GitHub ever paginate matching-refs). `latest` is the highest
 * version by semver precedence (a whole number N = N.0.0; prereleases rank below their release). A version whose
 * release is missing or still a draft (get-by-tag returns only published releases) is skipped by `latest` and
 * the next lower one tried: one more call per skipped version, reported in `apiCalls`/`skipped`.
 * An explicit version or an alias naming an unpublished version is an error.
 */
export async function resolveModel(
  client: GitHubClient,
  options: ResolveModelOptions,
): Promise<ResolvedModel> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  const selector = toSelector(options.selector);
  if (selector.kind === "previous")
    throw new InputError(
      `${model}: 'previous' names the version an environment ran before its current one; only deploy and rollback take it.`,
    );
  const shown = formatSelector(selector);
  return withGitHubErrors({ operation: `resolve ${model} ${shown}`, owner, repo }, async () => {
    const refs = options.refs ?? (await readModelRefs(client, owner, repo, model));
    let apiCalls = options.refs ? 0 : refs.requests;
    let candidates: ModelVersion[];
    if (selector.kind === "version") {
      const version = findVersion(refs, selector.version);
      if (version === undefined)
        throw new InputError(
          `Model ${model} has no version ${versionSelector(selector.version)} in ${owner}/${repo}.`,
        );
      candidates = [version];
    } else if (selector.kind === "alias" || (selector.kind === "latest" && refs.aliases.has("latest"))) {
      const alias = selector.kind === "alias" ? selector.alias : "latest";
      const version = versionOfAlias(refs, alias);
      if (version === undefined) {
        const known = [...refs.aliases.keys()].sort().join(", ") || "none";
        throw new InputError(
          `Model ${model} has no alias @${alias} in ${owner}/${repo} (aliases: ${known}).`,
        );
      }
      candidates = [version];
    } else {
      candidates = versionsDescending(refs);
      if (candidates.length === 0)
        throw new InputError(`Model ${model} has no registered versions in ${owner}/${repo}.`);
    }
    const skipped: ModelVersion[] = [];
    for (const version of candidates) {
      const tag = versionTagName(model, version);
      const release = await getPublishedRelease(client, owner, repo, tag);
      apiCalls += 1;
      if (release) {
        return {
          model,
          version,
          tag,
          tagSha: refs.versions.get(version) ?? "",
          release,
          aliases: aliasesOf(refs, version),
          apiCalls,
          skipped,
        };
      }
      if (selector.kind !== "latest" || refs.aliases.has("latest")) {
        throw new GitHubError(
          `${tag} has a tag but no published release (registration unfinished or still a draft).`,
          { status: 404 },
        );
      }
      skipped.push(version);
    }
    throw new InputError(
      `Model ${model} has no published version in ${owner}/${repo} (unfinished: ${skipped.map(versionSelector).join(", ")}).`,
    );
  });
}

export interface ModelVersionSummary {
  version: ModelVersion;
  tag: string;
  tagSha: string;
  aliases: string[];
}

/**
 * Every version of a model with its aliases, highest (semver precedence) first: two matching-refs calls. Whether each has a published
 * release is not checked here (that costs one call per version); `resolveModel` checks it.
 */
export async function listVersions(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string },
): Promise<ModelVersionSummary[]> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  return withGitHubErrors({ operation: `list the versions of ${model}`, owner, repo }, async () => {
    const refs = await readModelRefs(client, owner, repo, model);
    return versionsDescending(refs).map((version) => ({
      version,
      tag: versionTagName(model, version),
      tagSha: refs.versions.get(version) ?? "",
      aliases: aliasesOf(refs, version),
    }));
  });
}

/** Names of all models with at least one version tag (`<model>/v7`, `<model>/v1.4.0`), sorted: `matching-refs/tags/` (every page). */
export async function listModels(
  client: GitHubClient,
  options: { owner: string; repo: string },
): Promise<string[]> {
  const { owner, repo } = options;
  return withGitHubErrors({ operation: "list the registered models", owner, repo }, async () => {
    const names = new Set<string>();
    for (const ref of await matchingTagRefs(client, owner, repo, "")) {
      const match = /^refs\/tags\/([^/]+)\/([^/]+)$/.exec(ref.ref);
      if (match?.[1] && match[2] && isValidName(match[1]) && versionOfTagSegment(match[2]) !== undefined)
        names.add(match[1]);
    }
    return [...names].sort();
  });
}
