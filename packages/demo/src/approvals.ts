/**
 * The maintainer's side of a required review: while the release run is in flight, find it waiting for an
 * environment (`GET /actions/runs/{id}/pending_deployments`) and approve it over REST, as a reviewer would
 * in GitHub's UI.
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

/** Approves the run's pending deployment to `environment`; undefined when the run ended without waiting. */
export async function approveWhenWaiting(
  rest: RestClient,
  review: PendingReview,
): Promise<GivenApproval | undefined> {
  // The run list, not the workflow's: the workflow exists only once the runner registered its first run.
  const runsPath = rest.repo(`/actions/runs?head_sha=${review.headSha}&status=in_progress`);
  while (!review.finished()) {
    const runs = await rest.get<{ workflow_runs: { id: number; path: string }[] }>(runsPath);
    for (const run of runs.workflow_runs.filter((r) => r.path === review.workflow)) {
      const pending = await rest.get<Pending[]>(rest.repo(`/actions/runs/${run.id}/pending_deployments`));
      const waiting = pending.find((p) => p.environment.name === review.environment);
      if (!waiting) continue;
      if (!waiting.current_user_can_approve)
        throw new Error(`the demo maintainer is not a required reviewer of ${review.environment}`);
      await rest.send("POST", rest.repo(`/actions/runs/${run.id}/pending_deployments`), {
        environment_ids: [waiting.environment.id],
        state: "approved",
        comment: review.comment,
      });
      return { runId: run.id, environmentId: waiting.environment.id };
    }
    await sleep(POLL_MS);
  }
  return undefined;
}
