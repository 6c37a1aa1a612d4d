/**
 * The maintainer's side of a required review: find a run waiting for an environment
 * (`GET /actions/runs/{id}/pending_deployments`) and approve it over REST
 * (`POST /actions/runs/{id}/pending_deployments`), as a reviewer would in GitHub's UI.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { RestClient } from "./rest.js";

/** Pause between two polls for the waiting run (the release trains and deploys staging first: ~20 s). */
const POLL_MS = 500;

export interface PendingReview {
  /** The workflow file whose run waits (`.github/workflows/mlops-release.yml`). */
  workflow: string;
  headSha: string;
  environment: string;
  comment: string;
  /** Set once the run has ended: the poller stops instead of waiting forever. */
  finished: () => boolean;
}

export interface GivenApproval {
  runId: number;
  environmentId: number;
}

interface Pending {
  environment: { id: number; name: string };
  current_user_can_approve: boolean;
}

/** Thrown when a run does not wait for the environment, or the caller may not approve it. */
export class ApprovalRefused extends Error {
  override name = "ApprovalRefused";
}

/**
 * Approves run `runId`'s pending deployment to `environment` (or rejects it with `state: "rejected"`).
 * Undefined when the run does not wait for that environment now (with the environments it waits for).
 */
export async function reviewPendingDeployment(
  rest: RestClient,
  runId: number,
  environment: string,
  comment: string,
  state: "approved" | "rejected" = "approved",
): Promise<GivenApproval | { waitingFor: string[] }> {
  const pending = await rest.get<Pending[]>(rest.repo(`/actions/runs/${runId}/pending_deployments`));
  const waiting = pending.find((p) => p.environment.name === environment);
  if (!waiting) return { waitingFor: pending.map((p) => p.environment.name) };
  if (!waiting.current_user_can_approve) {
    const me = await rest.get<{ login: string }>("/user");
    throw new ApprovalRefused(
      `${me.login} is not a required reviewer of ${environment} (run ${runId} waits for its reviewers)`,
    );
  }
  await rest.send("POST", rest.repo(`/actions/runs/${runId}/pending_deployments`), {
    environment_ids: [waiting.environment.id],
    state,
    comment,
  });
  return { runId, environmentId: waiting.environment.id };
}

/** The runs in progress that wait for a review of `environment`. */
export async function runsWaitingFor(
  rest: RestClient,
  environment: string,
  filter: { headSha?: string; workflow?: string } = {},
): Promise<{ id: number; path: string; head_sha: string }[]> {
  const query = `status=in_progress${filter.headSha ? `&head_sha=${filter.headSha}` : ""}`;
  const runs = await rest.get<{ workflow_runs: { id: number; path: string; head_sha: string }[] }>(
    rest.repo(`/actions/runs?${query}`),
  );
  const waiting: { id: number; path: string; head_sha: string }[] = [];
  for (const run of runs.workflow_runs.filter((r) => !filter.workflow || r.path === filter.workflow)) {
    const pending = await rest.get<Pending[]>(rest.repo(`/actions/runs/${run.id}/pending_deployments`));
    if (pending.some((p) => p.environment.name === environment)) waiting.push(run);
  }
  return waiting;
}

/** Approves the run's pending deployment to `environment` once it waits; undefined when the run ended without waiting. */
export async function approveWhenWaiting(
  rest: RestClient,
  review: PendingReview,
): Promise<GivenApproval | undefined> {
  // The run list, not the workflow's: the workflow exists only once the runner registered its first run.
  while (!review.finished()) {
    const [run] = await runsWaitingFor(rest, review.environment, {
      headSha: review.headSha,
      workflow: review.workflow,
    });
    if (run) {
      const given = await reviewPendingDeployment(rest, run.id, review.environment, review.comment);
      if ("runId" in given) return given;
    }
    await sleep(POLL_MS);
  }
  return undefined;
}
