/**
 * Webhook payloads of the events a maintainer's actions on a local GitHub trigger (the runner merges them over
 * its defaults): `pull_request` for an opened or updated pull request, `push`, `schedule`.
 */

export interface PullRequestInfo {
  number: number;
  title: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
}

function repositoryObject(repository: string, apiUrl: string) {
  const [owner, name] = repository.split("/") as [string, string];
  return {
    name,
    full_name: repository,
    owner: { login: owner, type: "Organization" },
    default_branch: "main",
    private: true,
    url: `${apiUrl}/repos/${repository}`,
    html_url: `https://github.localhost/${repository}`,
  };
}

export function pullRequestPayload(
  repository: string,
  apiUrl: string,
  pr: PullRequestInfo,
  action: "opened" | "synchronize",
  senderLogin: string,
): Record<string, unknown> {
  const repo = repositoryObject(repository, apiUrl);
  const sender = { login: senderLogin, type: "User" };
  return {
    action,
    number: pr.number,
    pull_request: {
      number: pr.number,
      title: pr.title,
      state: "open",
      html_url: `https://github.localhost/${repository}/pull/${pr.number}`,
      user: sender,
      head: { ref: pr.headRef, sha: pr.headSha, repo },
      base: { ref: pr.baseRef, sha: pr.baseSha, repo },
    },
    repository: repo,
    sender,
  };
}

export function pushPayload(
  repository: string,
  apiUrl: string,
  branch: string,
  before: string,
  after: string,
  senderLogin: string,
): Record<string, unknown> {
  const sender = { login: senderLogin, type: "User" };
  return {
    ref: `refs/heads/${branch}`,
    before,
    after,
    head_commit: { id: after, message: `Update ${branch}` },
    repository: repositoryObject(repository, apiUrl),
    sender,
  };
}

export function schedulePayload(repository: string, apiUrl: string, cron: string): Record<string, unknown> {
  return { schedule: cron, repository: repositoryObject(repository, apiUrl) };
}
