import { compareModelVersions } from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { type GitHubLog, silentLog } from "../log.js";
import { setAliasRef } from "./aliases.js";
import { versionOfAlias, versionSelector, versionsDescending, versionTagName } from "./names.js";
import { readModelRefs } from "./refs.js";
import { getPublishedRelease } from "./release.js";

/** Rounds of re-reading before giving up (each round follows a write that a concurrent run undid). */
const MAX_ROUNDS = 5;

/**
 * Makes `@latest` name the highest published version without a lock. Registrations run concurrently
 * (the release workflow gives `register` no concurrency group, because GitHub cancels all but one pending
 * job of a group), and a ref write has no compare-and-swap, so a run that moved `@latest` to its own
 * version may have overwritten a higher one written just before. So, after its own write, each run
 * re-reads: when a higher version than the one `@latest` names is published (GET /releases/tags returns
 * published releases only; drafts and crash leftovers are skipped), `@latest` is moved to it and checked
 * again. Every run that publishes does this after its publish, so the last writer always leaves the
 * highest published version. 1 read when nothing raced (+1 per skipped unpublished version).
 */
export async function settleLatest(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; log?: GitHubLog },
): Promise<void> {
  const { owner, repo, model } = options;
  const log = options.log ?? silentLog;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const refs = await readModelRefs(client, owner, repo, model);
    const current = versionOfAlias(refs, "latest");
    let target: string | undefined;
    for (const candidate of versionsDescending(refs)) {
      if (current !== undefined && compareModelVersions(candidate, current) <= 0) break;
      const published = await getPublishedRelease(client, owner, repo, versionTagName(model, candidate));
      if (published) {
        target = candidate;
        break;
      }
    }
    if (target === undefined) return;
    const sha = refs.versions.get(target);
    if (sha === undefined) return;
    log.info(
      `${model}: @latest named ${current === undefined ? "nothing" : versionSelector(current)} after a concurrent registration; moving it to ${versionSelector(target)}.`,
    );
    await setAliasRef(client, owner, repo, model, "latest", sha, refs);
  }
  log.warning(`${model}: @latest kept changing under concurrent registrations; left as it is.`);
}
