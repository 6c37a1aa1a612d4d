/**
 * train → evaluate-gate across two workflow runs through the UNMODIFIED `@actions/artifact` client and
 * the emulator's artifact service: the main run's `train` uploads `mlops-churn`, the PR run's gate finds
 * that run over REST and downloads the artifact cross-run (`findBy`), then uploads its report.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createActionsArtifactStore, createMemoryRuntime, runAction } from "@mlops/action-kit";
import { main as train } from "@mlops/action-train";
import { beforeAll, describe, expect, it } from "vitest";
import { gateComments, OWNER, openPullRequest, runGate, useGateEmulator, workspace } from "./helpers.js";

const gh = useGateEmulator({ contents: "write", issues: "write", pull_requests: "write", actions: "read" });
beforeAll(() => {
  // `@actions/artifact` reads these from process.env (GITHUB_API_URL when it is first imported).
  process.env.GITHUB_API_URL = gh.emulator.url;
  process.env.GITHUB_SERVER_URL = "https://github.localhost";
  process.env.ACTIONS_RESULTS_URL = gh.emulator.url;
  process.env.NO_PROXY = "127.0.0.1,localhost";
});

interface Job {
  runId: number;
  githubToken: string;
}

/** Registers a run and one job; the job's runtime token becomes `ACTIONS_RUNTIME_TOKEN`. */
async function startJob(
  repo: string,
  run: { event: string; branch: string; sha: string; pr?: number },
  permissions: Record<string, string>,
): Promise<Job> {
  const { data: created } = await gh.admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
    owner: OWNER,
    repo,
    workflow_path: ".github/workflows/pr.yml",
    event: run.event,
    head_branch: run.branch,
    head_sha: run.sha,
    ...(run.pr ? { pull_request_number: run.pr } : {}),
  });
  const runId = (created as { id: number }).id;
  const { data: job } = await gh.admin.request(
    "POST /_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
    {
      owner: OWNER,
      repo,
      run_id: runId,
      name: "job",
      permissions,
    },
  );
  const { github_token, runtime_token } = job as { github_token: string; runtime_token: string };
  process.env.ACTIONS_RUNTIME_TOKEN = runtime_token;
  return { runId, githubToken: github_token };
}

describe("train and gate through the Actions artifact service", () => {
  it("the PR's gate compares with the artifact main's latest successful run uploaded", async () => {
    const pr = await openPullRequest(gh.admin, "gate-artifacts");
    const { data: mainRef } = await gh.admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo: pr.repo,
      ref: "heads/main",
    });

    // The run on main trains and uploads mlops-churn.
    const mainJob = await startJob(
      pr.repo,
      { event: "push", branch: "main", sha: mainRef.object.sha },
      { contents: "read" },
    );
    const mainWork = await workspace({});
    const trainRuntime = createMemoryRuntime();
    const trainEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GITHUB_REPOSITORY: `${OWNER}/${pr.repo}`,
      GITHUB_SHA: mainRef.object.sha,
      GITHUB_REF: "refs/heads/main",
      GITHUB_RUN_ID: String(mainJob.runId),
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_WORKSPACE: mainWork,
      INPUT_COMMAND: `echo '{"accuracy": 0.9, "f1": 0.84}' > metrics.json`,
    };
    await runAction(
      (rt) => train(rt, { env: trainEnv, artifacts: createActionsArtifactStore() }),
      trainRuntime,
    );
    expect(trainRuntime.failure).toBeUndefined();
    expect(trainRuntime.outputs["artifact-id"]).toMatch(/^[1-9]\d*$/);
    await gh.admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/complete", {
      owner: OWNER,
      repo: pr.repo,
      run_id: mainJob.runId,
      conclusion: "success",
    });

    // The PR run's gate job.
    const prJob = await startJob(
      pr.repo,
      { event: "pull_request", branch: "feature", sha: pr.headSha, pr: pr.number },
      { contents: "read", actions: "read", checks: "write", pull_requests: "write" },
    );
    const work = await workspace({});
    await writeFile(join(work, "metrics.json"), JSON.stringify({ accuracy: 0.91, f1: 0.85 }));
    const runtime = await runGate({
      ...gh,
      token: prJob.githubToken,
      pr,
      workspace: work,
      inputs: { baseline: "auto" },
      runId: prJob.runId,
      store: createActionsArtifactStore(),
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs["baseline-source"]).toBe(`run:${mainJob.runId}`);
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toMatch(/\| f1 +\| +0\.84 \| +0\.85 \|/);

    // The gate's report went up as an artifact of the PR run.
    const { data: artifacts } = await gh.admin.request(
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
      {
        owner: OWNER,
        repo: pr.repo,
        run_id: prJob.runId,
      },
    );
    expect(artifacts.artifacts.map((a) => a.name)).toEqual(["mlops-gate-churn"]);
  });
});
