import {
  type ModelSelector,
  type ModelVersion,
  parseAliasSelector,
  validateAliasName,
  validateModelName,
} from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { githubErrorReason, translateGitHubError, withGitHubErrors } from "../errors.js";
import { aliasRefName, legacyAliasRefName, type ModelRefs } from "./names.js";
import { readModelRefs } from "./refs.js";
import { resolveModel } from "./resolve.js";

/** `refs/mlops/x` → `mlops/x`: the `{ref}` of the ref endpoints. */
function refParam(fullName: string): string {
  return fullName.replace(/^refs\//, "");
}

/**
 * Creates `ref` at `sha`, or (`move`) force-updates it when it exists. Returns false when it existed and
 * was left alone. A 422 is read by its reason: "Reference already exists" is the expected answer of a
 * second write; a ruleset refusal (or any other 422) is an error naming the ref.
 */
async function writeRef(
  client: GitHubClient,
  owner: string,
  repo: string,
  ref: string,
  sha: string,
  move: boolean,
): Promise<boolean> {
  try {
    await client.request("POST /repos/{owner}/{repo}/git/refs", { owner, repo, ref, sha });
    return true;
  } catch (error) {
    if (githubErrorReason(error) !== "already-exists")
      throw translateGitHubError(error, { operation: `create ${ref}`, owner, repo, ref });
  }
  if (!move) return false;
  try {
    await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
      owner,
      repo,
      ref: refParam(ref),
      sha,
      force: true,
    });
  } catch (error) {
    throw translateGitHubError(error, { operation: `move ${ref}`, owner, repo, ref });
  }
  return true;
}

/** Deletes `ref`; a ref that is already gone (404, 422 "Reference does not exist") is fine. */
async function deleteRef(client: GitHubClient, owner: string, repo: string, ref: string): Promise<void> {
  try {
    await client.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { owner, repo, ref: refParam(ref) });
  } catch (error) {
    if (githubErrorReason(error) !== "not-found")
      throw translateGitHubError(error, { operation: `delete ${ref}`, owner, repo, ref });
  }
}

/**
 * Points `refs/mlops/<model>/@<alias>` at `sha` (the version's tag-object SHA): creates the ref, or
 * force-updates it when it exists. Last writer wins (GitHub has no compare-and-swap on refs): deploys
 * serialise an environment's alias with a per-environment `concurrency` group; `@latest`, written by
 * concurrent registrations, converges through `settleLatest`. Replay-safe. When `refs` (the model's refs
 * as just read) still hold aliases stored as tags, they are migrated first (`migrateLegacyAliases`).
 */
export async function setAliasRef(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  alias: string,
  sha: string,
  refs?: ModelRefs,
): Promise<void> {
  validateAliasName(alias);
  if (refs) await migrateLegacyAliases(client, owner, repo, model, refs, alias);
  await writeRef(client, owner, repo, aliasRefName(model, alias), sha, true);
  if (refs?.legacyAliases.has(alias)) {
    await deleteRef(client, owner, repo, legacyAliasRefName(model, alias));
    refs.legacyAliases.delete(alias);
  }
}

/**
 * Moves aliases that are still tags (`refs/tags/<model>/@<alias>`, written before `refs/mlops/`) into
 * `refs/mlops/<model>/@<alias>`: the new ref is created at the tag's SHA unless it already exists (then
 * it is newer and wins), and the tag is deleted. `except` is the alias about to be written (its tag is
 * deleted after the write). Readers accept both while any tag alias remains; runs once per model.
 */
export async function migrateLegacyAliases(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  refs: ModelRefs,
  except?: string,
): Promise<void> {
  for (const [alias, sha] of [...refs.legacyAliases]) {
    if (alias === except) continue;
    await writeRef(client, owner, repo, aliasRefName(model, alias), sha, false);
    await deleteRef(client, owner, repo, legacyAliasRefName(model, alias));
    refs.legacyAliases.delete(alias);
  }
}

/** Moves `@alias` to the version named by `selector` (must be published). Returns that version. */
export async function moveAlias(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; alias: string; selector: string | ModelSelector },
): Promise<{ version: ModelVersion; tag: string }> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  const refs = await withGitHubErrors({ operation: `move ${model}/@${options.alias}`, owner, repo }, () =>
    readModelRefs(client, owner, repo, model),
  );
  const resolved = await resolveModel(client, { owner, repo, model, selector: options.selector, refs });
  await withGitHubErrors({ operation: `move ${model}/@${options.alias}`, owner, repo }, () =>
    setAliasRef(client, owner, repo, model, options.alias, resolved.tagSha, refs),
  );
  return { version: resolved.version, tag: resolved.tag };
}

/** Points `@to` at the version `@from` names (e.g. staging → production). */
export async function promote(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; from: string; to: string },
): Promise<{ version: ModelVersion; tag: string }> {
  return moveAlias(client, {
    owner: options.owner,
    repo: options.repo,
    model: options.model,
    alias: parseAliasSelector(options.to, "promote to"),
    selector: { kind: "alias", alias: parseAliasSelector(options.from, "promote from") },
  });
}
