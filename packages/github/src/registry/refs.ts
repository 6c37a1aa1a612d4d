import type { GitHubClient } from "../client.js";
import { githubErrorReason } from "../errors.js";
import { nextPageUrl } from "../paginate.js";
import { type GitRef, type ModelRefs, parseModelRefs } from "./names.js";

/**
 * Every ref whose name starts with `refs/<prefix>` (`GET /git/matching-refs/<prefix>`), following
 * `Link: rel="next"`: GitHub documents no pagination for this endpoint and has been seen answering
 * everything in one page, but it does not promise that, and a silently truncated list would make
 * `auto` reuse a version number or `latest` miss the newest one. An empty repository (409) has none.
 * Returns the refs and the number of requests it took.
 */
export async function matchingRefs(
  client: GitHubClient,
  owner: string,
  repo: string,
  prefix: string,
): Promise<{ refs: GitRef[]; requests: number }> {
  const refs: GitRef[] = [];
  let requests = 1;
  try {
    let response = await client.request("GET /repos/{owner}/{repo}/git/matching-refs/{ref}", {
      owner,
      repo,
      ref: prefix,
    });
    for (;;) {
      for (const r of response.data)
        refs.push({ ref: r.ref, object: { sha: r.object.sha, type: r.object.type } });
      const next = nextPageUrl(response.headers.link);
      if (!next) return { refs, requests };
      requests += 1;
      response = (await client.request({ method: "GET", url: next })) as typeof response;
    }
  } catch (error) {
    if (githubErrorReason(error) === "conflict") return { refs: [], requests };
    throw error;
  }
}

/** Every ref under `refs/tags/<prefix>` (all pages). */
export async function matchingTagRefs(
  client: GitHubClient,
  owner: string,
  repo: string,
  prefix: string,
): Promise<GitRef[]> {
  return (await matchingRefs(client, owner, repo, `tags/${prefix}`)).refs;
}

/**
 * All versions and aliases of `model`: `matching-refs/tags/<model>/` (versions, legacy alias tags) and
 * `matching-refs/mlops/<model>/` (aliases), sent together — two requests (more only past a page),
 * whatever the number of versions. The trailing `/` keeps `fraud` from matching `fraud2`.
 */
export async function readModelRefs(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
): Promise<ModelRefs> {
  const [tags, aliases] = await Promise.all([
    matchingRefs(client, owner, repo, `tags/${model}/`),
    matchingRefs(client, owner, repo, `mlops/${model}/`),
  ]);
  return parseModelRefs(model, [...tags.refs, ...aliases.refs], tags.requests + aliases.requests);
}
