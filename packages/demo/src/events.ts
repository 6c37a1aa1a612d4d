/** Webhook payloads for the events the demo sends (the runner merges them over its defaults). */

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

const sender = { login: "demo-maintainer", type: "User" };

export function pullRequestPayload(
  repository: string,
  apiUrl: string,
  pr: PullRequestInfo,
  action: "opened" | "synchronize" = "opened",
): Record<string, unknown> {
  const repo = repositoryObject(repository, apiUrl);
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
): Record<string, unknown> {
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
