/** Actions REST routes (workflows, runs, artifacts) and the emulator-only run/job routes, OpenAPI-validated. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/index.js";
import { call, useEmulator } from "./helpers.js";
import {
  backendIds,
  completeRun,
  registerJob,
  registerRun,
  uploadWithProtocol,
} from "./support/actions-jobs.js";

const emulator = useEmulator();
type Obj = Record<string, unknown>;
const asObj = (value: unknown) => value as Obj;
const runsOf = (value: unknown) => asObj(value).workflow_runs as Obj[];
const artifactsOf = (value: unknown) => asObj(value).artifacts as Obj[];

const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);

describe("emulator-only run and job routes", () => {
  it("registers runs with per-workflow run numbers and jobs with a token holding exactly their permissions", async () => {
    const base = emulator().url;
    const first = await registerRun(base, "acme/reg", {
      workflow_path: ".github/workflows/pr.yml",
      name: "PR",
    });
    const second = await registerRun(base, "acme/reg", { workflow_path: ".github/workflows/pr.yml" });
    const other = await registerRun(base, "acme/reg", { workflow_path: ".github/workflows/nightly.yml" });
    expect([first.run_number, second.run_number, other.run_number]).toEqual([1, 2, 1]);
    expect(first).toMatchObject({ run_attempt: 1, html_url: `${base}/acme/reg/actions/runs/${first.id}` });

    const job = await registerJob(base, "acme/reg", first.id, "gate", {
      contents: "read",
      issues: "write",
      actions: "none",
    });
    expect(job.results_url).toBe(base);
    const headers = { authorization: `token ${job.github_token}` };
    expect((await call(emulator(), "GET", "/repos/acme/reg", undefined, headers)).status).toBe(200);
    expect((await call(emulator(), "POST", "/repos/acme/reg/issues", { title: "t" }, headers)).status).toBe(
      201,
    );
    const refused = await call(emulator(), "GET", "/repos/acme/reg/actions/runs", undefined, headers);
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ message: "Resource not accessible by integration" });
    expect(refused.headers.get("x-accepted-github-permissions")).toBe("actions=read");
    const write = await call(emulator(), "POST", "/repos/acme/reg/releases", { tag_name: "v1" }, headers);
    expect(write.headers.get("x-accepted-github-permissions")).toBe("contents=write");
  });

  it("rejects incomplete registrations with 422 and unknown runs with 404", async () => {
    const missing = await call(emulator(), "POST", "/_emulator/repos/acme/reg422/actions/runs", {
      event: "push",
    });
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({ errors: [{ field: "workflow_path", code: "missing_field" }] });
    const level = await call(emulator(), "POST", "/_emulator/repos/acme/reg422/actions/runs/1/jobs", {
      name: "x",
      permissions: {},
    });
    expect(level.status).toBe(404);
    const run = await registerRun(emulator().url, "acme/reg422");
    const bad = await call(emulator(), "POST", `/_emulator/repos/acme/reg422/actions/runs/${run.id}/jobs`, {
      name: "x",
      permissions: { contents: "admin" },
    });
    expect(bad.status).toBe(422);
    const conclusion = await call(
      emulator(),
      "POST",
      `/_emulator/repos/acme/reg422/actions/runs/${run.id}/complete`,
      {
        conclusion: "great",
      },
    );
    expect(conclusion.status).toBe(422);
  });

  it("rerun_of returns the same run id with run_attempt + 1, back in progress", async () => {
    const base = emulator().url;
    const run = await registerRun(base, "acme/rerun", { actor: "octocat" });
    await completeRun(base, "acme/rerun", run.id, "failure");
    const again = await registerRun(base, "acme/rerun", { rerun_of: run.id, actor: "hubot" });
    expect(again).toMatchObject({ id: run.id, run_number: run.run_number, run_attempt: 2 });
    const third = await registerRun(base, "acme/rerun", { rerun_of: run.id });
    expect(third.run_attempt).toBe(3);
    const got = await call(emulator(), "GET", `/repos/acme/rerun/actions/runs/${run.id}`);
    expect(got.json).toMatchObject({
      id: run.id,
      run_attempt: 3,
      status: "in_progress",
      conclusion: null,
      actor: { login: "octocat" },
      triggering_actor: { login: "hubot" },
      previous_attempt_url: `${base}/repos/acme/rerun/actions/runs/${run.id}/attempts/2`,
    });
    const completed = await call(
      emulator(),
      "POST",
      `/_emulator/repos/acme/rerun/actions/runs/${run.id}/complete`,
      {
        conclusion: "success",
      },
    );
    expect(completed.json).toMatchObject({
      id: run.id,
      run_attempt: 3,
      status: "completed",
      conclusion: "success",
    });
    const attempt1 = await call(emulator(), "GET", `/repos/acme/rerun/actions/runs/${run.id}/attempts/1`);
    expect(attempt1.json).toMatchObject({
      id: run.id,
      run_attempt: 1,
      status: "completed",
      conclusion: "failure",
      triggering_actor: { login: "octocat" },
      previous_attempt_url: null,
    });
    expect(
      (await call(emulator(), "GET", `/repos/acme/rerun/actions/runs/${run.id}/attempts/4`)).status,
    ).toBe(404);
    const unknown = await call(emulator(), "POST", "/_emulator/repos/acme/rerun/actions/runs", {
      rerun_of: 999999,
    });
    expect(unknown.status).toBe(404);
    const list = await call(emulator(), "GET", "/repos/acme/rerun/actions/runs");
    expect(asObj(list.json).total_count).toBe(1);
  });
});

describe("workflow runs over REST", () => {
  it("lists workflows and runs with branch, event, status, head_sha filters and Link pagination", async () => {
    const base = emulator().url;
    const repo = "acme/runs";
    const pr = ".github/workflows/mlops-pr-check.yml";
    const ids: number[] = [];
    for (const [branch, event, sha, conclusion] of [
      ["main", "push", SHA_A, "success"],
      ["main", "push", SHA_B, "failure"],
      ["feature", "pull_request", SHA_B, "success"],
      ["main", "push", SHA_B, null],
      ["main", "schedule", SHA_A, "success"],
    ] as const) {
      const run = await registerRun(base, repo, {
        workflow_path: pr,
        name: "PR check",
        head_branch: branch,
        event,
        head_sha: sha,
      });
      if (conclusion) await completeRun(base, repo, run.id, conclusion);
      ids.push(run.id);
    }
    const nightly = await registerRun(base, repo, {
      workflow_path: ".github/workflows/nightly.yml",
      event: "schedule",
    });

    const workflows = await call(emulator(), "GET", `/repos/${repo}/actions/workflows`);
    expect(asObj(workflows.json).total_count).toBe(2);
    const [prFlow] = asObj(workflows.json).workflows as Obj[];
    expect(prFlow).toMatchObject({ name: "PR check", path: pr, state: "active" });
    expect(
      (await call(emulator(), "GET", `/repos/${repo}/actions/workflows/${prFlow?.id}`)).json,
    ).toMatchObject({ path: pr });

    const ids$ = (json: unknown) => runsOf(json).map((r) => r.id);
    const newest = [...ids].reverse();
    const all = await call(emulator(), "GET", `/repos/${repo}/actions/runs`);
    expect(ids$(all.json)).toEqual([nightly.id, ...newest]);
    const byFile = await call(emulator(), "GET", `/repos/${repo}/actions/workflows/mlops-pr-check.yml/runs`);
    expect(ids$(byFile.json)).toEqual(newest);
    const byId = await call(emulator(), "GET", `/repos/${repo}/actions/workflows/${prFlow?.id}/runs`);
    expect(ids$(byId.json)).toEqual(newest);
    const latestGreenOnMain = await call(
      emulator(),
      "GET",
      `/repos/${repo}/actions/workflows/mlops-pr-check.yml/runs?branch=main&event=push&status=success&per_page=1`,
    );
    expect(ids$(latestGreenOnMain.json)).toEqual([ids[0]]);
    const completed = await call(
      emulator(),
      "GET",
      `/repos/${repo}/actions/runs?status=completed&branch=main`,
    );
    expect(ids$(completed.json)).toEqual([ids[4], ids[1], ids[0]]);
    const inProgress = await call(emulator(), "GET", `/repos/${repo}/actions/runs?status=in_progress`);
    expect(ids$(inProgress.json)).toEqual([nightly.id, ids[3]]);
    const bySha = await call(emulator(), "GET", `/repos/${repo}/actions/runs?head_sha=${SHA_A}`);
    expect(ids$(bySha.json)).toEqual([ids[4], ids[0]]);
    const prs = await call(emulator(), "GET", `/repos/${repo}/actions/runs?event=pull_request`);
    expect(runsOf(prs.json)).toMatchObject([{ id: ids[2], head_branch: "feature", conclusion: "success" }]);

    const page1 = await call(emulator(), "GET", `/repos/${repo}/actions/runs?per_page=2`);
    expect(asObj(page1.json).total_count).toBe(6);
    expect(ids$(page1.json)).toEqual([nightly.id, newest[0]]);
    const link = page1.headers.get("link") ?? "";
    expect(link).toContain('rel="next"');
    expect(link).toContain('rel="last"');
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? "";
    const page2 = await call(emulator(), "GET", next.slice(base.length));
    expect(ids$(page2.json)).toEqual(newest.slice(1, 3));
    const last = /<([^>]+)>; rel="last"/.exec(link)?.[1] ?? "";
    expect(new URL(last).searchParams.get("page")).toBe("3");

    expect((await call(emulator(), "GET", `/repos/${repo}/actions/workflows/nope.yml/runs`)).status).toBe(
      404,
    );
    expect((await call(emulator(), "GET", `/repos/${repo}/actions/runs/999999`)).status).toBe(404);
  });

  it("links a run to its pull request and head commit when the repository knows them", async () => {
    const base = emulator().url;
    const commit = await call(emulator(), "POST", "/_emulator/repos/acme/linked/commits", {
      branch: "feature",
      message: "Tune the model\n\nlonger text",
      files: { "a.txt": "a" },
    });
    const sha = asObj(commit.json).sha as string;
    const pull = await call(emulator(), "POST", "/repos/acme/linked/pulls", {
      title: "Better model",
      head: "feature",
      base: "main",
    });
    const number = asObj(pull.json).number as number;
    const pushRun = await registerRun(base, "acme/linked", { head_branch: "feature", head_sha: sha });
    const prRun = await registerRun(base, "acme/linked", {
      event: "pull_request",
      head_branch: "feature",
      head_sha: sha,
      pull_request_number: number,
    });
    const pushed = await call(emulator(), "GET", `/repos/acme/linked/actions/runs/${pushRun.id}`);
    expect(pushed.json).toMatchObject({
      display_title: "Tune the model",
      head_commit: { id: sha, message: "Tune the model\n\nlonger text" },
      pull_requests: [],
    });
    const opened = await call(emulator(), "GET", `/repos/acme/linked/actions/runs/${prRun.id}`);
    expect(opened.json).toMatchObject({
      display_title: "Better model",
      pull_requests: [{ number, head: { ref: "feature", sha }, base: { ref: "main" } }],
    });
    const excluded = await call(
      emulator(),
      "GET",
      `/repos/acme/linked/actions/runs/${prRun.id}?exclude_pull_requests=true`,
    );
    expect(asObj(excluded.json).pull_requests).toEqual([]);
  });
});

describe("artifacts over REST", () => {
  it("lists per run and per repository with the name filter and pagination, gets one, and deletes with actions: write", async () => {
    const base = emulator().url;
    const repo = "acme/arts";
    const runA = await registerRun(base, repo);
    const runB = await registerRun(base, repo);
    const jobA = await registerJob(base, repo, runA.id, "a");
    const jobB = await registerJob(base, repo, runB.id, "b");
    const inA: number[] = [];
    for (const name of ["one", "two", "three"]) inA.push(await uploadWithProtocol(jobA, name, `${name}\n`));
    const inB = await uploadWithProtocol(jobB, "one", "one again\n");

    const perRun = await call(
      emulator(),
      "GET",
      `/repos/${repo}/actions/runs/${runA.id}/artifacts?per_page=2`,
    );
    expect(asObj(perRun.json).total_count).toBe(3);
    expect(artifactsOf(perRun.json).map((a) => a.id)).toEqual([inA[2], inA[1]]);
    expect(perRun.headers.get("link")).toContain('rel="next"');
    const ascending = await call(
      emulator(),
      "GET",
      `/repos/${repo}/actions/runs/${runA.id}/artifacts?direction=asc`,
    );
    expect(artifactsOf(ascending.json).map((a) => a.id)).toEqual(inA);
    const named = await call(emulator(), "GET", `/repos/${repo}/actions/artifacts?name=one`);
    expect(artifactsOf(named.json)).toMatchObject([
      { id: inB, workflow_run: { id: runB.id } },
      { id: inA[0], workflow_run: { id: runA.id } },
    ]);
    const one = await call(emulator(), "GET", `/repos/${repo}/actions/artifacts/${inA[0]}`);
    expect(one.json).toMatchObject({
      id: inA[0],
      name: "one",
      size_in_bytes: 4,
      expired: false,
      archive_download_url: `${base}/repos/${repo}/actions/artifacts/${inA[0]}/zip`,
    });
    expect(asObj(one.json).digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const reader = emulator().createToken({ actions: "read" });
    const denied = await call(emulator(), "DELETE", `/repos/${repo}/actions/artifacts/${inA[0]}`, undefined, {
      authorization: `token ${reader}`,
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("x-accepted-github-permissions")).toBe("actions=write");
    const nobody = emulator().createToken({ contents: "write" });
    const zipDenied = await call(
      emulator(),
      "GET",
      `/repos/${repo}/actions/artifacts/${inA[0]}/zip`,
      undefined,
      {
        authorization: `token ${nobody}`,
      },
    );
    expect(zipDenied.status).toBe(403);
    const writer = emulator().createToken({ actions: "write" });
    const deleted = await call(
      emulator(),
      "DELETE",
      `/repos/${repo}/actions/artifacts/${inA[0]}`,
      undefined,
      {
        authorization: `token ${writer}`,
      },
    );
    expect(deleted.status).toBe(204);
    expect((await call(emulator(), "GET", `/repos/${repo}/actions/artifacts/${inA[0]}`)).status).toBe(404);
    const after = await call(emulator(), "GET", `/repos/${repo}/actions/runs/${runA.id}/artifacts`);
    expect(asObj(after.json).total_count).toBe(2);
  });

  it("answers the zip with a 302 to the blob, and 410 once the artifact has expired", async () => {
    const base = emulator().url;
    const run = await registerRun(base, "acme/expiry");
    const job = await registerJob(base, "acme/expiry", run.id, "a");
    const id = await uploadWithProtocol(job, "short-lived", "bytes\n");
    const zip = await call(emulator(), "GET", `/repos/acme/expiry/actions/artifacts/${id}/zip`);
    expect(zip.status).toBe(302);
    const location = zip.headers.get("location") ?? "";
    expect(await (await fetch(location)).text()).toBe("bytes\n");
    const tar = await call(emulator(), "GET", `/repos/acme/expiry/actions/artifacts/${id}/tar`);
    expect(tar.status).toBe(404);

    const expired = await call(
      emulator(),
      "POST",
      `/_emulator/repos/acme/expiry/actions/artifacts/${id}/expire`,
    );
    expect(expired.json).toMatchObject({ id, expired: true });
    const gone = await call(emulator(), "GET", `/repos/acme/expiry/actions/artifacts/${id}/zip`);
    expect(gone.status).toBe(410);
    expect(gone.json).toMatchObject({ message: "Artifact has expired" });
    expect((await call(emulator(), "GET", `/repos/acme/expiry/actions/artifacts/${id}`)).json).toMatchObject({
      expired: true,
    });
    expect((await fetch(location)).status).toBe(404); // the storage went with it
  });
});

describe("Actions state in a state directory", () => {
  it("a restarted emulator keeps runs, artifact bytes and accepts the runtime tokens it minted", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "emu-actions-state-"));
    try {
      const first = await startEmulator({ stateDir, validateResponses: true });
      const run = await registerRun(first.url, "acme/kept");
      const job = await registerJob(first.url, "acme/kept", run.id, "a");
      const id = await uploadWithProtocol(job, "kept", "kept bytes\n");
      await first.close();
      expect(first.violations).toEqual([]);

      const second = await startEmulator({
        stateDir,
        validateResponses: true,
      });
      try {
        const zip = await call(second, "GET", `/repos/acme/kept/actions/artifacts/${id}/zip`);
        expect(await (await fetch(zip.headers.get("location") ?? "")).text()).toBe("kept bytes\n");
        const ids = backendIds(job.runtime_token);
        const listed = await fetch(
          `${second.url}/twirp/github.actions.results.api.v1.ArtifactService/ListArtifacts`,
          {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${job.runtime_token}` },
            body: JSON.stringify({ workflow_run_backend_id: ids.run, workflow_job_run_backend_id: ids.job }),
          },
        );
        expect(await listed.json()).toMatchObject({ artifacts: [{ database_id: String(id), name: "kept" }] });
        const again = await registerRun(second.url, "acme/kept", { rerun_of: run.id });
        expect(again).toMatchObject({ id: run.id, run_attempt: 2 });
      } finally {
        await second.close();
        expect(second.violations).toEqual([]);
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
