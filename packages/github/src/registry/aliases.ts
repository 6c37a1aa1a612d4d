import { InputError, type ModelVersion } from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { httpStatus, withGitHubErrors } from "../errors.js";
import {
  aliasTagName,
  parseSelector,
  validateAliasName,
  validateModelName,
  versionOfAlias,
  versionTagName,
} from "./names.js";
import { readModelRefs } from "./refs.js";
import { resolveModel } from "./resolve.js";

/**
 * Points `refs/tags/<model>/@<alias>` at `sha` (the version's tag-object SHA): creates the ref, or
 * force-updates it when it exists. Last writer wins (GitHub has no compare-and-swap on refs):
 * serialise alias moves with a workflow `concurrency` group. Replay-safe.
 */
export async function setAliasRef(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  alias: string,
  sha: string,
): Promise<void> {
  const name = aliasTagName(model, validateAliasName(alias));
  try {
    await client.request("POST /repos/{owner}/{repo}/git/refs", {
      owner,
      repo,
      ref: `refs/tags/${name}`,
      sha,
    });
  } catch (error) {
    if (httpStatus(error) !== 422) throw error;
    await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
      owner,
      repo,
      ref: `tags/${name}`,
      sha,
      force: true,
    });
  }
}

/** Moves `@alias` to the version named by `selector` (must be published). Returns that version. */
export async function moveAlias(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; alias: string; selector: string },
): Promise<{ version: ModelVersion; tag: string }> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  const resolved = await resolveModel(client, { owner, repo, model, selector: options.selector });
  await withGitHubErrors({ operation: `move ${model}/@${options.alias}`, owner, repo }, () =>
    setAliasRef(client, owner, repo, model, options.alias, resolved.tagSha),
  );
  return { version: resolved.version, tag: resolved.tag };
}

/** Points `@to` at the version `@from` names (e.g. staging → production). */
export async function promote(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; from: string; to: string },
): Promise<{ version: ModelVersion; tag: string }> {
  const from = parseSelector(options.from);
  if (from.kind !== "alias")
    throw new InputError(`promote expects an alias to promote from, got '${options.from}'.`);
  return moveAlias(client, {
    owner: options.owner,
    repo: options.repo,
    model: options.model,
    alias: options.to.replace(/^@/, ""),
    selector: `@${from.alias}`,
  });
}

/** Deletes `@alias` (404 is fine: already gone). */
export async function removeAlias(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; alias: string },
): Promise<void> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  const name = aliasTagName(model, validateAliasName(options.alias));
  await withGitHubErrors({ operation: `remove ${name}`, owner, repo }, async () => {
    try {
      await client.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", {
        owner,
        repo,
        ref: `tags/${name}`,
      });
    } catch (error) {
      if (httpStatus(error) !== 404 && httpStatus(error) !== 422) throw error;
    }
  });
}

/** The version `@alias` points at, without fetching the release (1 call), or undefined. */
export async function aliasVersion(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; alias: string },
): Promise<{ version: ModelVersion; tag: string } | undefined> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  const refs = await withGitHubErrors({ operation: `read ${model}/@${options.alias}`, owner, repo }, () =>
    readModelRefs(client, owner, repo, model),
  );
  const version = versionOfAlias(refs, options.alias);
  return version === undefined ? undefined : { version, tag: versionTagName(model, version) };
}
