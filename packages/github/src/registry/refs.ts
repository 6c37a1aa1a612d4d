import type { GitHubClient } from "../client.js";
import { httpStatus } from "../errors.js";
import { type GitRef, type ModelRefs, parseModelRefs } from "./names.js";

/**
 * Every ref under `refs/tags/<prefix>` in ONE call (`GET /git/matching-refs/tags/<prefix>`; GitHub
 * returns all matches unpaginated). An empty repository (409) has none.
 */
export async function matchingTagRefs(
  client: GitHubClient,
  owner: string,
  repo: string,
  prefix: string,
): Promise<GitRef[]> {
  try {
    const { data } = await client.request("GET /repos/{owner}/{repo}/git/matching-refs/{ref}", {
      owner,
      repo,
      ref: `tags/${prefix}`,
    });
    return data.map((r) => ({ ref: r.ref, object: { sha: r.object.sha, type: r.object.type } }));
  } catch (error) {
    if (httpStatus(error) === 409) return [];
    throw error;
  }
}

/** All versions and aliases of `model`: one call, with the trailing `/` so `fraud` never matches `fraud2`. */
export async function readModelRefs(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
): Promise<ModelRefs> {
  return parseModelRefs(model, await matchingTagRefs(client, owner, repo, `${model}/`));
}
