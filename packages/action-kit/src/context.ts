import { readFileSync } from "node:fs";
import { InputError } from "@mlops/core";

/** What an action knows about the run it is part of, read from the runner's `GITHUB_*` variables. */
export interface RunContext {
  owner: string;
  repo: string;
  /** `owner/name`. */
  repository: string;
  sha: string;
  ref: string;
  eventName: string;
  event: Record<string, unknown>;
  runId: number;
  runAttempt: number;
  workflow: string;
  /** `owner/repo/.github/workflows/x.yml@refs/heads/main`. */
  workflowRef: string;
  job: string;
  actor: string;
  serverUrl: string;
  apiUrl: string;
  runUrl: string;
  workspace: string;
  pullRequest?: PullRequestContext;
}

export interface PullRequestContext {
  number: number;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** The head repository differs from the base: the token is read-only, secrets are absent. */
  fromFork: boolean;
}

function readEvent(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(`Cannot read the event payload at GITHUB_EVENT_PATH=${path}`, { cause: error });
  }
}

function pullRequestOf(event: Record<string, unknown>): PullRequestContext | undefined {
  const pr = event.pull_request as
    | {
        number: number;
        head: { sha: string; ref: string; repo?: { full_name?: string } | null };
        base: { ref: string; repo?: { full_name?: string } | null };
      }
    | undefined;
  if (!pr) return undefined;
  const headRepo = pr.head.repo?.full_name;
  const baseRepo = pr.base.repo?.full_name;
  return {
    number: pr.number,
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    baseRef: pr.base.ref,
    fromFork: headRepo !== undefined && baseRepo !== undefined && headRepo !== baseRepo,
  };
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? "";
  const [owner = "", repo = ""] = repository.split("/");
  const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
  const runId = Number(env.GITHUB_RUN_ID ?? 0);
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const pullRequest = pullRequestOf(event);
  return {
    owner,
    repo,
    repository,
    sha: pullRequest?.headSha ?? env.GITHUB_SHA ?? "",
    ref: env.GITHUB_REF ?? "",
    eventName: env.GITHUB_EVENT_NAME ?? "",
    event,
    runId,
    runAttempt: Number(env.GITHUB_RUN_ATTEMPT ?? 1),
    workflow: env.GITHUB_WORKFLOW ?? "",
    workflowRef: env.GITHUB_WORKFLOW_REF ?? "",
    job: env.GITHUB_JOB ?? "",
    actor: env.GITHUB_ACTOR ?? "",
    serverUrl,
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    runUrl: `${serverUrl}/${repository}/actions/runs/${runId}`,
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    ...(pullRequest ? { pullRequest } : {}),
  };
}

/** The workflow file name (`pr.yml`) from `GITHUB_WORKFLOW_REF`, used to find earlier runs of it. */
export function workflowFileName(context: RunContext): string | undefined {
  const path = context.workflowRef.split("@")[0] ?? "";
  const match = /\.github\/workflows\/([^/]+)$/.exec(path);
  return match?.[1];
}

/** What a `workflow_run` event says about the run it follows (undefined for other events). */
export function triggeringRun(
  context: RunContext,
): { headSha?: string; headBranch?: string; headRepository?: string; pullRequests: number[] } | undefined {
  if (context.eventName !== "workflow_run") return undefined;
  const run = context.event.workflow_run as Record<string, unknown> | undefined;
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const headRepository = text((run?.head_repository as { full_name?: unknown } | undefined)?.full_name);
  const headSha = text(run?.head_sha);
  const headBranch = text(run?.head_branch);
  const pullRequests = (Array.isArray(run?.pull_requests) ? run.pull_requests : [])
    .map((p) => (p as { number?: unknown } | null)?.number)
    .filter((n): n is number => typeof n === "number" && Number.isInteger(n));
  return {
    ...(headSha ? { headSha } : {}),
    ...(headBranch ? { headBranch } : {}),
    ...(headRepository ? { headRepository } : {}),
    pullRequests,
  };
}

/**
 * The workflow whose runs a report belongs to: this run's file (`pr.yml`), or, in a `workflow_run`
 * companion, the file of the run that triggered it, so a companion's comment key and base-branch runs are
 * the PR check's.
 */
export function reportWorkflowFile(context: RunContext): string | undefined {
  const triggering = (context.event.workflow_run as { path?: unknown } | undefined)?.path;
  if (context.eventName === "workflow_run" && typeof triggering === "string")
    return /([^/]+\.ya?ml)(@.*)?$/.exec(triggering)?.[1];
  return workflowFileName(context);
}
