/** What a maintainer does on GitHub during the demo: commit, open and merge pull requests. */
import type { PullRequestInfo } from "./events.js";
import { type RestClient, RestError } from "./rest.js";

/** Commits `files` on `branch` (created from main when missing) with the emulator's commit helper. */
export async function commitFiles(
  rest: RestClient,
  branch: string,
  message: string,
  files: Record<string, string>,
): Promise<string> {
  const result = await rest.send<{ sha: string }>("POST", `/_emulator/repos/${rest.repository}/commits`, {
    branch,
    message,
    files,
  });
  return result.sha;
}

export async function branchSha(rest: RestClient, branch: string): Promise<string> {
  const ref = await rest.get<{ object: { sha: string } }>(rest.repo(`/git/ref/heads/${branch}`));
  return ref.object.sha;
}

/** Pushes `changes` to a new branch and opens a pull request into main. */
export async function openPullRequest(
  rest: RestClient,
  branch: string,
  title: string,
  changes: Record<string, string>,
): Promise<PullRequestInfo> {
  const headSha = await commitFiles(rest, branch, title, changes);
  const pr = await rest.send<{ number: number; base: { sha: string } }>("POST", rest.repo("/pulls"), {
    title,
    head: branch,
    base: "main",
    body: `Demo pull request: ${title}.`,
  });
  return { number: pr.number, title, headRef: branch, headSha, baseRef: "main", baseSha: pr.base.sha };
}

export interface MergeResult {
  sha: string;
  /** `merge-route` when the emulator merged the pull request; `commit-and-close` otherwise. */
  method: "merge-route" | "commit-and-close";
}

/**
 * Merges a pull request: through `PUT /pulls/{n}/merge` when the emulator serves it; otherwise its
 * changes are committed on main and the pull request is closed (the emulator cannot mark it merged).
 */
export async function mergePullRequest(
  rest: RestClient,
  pr: PullRequestInfo,
  changes: Record<string, string>,
): Promise<MergeResult> {
  try {
    const merged = await rest.send<{ sha: string; merged: boolean }>(
      "PUT",
      rest.repo(`/pulls/${pr.number}/merge`),
      {
        merge_method: "merge",
        commit_title: `Merge pull request #${pr.number} from ${rest.repository.split("/")[0]}/${pr.headRef}`,
      },
    );
    return { sha: merged.sha, method: "merge-route" };
  } catch (error) {
    if (!(error instanceof RestError) || error.status !== 404) throw error;
  }
  const sha = await commitFiles(
    rest,
    "main",
    `Merge pull request #${pr.number} from ${rest.repository.split("/")[0]}/${pr.headRef}`,
    changes,
  );
  await rest.send("PATCH", rest.repo(`/issues/${pr.number}`), { state: "closed" });
  return { sha, method: "commit-and-close" };
}
