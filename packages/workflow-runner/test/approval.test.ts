/** Jobs with an `environment:` that has required reviewers wait for a review in the emulator. */
import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWorkflow, type WorkflowResult } from "../src/index.js";

const repo = join(import.meta.dirname, "fixtures", "repo");
let emulator: Emulator;
let reviewer: Record<string, string>;
let reviewerId: number;

beforeAll(async () => {
  emulator = await startEmulator();
  const token = emulator.createToken({ actions: "write", deployments: "write" }, "release-manager");
  reviewer = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  reviewerId = ((await (await fetch(`${emulator.url}/user`, { headers: reviewer })).json()) as { id: number })
    .id;
});
afterAll(async () => {
  await emulator.close();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: reviewer,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Protects `production` of `repository` with the reviewer and starts the approval workflow (not awaited). */
async function startProtectedRun(repository: string, approvalTimeoutMs?: number) {
  await api("PUT", `/repos/${repository}/environments/production`, {
    reviewers: [{ type: "User", id: reviewerId }],
  });
  const lines: string[] = [];
  const result = runWorkflow({
    workflow: ".github/workflows/approval.yml",
    workspace: repo,
    event: "push",
    apiUrl: emulator.url,
    repository,
    approvalPollMs: 50,
    ...(approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs }),
    log: (line) => lines.push(line),
  });
  return { result, lines };
}

/** Polls the repository's latest run until it waits for a deployment; returns its id and the environment id. */
async function waitingRun(repository: string): Promise<{ runId: number; environmentId: number }> {
  for (;;) {
    const runs = await api<{ workflow_runs: Array<{ id: number }> }>(
      "GET",
      `/repos/${repository}/actions/runs`,
    );
    const runId = runs.workflow_runs[0]?.id;
    if (runId !== undefined) {
      const pending = await api<Array<{ environment: { id: number }; current_user_can_approve: boolean }>>(
        "GET",
        `/repos/${repository}/actions/runs/${runId}/pending_deployments`,
      );
      if (pending[0]) {
        expect(pending[0].current_user_can_approve).toBe(true);
        return { runId, environmentId: pending[0].environment.id };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function review(repository: string, runId: number, environmentId: number, state: string, comment: string) {
  return api("POST", `/repos/${repository}/actions/runs/${runId}/pending_deployments`, {
    environment_ids: [environmentId],
    state,
    comment,
  });
}

describe("required reviewers", () => {
  it("waits for the review, then runs the job's steps once approved", async () => {
    const { result, lines } = await startProtectedRun("octo-org/approve");
    const { runId, environmentId } = await waitingRun("octo-org/approve");
    expect(lines.some((line) => line.includes("waiting for a review of production"))).toBe(true);
    await review("octo-org/approve", runId, environmentId, "approved", "ship it");
    const done: WorkflowResult = await result;
    expect(done.conclusion).toBe("success");
    expect(done.jobs[0]).toMatchObject({ environment: "production", outputs: { deployed: "yes" } });
    expect(lines.some((line) => line.includes('production approved by release-manager: "ship it"'))).toBe(
      true,
    );
  });

  it("fails the job naming the reviewer and the comment when rejected, without running its steps", async () => {
    const { result } = await startProtectedRun("octo-org/reject");
    const { runId, environmentId } = await waitingRun("octo-org/reject");
    await review("octo-org/reject", runId, environmentId, "rejected", "metrics look off");
    const done = await result;
    expect(done.conclusion).toBe("failure");
    expect(done.jobs[0]?.steps).toEqual([]);
    expect(done.jobs[0]?.annotations.map((a) => a.message)).toEqual([
      'deployment to production rejected by release-manager: "metrics look off"',
    ]);
  });

  it("fails with a clear message when nobody reviews in time, and withdraws the waiting job", async () => {
    const { result } = await startProtectedRun("octo-org/timeout", 200);
    const done = await result;
    expect(done.conclusion).toBe("failure");
    expect(done.jobs[0]?.steps).toEqual([]);
    expect(done.jobs[0]?.annotations.map((a) => a.message)).toEqual([
      "no review of production within 200 ms (approvalTimeoutMs): the job did not run",
    ]);
    const pending = await api<unknown[]>(
      "GET",
      `/repos/octo-org/timeout/actions/runs/${done.runId}/pending_deployments`,
    );
    expect(pending).toEqual([]);
  });

  it("runs at once when the environment has no required reviewers", async () => {
    const lines: string[] = [];
    const done = await runWorkflow({
      workflow: ".github/workflows/approval.yml",
      workspace: repo,
      event: "push",
      apiUrl: emulator.url,
      repository: "octo-org/unprotected",
      log: (line) => lines.push(line),
    });
    expect(done.conclusion).toBe("success");
    expect(lines.some((line) => line.includes("waiting for a review"))).toBe(false);
  });
});
