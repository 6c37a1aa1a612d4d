/** Renders Actions data as GitHub's JSON objects (`workflow`, `workflow-run`, `artifact`). */
import { basename } from "node:path";
import type { RouteContext } from "../http/context.js";
import type { ArtifactData, RepoData, WorkflowData, WorkflowRunData } from "../state/model.js";
import { htmlUrl, nodeId, repository, repoUrl, simpleUser } from "./render.js";

type Json = Record<string, unknown>;
type Ctx = Pick<RouteContext, "baseUrl" | "store">;

export const runHtmlUrl = (ctx: Ctx, repo: RepoData, runId: number): string =>
  `${htmlUrl(ctx, repo)}/actions/runs/${runId}`;

export function workflow(ctx: Ctx, repo: RepoData, data: WorkflowData): Json {
  const html = `${htmlUrl(ctx, repo)}/blob/${repo.default_branch}/${data.path}`;
  return {
    id: data.id,
    node_id: nodeId("Workflow", data.id),
    name: data.name,
    path: data.path,
    state: "active",
    created_at: data.created_at,
    updated_at: data.updated_at,
    url: `${repoUrl(ctx, repo)}/actions/workflows/${data.id}`,
    html_url: html,
    badge_url: `${htmlUrl(ctx, repo)}/workflows/${encodeURIComponent(basename(data.path))}/badge.svg`,
  };
}

/**
 * `pull-request-minimal` entries for the run's pull requests (those the repository knows). None for a run
 * whose head is a fork: GitHub reports `pull_requests` only for same-repository PRs (github/docs#22501,
 * actions/runner#3444; the OpenAPI `workflow-run.pull_requests` says they "do not necessarily indicate
 * pull requests that triggered the run"), in the REST run object and in the `workflow_run` payload alike.
 */
function pullRequests(ctx: Ctx, repo: RepoData, run: WorkflowRunData): Json[] {
  if (run.head_repository) return [];
  const repoRef = { id: repo.id, url: repoUrl(ctx, repo), name: repo.name };
  return run.pull_request_numbers.flatMap((number) => {
    const pr = repo.issues.find((issue) => issue.number === number && issue.pull);
    if (!pr?.pull) return [];
    return [
      {
        id: pr.id,
        number,
        url: `${repoUrl(ctx, repo)}/pulls/${number}`,
        head: { ref: pr.pull.head, sha: pr.pull.headSha, repo: repoRef },
        base: { ref: pr.pull.base, sha: pr.pull.baseSha, repo: repoRef },
      },
    ];
  });
}

function headCommit(repo: RepoData, sha: string): Json | null {
  const commit = repo.commits[sha];
  if (!commit) return null;
  const person = { name: commit.author.name, email: commit.author.email };
  return {
    id: commit.sha,
    tree_id: commit.tree,
    message: commit.message,
    timestamp: commit.author.date,
    author: person,
    committer: person,
  };
}

/** The repository a run's head came from: the fork of a fork PR's run, else the run's own repository. */
function headRepository(ctx: Ctx, repo: RepoData, run: WorkflowRunData): RepoData {
  return (run.head_repository && ctx.store.findRepo(run.head_repository)) || repo;
}

export function workflowRun(
  ctx: Ctx,
  repo: RepoData,
  run: WorkflowRunData,
  data: WorkflowData,
  options: { excludePullRequests?: boolean } = {},
): Json {
  const url = `${repoUrl(ctx, repo)}/actions/runs/${run.id}`;
  const repoJson = repository(ctx, repo);
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("WorkflowRun", run.id),
    check_suite_id: run.id + 1,
    check_suite_node_id: nodeId("CheckSuite", run.id + 1),
    head_branch: run.head_branch,
    head_sha: run.head_sha,
    path: data.path,
    display_title: run.display_title,
    run_number: run.run_number,
    run_attempt: run.run_attempt,
    referenced_workflows: [],
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: data.id,
    url,
    html_url: runHtmlUrl(ctx, repo, run.id),
    pull_requests: options.excludePullRequests ? [] : pullRequests(ctx, repo, run),
    created_at: run.created_at,
    updated_at: run.updated_at,
    actor: simpleUser(ctx, run.actor),
    triggering_actor: simpleUser(ctx, run.triggering_actor),
    run_started_at: run.run_started_at,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${repoUrl(ctx, repo)}/check-suites/${run.id + 1}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.run_attempt > 1 ? `${url}/attempts/${run.run_attempt - 1}` : null,
    workflow_url: `${repoUrl(ctx, repo)}/actions/workflows/${data.id}`,
    head_commit: headCommit(repo, run.head_sha),
    repository: repoJson,
    head_repository: repository(ctx, headRepository(ctx, repo, run)),
    head_repository_id: headRepository(ctx, repo, run).id,
  };
}

export function artifact(
  ctx: Ctx,
  repo: RepoData,
  data: ArtifactData,
  run: WorkflowRunData | undefined,
): Json {
  const url = `${repoUrl(ctx, repo)}/actions/artifacts/${data.id}`;
  return {
    id: data.id,
    node_id: nodeId("Artifact", data.id),
    name: data.name,
    size_in_bytes: data.size,
    url,
    archive_download_url: `${url}/zip`,
    expired: data.expired,
    created_at: data.created_at,
    updated_at: data.updated_at,
    expires_at: data.expires_at,
    digest: data.digest,
    workflow_run: run
      ? {
          id: run.id,
          repository_id: repo.id,
          head_repository_id: headRepository(ctx, repo, run).id,
          head_branch: run.head_branch,
          head_sha: run.head_sha,
        }
      : null,
  };
}
