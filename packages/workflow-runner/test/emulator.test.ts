import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobResult, runWorkflow, type WorkflowResult } from "../src/index.js";

const repo = join(import.meta.dirname, "fixtures", "repo");
const repository = "octo-org/fixture";
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

function job(result: WorkflowResult, id: string): JobResult {
  const found = result.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

async function run(
  workflow: string,
  event: string,
  vars: Record<string, string> = {},
): Promise<WorkflowResult> {
  return runWorkflow({
    workflow: `.github/workflows/${workflow}`,
    workspace: repo,
    event,
    apiUrl: emulator.url,
    repository,
    vars,
    log: () => undefined,
  });
}

async function getJson(
  path: string,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("runWorkflow with the emulator", () => {
  it("registers the run and gives each job a token holding exactly its permissions", async () => {
    const result = await run("permissions.yml", "push");
    expect(result.conclusion).toBe("success");
    expect(result.runId).toBeGreaterThan(0);
    // the job's own permissions: contents read only → a write is refused
    expect(job(result, "reader")).toMatchObject({
      permissions: { contents: "read" },
      outputs: { status: "403" },
    });
    // the workflow-level default: issues write → the same write succeeds
    expect(job(result, "writer")).toMatchObject({
      permissions: { contents: "read", issues: "write" },
      outputs: { status: "201" },
    });
    // a called workflow asking for more than its caller allows gets the caller's cap
    expect(job(result, "capped/wants-write").permissions).toEqual({ contents: "read" });
    const token = emulator.createToken({ actions: "read" });
    const runInfo = await getJson(`/repos/${repository}/actions/runs/${result.runId}`, token);
    expect(runInfo.status).toBe(200);
    expect(runInfo.body).toMatchObject({ status: "completed", conclusion: "success", event: "push" });
  });

  it("re-runs a run as its next attempt with the same id", async () => {
    const first = await run("hash.yml", "push");
    const again = await runWorkflow({
      workflow: ".github/workflows/hash.yml",
      workspace: repo,
      event: "push",
      apiUrl: emulator.url,
      repository,
      rerunOf: first.runId ?? 0,
      log: () => undefined,
    });
    expect(again).toMatchObject({ runId: first.runId, runAttempt: 2, conclusion: "success" });
    const token = emulator.createToken({ actions: "read" });
    const runInfo = await getJson(`/repos/${repository}/actions/runs/${first.runId}`, token);
    expect(runInfo.body).toMatchObject({ run_attempt: 2, conclusion: "success" });
  });

  it("moves an artifact from one job to the next and to a later run through @actions/artifact", async () => {
    const first = await run("artifacts.yml", "push");
    expect(first.conclusion).toBe("success");
    expect(job(first, "consume").outputs.content).toBe("model weights|metrics");
    const token = emulator.createToken({ actions: "read" });
    const listed = await getJson(`/repos/${repository}/actions/runs/${first.runId}/artifacts`, token);
    expect(listed.body).toMatchObject({ total_count: 1, artifacts: [{ name: "trained" }] });
    const later = await run("artifacts-later.yml", "workflow_dispatch", { EARLIER_RUN: String(first.runId) });
    expect(later.conclusion).toBe("success");
    expect(job(later, "fetch").outputs.content).toBe("model weights");
  });
});
