/**
 * A job that references an environment gets a deployment created by GitHub (docs "Deploying with GitHub
 * Actions": "When a workflow job that references an environment runs, it creates a deployment object …
 * and deployment status objects … the state property set to the status of the job"), unless
 * `environment: {deployment: false}` (docs control-deployments#using-environments-without-deployments).
 */
import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWorkflow } from "../src/index.js";

const repo = join(import.meta.dirname, "fixtures", "repo");
let emulator: Emulator;
let headers: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator({ validateResponses: true });
  headers = { authorization: `Bearer ${emulator.createToken({ deployments: "read" })}` };
});
afterAll(async () => {
  await emulator.close();
});

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${emulator.url}${path}`, { headers });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

interface Deployment {
  id: number;
  environment: string;
  ref: string;
  sha: string;
  task: string;
  creator: { login: string };
}
interface Status {
  state: string;
  environment_url: string;
  log_url: string;
}

describe("job deployments", () => {
  it("creates one deployment per environment job, none with deployment: false, statuses follow the job", async () => {
    const lines: string[] = [];
    const result = await runWorkflow({
      workflow: ".github/workflows/environments.yml",
      workspace: repo,
      event: "push",
      apiUrl: emulator.url,
      repository: "octo/job-deployments",
      log: (line) => lines.push(line),
    });
    expect(result.jobs.map((j) => [j.id, j.conclusion])).toEqual([
      ["staging", "success"],
      ["quiet", "success"],
      ["broken", "failure"],
    ]);
    const deployments = await get<Deployment[]>("/repos/octo/job-deployments/deployments");
    // Two jobs reference staging, but the one with `deployment: false` made none.
    expect(deployments.map((d) => d.environment).sort()).toEqual(["production", "staging"]);
    for (const d of deployments) {
      expect(d.creator.login).toBe("github-actions[bot]");
      expect(d.ref).toBe("main");
      expect(d.task).toBe("deploy");
    }
    const byEnv = Object.fromEntries(deployments.map((d) => [d.environment, d]));
    const statuses = async (d: Deployment | undefined) =>
      (await get<Status[]>(`/repos/octo/job-deployments/deployments/${d?.id}/statuses`)).reverse();
    const staging = await statuses(byEnv.staging);
    expect(staging.map((s) => s.state)).toEqual(["in_progress", "success"]);
    // The URL names a step output: it is known when the job ends.
    expect(staging[1]?.environment_url).toBe("https://staging.example.test");
    expect(staging[1]?.log_url).toMatch(new RegExp(`/actions/runs/${result.runId}/job/\\d+$`));
    expect((await statuses(byEnv.production)).map((s) => s.state)).toEqual(["in_progress", "failure"]);
    expect(emulator.violations).toEqual([]);
  });
});
