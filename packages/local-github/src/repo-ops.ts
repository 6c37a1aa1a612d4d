/** What a maintainer does on GitHub: commit, open and merge pull requests (against the emulator). */
import type { PullRequestInfo } from "./events.js";
import type { RestClient } from "./rest.js";

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

/** Pushes `changes` to `branch` (created from the base when missing) and opens a pull request into `base`. */
export async function openPullRequest(
  rest: RestClient,
  branch: string,
  title: string,
  changes: Record<string, string>,
  options: { base?: string; body?: string } = {},
): Promise<PullRequestInfo> {
  const base = options.base ?? "main";
  const headSha = await commitFiles(rest, branch, title, changes);
  const pr = await rest.send<{ number: number; base: { sha: string } }>("POST", rest.repo("/pulls"), {
    title,
    head: branch,
    base,
    body: options.body ?? `Pull request: ${title}.`,
  });
  return { number: pr.number, title, headRef: branch, headSha, baseRef: base, baseSha: pr.base.sha };
}

export interface MergedPullRequest {
  /** The merge commit, now the tip of the base branch. */
  sha: string;
  state: string;
  merged: boolean;
  mergeCommitSha: string | null;
}

/**
 * Merges a pull request with `PUT /pulls/{n}/merge` (a merge commit; `sha` pins the head the demo pushed),
 * then reads the pull request back as GitHub shows it.
 */
export async function mergePullRequest(rest: RestClient, pr: PullRequestInfo): Promise<MergedPullRequest> {
  const merged = await rest.send<{ sha: string; merged: boolean }>(
    "PUT",
    rest.repo(`/pulls/${pr.number}/merge`),
    {
      merge_method: "merge",
      sha: pr.headSha,
      commit_title: `Merge pull request #${pr.number} from ${rest.repository.split("/")[0]}/${pr.headRef}`,
    },
  );
  const after = await rest.get<{ state: string; merged: boolean; merge_commit_sha: string | null }>(
    rest.repo(`/pulls/${pr.number}`),
  );
  return {
    sha: merged.sha,
    state: after.state,
    merged: after.merged,
    mergeCommitSha: after.merge_commit_sha,
  };
}
