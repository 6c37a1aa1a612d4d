import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deployModel,
  dispatchEvent,
  type GitHubClient,
  moveAlias,
  upsertMonitoringIssue,
} from "../src/index.js";
import { aliasVersion } from "../src/testing.js";
import { emulatorWithClient, headSha, OWNER, registerRun, tempDir } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  ({ emulator, client } = await emulatorWithClient());
  work = await tempDir();
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

async function registerVersion(
  c: GitHubClient,
  repo: string,
  runId: string,
  version?: string,
): Promise<string> {
  const result = await registerRun(c, work.dir, repo, runId, version !== undefined ? { version } : {}, {
    "model.bin": `weights ${runId}`,
  });
  return result.version;
}

async function latestStatus(repo: string, deploymentId: number): Promise<string | undefined> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
    owner: OWNER,
    repo,
    deployment_id: deploymentId,
  });
  return [...data].sort((a, b) => Number(b.id) - Number(a.id))[0]?.state;
}

const base = (repo: string, runId: string) => ({
  owner: OWNER,
  repo,
  model: "fraud",
  environment: "production",
  workDir: join(work.dir, `deploy-${repo}-${runId}`),
  runId,
  rollbackOnFailure: true,
});

describe("deployModel", () => {
  it("moves @production only after success, marks the replaced deployment inactive", async () => {
    const repo = "deploy-basic";
    await registerVersion(client, repo, "1");
    await registerVersion(client, repo, "2");
    let aliasDuringRun: string | undefined = "unset";
    const first = await deployModel(client, {
      ...base(repo, "d1"),
      selector: "v1",
      run: async (dir) => {
        aliasDuringRun = (
          await aliasVersion(client, { owner: OWNER, repo, model: "fraud", alias: "production" })
        )?.version;
        expect(await readFile(join(dir, "model.bin"), "utf8")).toBe("weights 1");
        return { ok: true };
      },
    });
    expect(first.ok).toBe(true);
    expect(aliasDuringRun).toBeUndefined();
    expect(
      (await aliasVersion(client, { owner: OWNER, repo, model: "fraud", alias: "production" }))?.version,
    ).toBe("1");

    const second = await deployModel(client, {
      ...base(repo, "d2"),
      selector: "v2",
      run: async () => ({ ok: true }),
    });
    expect(second).toMatchObject({ ok: true, version: "2", previousVersion: "1" });
    expect(await latestStatus(repo, first.deploymentId)).toBe("inactive");
    expect(await latestStatus(repo, second.deploymentId)).toBe("success");
    const { data: deployment } = await client.request(
      "GET /repos/{owner}/{repo}/deployments/{deployment_id}",
      { owner: OWNER, repo, deployment_id: second.deploymentId },
    );
    expect(deployment).toMatchObject({ ref: "fraud/v2", task: "deploy:fraud", environment: "production" });
  });

  it("a failed deploy leaves the alias and rolls back to the previous good version", async () => {
    const repo = "deploy-rollback";
    await registerVersion(client, repo, "1");
    await registerVersion(client, repo, "2");
    await deployModel(client, { ...base(repo, "d1"), selector: "v1", run: async () => ({ ok: true }) });
    const deployed: string[] = [];
    const result = await deployModel(client, {
      ...base(repo, "d2"),
      selector: "v2",
      run: async (_dir, version) => {
        deployed.push(version);
        return { ok: true };
      },
      healthCheck: async (_dir, version) => ({ ok: version === "1", message: "health check returned 503" }),
    });
    expect(result).toMatchObject({ ok: false, version: "2", message: "health check returned 503" });
    expect(result.rollback).toMatchObject({ ok: true, version: "1" });
    expect(deployed).toEqual(["2", "1"]);
    expect(await latestStatus(repo, result.deploymentId)).toBe("failure");
    expect(
      (await aliasVersion(client, { owner: OWNER, repo, model: "fraud", alias: "production" }))?.version,
    ).toBe("1");
  });

  it("'previous' picks the version deployed before the current one; a retried call reuses its deployment", async () => {
    const repo = "deploy-previous";
    for (const run of ["1", "2", "3"]) await registerVersion(client, repo, run);
    await deployModel(client, { ...base(repo, "d1"), selector: "v1", run: async () => ({ ok: true }) });
    await deployModel(client, { ...base(repo, "d3"), selector: "v3", run: async () => ({ ok: true }) });
    const back = await deployModel(client, {
      ...base(repo, "d4"),
      selector: "previous",
      run: async () => ({ ok: true }),
    });
    expect(back.version).toBe("1");
    const again = await deployModel(client, {
      ...base(repo, "d4"),
      selector: "v1",
      run: async () => ({ ok: true }),
    });
    expect(again.deploymentId).toBe(back.deploymentId);
  });

  it("reports the deployment GitHub made for the job (no `deployment: false`) instead of hiding the duplicate", async () => {
    const repo = "deploy-job-deployment";
    await registerVersion(client, repo, "1");
    const sha = await headSha(client, repo);
    // GitHub's part, played by the emulator: the run, its job, and the job's own deployment of staging.
    const emulatorPost = async <T>(path: string, body: unknown): Promise<T> => {
      const response = await fetch(`${emulator.url}/_emulator/repos/${OWNER}/${repo}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as T;
    };
    const run = await emulatorPost<{ id: number }>("/actions/runs", {
      workflow_path: ".github/workflows/release.yml",
      event: "push",
      head_branch: "main",
      head_sha: sha,
    });
    const job = await emulatorPost<{ job_id: number }>(`/actions/runs/${run.id}/jobs`, { name: "deploy" });
    const jobDeployment = await emulatorPost<{ id: number }>(
      `/actions/runs/${run.id}/jobs/${job.job_id}/deployment`,
      { environment: "staging" },
    );
    const warnings: string[] = [];
    const log = { info: () => {}, warning: (m: string) => warnings.push(m), debug: () => {} };
    const options = {
      ...base(repo, String(run.id)),
      environment: "staging",
      selector: "v1",
      run: async () => ({ ok: true }),
      runSha: sha,
      log,
    };
    const result = await deployModel(client, options);
    expect(result).toMatchObject({ ok: true, jobDeploymentId: jobDeployment.id });
    expect(result.deploymentId).not.toBe(jobDeployment.id);
    expect(warnings.join("\n")).toContain(`GitHub created deployment ${jobDeployment.id} for this job`);
    expect(warnings.join("\n")).toContain("deployment: false");
    // Another run at the same commit does not claim this run's job deployment.
    const other = await deployModel(client, { ...options, runId: "999999", selector: "v1" });
    expect(other.jobDeploymentId).toBeUndefined();
  });

  it("reads deployments recorded before semver support (numeric payload version)", async () => {
    const repo = "deploy-legacy-payload";
    await registerVersion(client, repo, "1");
    await registerVersion(client, repo, "2");
    const { data: old } = await client.request("POST /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo,
      ref: "fraud/v1",
      task: "deploy:fraud",
      environment: "production",
      auto_merge: false,
      required_contexts: [],
      payload: { model: "fraud", version: 1, runId: "old" },
    });
    const oldId = Number((old as { id: number }).id);
    await client.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      owner: OWNER,
      repo,
      deployment_id: oldId,
      state: "success",
    });
    await moveAlias(client, { owner: OWNER, repo, model: "fraud", alias: "production", selector: "v1" });
    const next = await deployModel(client, {
      ...base(repo, "n1"),
      selector: "v2",
      run: async () => ({ ok: true }),
    });
    expect(next).toMatchObject({ ok: true, version: "2", previousVersion: "1" });
    expect(await latestStatus(repo, oldId)).toBe("inactive");
    const back = await deployModel(client, {
      ...base(repo, "n2"),
      selector: "previous",
      run: async () => ({ ok: true }),
    });
    expect(back).toMatchObject({ ok: true, version: "1" });
  });

  it("deploys semver versions by label and 'previous' / rollback go back across them", async () => {
    const repo = "deploy-semver";
    await registerVersion(client, repo, "1", "1.4.0");
    await registerVersion(client, repo, "2", "2.0.0-rc.1");
    await registerVersion(client, repo, "3"); // auto → 3
    const seen: string[] = [];
    const run = async (dir: string, version: string) => {
      seen.push(`${version}:${await readFile(join(dir, "model.bin"), "utf8")}`);
      return { ok: true };
    };
    await deployModel(client, { ...base(repo, "d1"), selector: "v1.4.0", run });
    const second = await deployModel(client, { ...base(repo, "d2"), selector: "2.0.0-rc.1", run });
    expect(second).toMatchObject({ ok: true, version: "2.0.0-rc.1", previousVersion: "1.4.0" });
    const back = await deployModel(client, { ...base(repo, "d3"), selector: "previous", run });
    expect(back).toMatchObject({ ok: true, version: "1.4.0", previousVersion: "2.0.0-rc.1" });
    // A failing health check on 3 rolls @production back to 1.4.0.
    const failed = await deployModel(client, {
      ...base(repo, "d4"),
      selector: "latest",
      run,
      healthCheck: async (_dir, version) => ({ ok: version !== "3", message: "503" }),
    });
    expect(failed).toMatchObject({ ok: false, version: "3", rollback: { ok: true, version: "1.4.0" } });
    expect(seen).toEqual([
      "1.4.0:weights 1",
      "2.0.0-rc.1:weights 2",
      "1.4.0:weights 1",
      "3:weights 3",
      "1.4.0:weights 1",
    ]);
    expect(
      (await aliasVersion(client, { owner: OWNER, repo, model: "fraud", alias: "production" }))?.version,
    ).toBe("1.4.0");
    const { data: deployments } = await client.request("GET /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo,
    });
    expect(new Set(deployments.map((d) => d.ref))).toEqual(
      new Set(["fraud/v1.4.0", "fraud/v2.0.0-rc.1", "fraud/v3"]),
    );
  });
});

describe("dispatchEvent and upsertMonitoringIssue", () => {
  it("sends repository_dispatch and keeps one monitoring issue with a comment per run", async () => {
    const repo = "monitoring";
    await dispatchEvent(client, {
      owner: OWNER,
      repo,
      eventType: "mlops.drift.detected",
      clientPayload: { model: "fraud" },
    });
    const { data: dispatches } = await client.request("GET /_emulator/repos/{owner}/{repo}/dispatches", {
      owner: OWNER,
      repo,
    });
    expect(dispatches).toEqual([expect.objectContaining({ event_type: "mlops.drift.detected" })]);
    const options = { owner: OWNER, repo, model: "fraud", title: "Monitoring: fraud" };
    const first = await upsertMonitoringIssue(client, {
      ...options,
      body: "drift: 2 columns",
      comment: "run 1",
    });
    const second = await upsertMonitoringIssue(client, {
      ...options,
      body: "drift: 0 columns",
      comment: "run 2",
    });
    expect([first.action, second.action]).toEqual(["created", "updated"]);
    expect(second.issueNumber).toBe(first.issueNumber);
    const { data: issue } = await client.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      owner: OWNER,
      repo,
      issue_number: first.issueNumber,
    });
    expect(issue.body).toContain("drift: 0 columns");
    expect(issue.labels.map((l) => (typeof l === "string" ? l : l.name))).toContain("mlops-monitoring");
    const { data: comments } = await client.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      { owner: OWNER, repo, issue_number: first.issueNumber },
    );
    expect(comments.map((c) => c.body)).toEqual(["run 1", "run 2"]);
  });
});
