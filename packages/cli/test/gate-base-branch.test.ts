/**
 * `mlops gate --baseline base-branch` (issue 14's closing gap): the train artifact of the newest successful
 * push run of the PR check on the base branch, found and downloaded over REST (`restRunArtifactReader`:
 * runs list → artifacts list → zip's 302 → signed storage URL → unzip). The artifacts are real zips that
 * the unmodified `@actions/artifact` client uploaded to the emulator's artifact service.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWithArtifacts } from "@mlops/action-kit/testing";
import { buildRunManifest, GitHubError, IntegrityError } from "@mlops/core";
import { restRunArtifactReader } from "@mlops/github";
import { emulatorClient, OWNER } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let token: string;
let work: string;

beforeAll(async () => {
  emulator = await startEmulator();
  token = emulator.createToken({ contents: "read", actions: "read" });
  work = await mkdtemp(join(tmpdir(), "cli-gate-base-branch-"));
  await writeFile(join(work, "candidate.json"), JSON.stringify({ f1: 0.85, accuracy: 0.91 }));
});
afterAll(async () => {
  await emulator.close();
  await rm(work, { recursive: true, force: true });
});

const PR_CHECK = ".github/workflows/mlops-pr-check.yml";

async function mainSha(repo: string): Promise<string> {
  const { data } = await emulatorClient(emulator, token).request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner: OWNER,
    repo,
    ref: "main",
  });
  return data.sha;
}

/** A `run.json` as `train` writes it for `fraud`, with this f1. */
function runJson(sha: string, f1: number, attempt = 1): string {
  return buildRunManifest({
    model: "fraud",
    commit: sha,
    ref: "refs/heads/main",
    repository: `${OWNER}/x`,
    run: { id: 1, attempt, url: "https://github.localhost/run/1", workflow: "mlops-pr-check.yml" },
    command: { exit_code: 0, duration_ms: 1 },
    params: {},
    metrics: { f1, accuracy: 0.9 },
    files: [],
    data: [],
    runner: { os: "Linux", arch: "x64", node: "v20", name: "r" },
    created_at: new Date().toISOString(),
  });
}

/** A push run of the PR check on main whose train job uploaded these artifacts (name → f1). */
async function mainRun(repo: string, artifacts: Record<string, number>, conclusion = "success") {
  const sha = await mainSha(repo);
  const files = Object.fromEntries(
    Object.entries(artifacts).map(([name, f1]) => [name, { "run.json": runJson(sha, f1) }]),
  );
  const run = await runWithArtifacts(
    emulator,
    { owner: OWNER, repo, workflowPath: PR_CHECK, event: "push", branch: "main", sha, conclusion },
    files,
  );
  return { ...run, sha };
}

function gate(repo: string, extra: string[] = [], format = "json") {
  return runCliCaptured(
    [
      "gate",
      "--metrics",
      "candidate.json",
      "--rule",
      "f1 >= baseline - 0.01",
      "--model",
      "fraud",
      "--baseline",
      "base-branch",
      "--repo",
      `${OWNER}/${repo}`,
      "--api-url",
      emulator.url,
      "--format",
      format,
      ...extra,
    ],
    { cwd: work, env: { GITHUB_TOKEN: token } },
  );
}

const oneLine = (result: { code: number; stdout: string; stderr: string }) => {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr.split("\n")).toHaveLength(1);
  return result.stderr;
};

describe("mlops gate --baseline base-branch", () => {
  it("compares with the newest attempt's train artifact of the newest successful push run on the default branch", async () => {
    const older = await mainRun("bb-metrics", { "mlops-fraud": 0.5 });
    // Attempt 2 re-ran the training: its artifact (f1 0.9) is the baseline, not attempt 1's (0.7).
    const newest = await mainRun("bb-metrics", { "mlops-fraud": 0.7, "mlops-fraud-attempt-2": 0.9 });
    expect(newest.runId).toBeGreaterThan(older.runId);
    const result = await gate("bb-metrics");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1); // 0.85 < 0.9 - 0.01
    const json = JSON.parse(result.stdout);
    expect(json.baseline).toBe(`run:${newest.runId}`);
    expect(json.rules[0]).toMatchObject({ metric: "f1", value: 0.85, baseline: 0.9, passed: false });

    const report = await gate("bb-metrics", ["--base-branch", "main"], "markdown");
    expect(report.code).toBe(1);
    expect(report.stdout).toContain(
      `**Baseline:** [main @ ${newest.sha.slice(0, 7)} (run ${newest.runId})](${emulator.url}/${OWNER}/bb-metrics/actions/runs/${newest.runId})`,
    );
  });

  it("no successful push run (or no such workflow, or no such branch): one line, exit 2", async () => {
    await mainRun("bb-none", { "mlops-fraud": 0.9 }, "failure");
    expect(oneLine(await gate("bb-none"))).toBe(
      "mlops: no base-branch baseline: no successful push run of mlops-pr-check.yml on main",
    );
    expect(oneLine(await gate("bb-none", ["--base-branch", "release"]))).toBe(
      "mlops: no base-branch baseline: no successful push run of mlops-pr-check.yml on release",
    );
    expect(oneLine(await gate("bb-none", ["--workflow", "train.yml"]))).toBe(
      `mlops: no base-branch baseline: no workflow train.yml in ${OWNER}/bb-none`,
    );
  });

  it("a run without the model's artifact, and an expired artifact: one line, exit 2", async () => {
    const other = await mainRun("bb-other", { "mlops-churn": 0.9 });
    expect(oneLine(await gate("bb-other"))).toBe(
      `mlops: no base-branch baseline: the newest successful run ${other.runId} (mlops-pr-check.yml on main @ ${other.sha.slice(0, 7)}) has no mlops-fraud artifact`,
    );
    const run = await mainRun("bb-expired", { "mlops-fraud": 0.9 });
    const admin = emulatorClient(emulator, emulator.createToken({ actions: "write" }));
    await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/expire", {
      owner: OWNER,
      repo: "bb-expired",
      artifact_id: run.artifactIds["mlops-fraud"] as number,
    });
    expect(oneLine(await gate("bb-expired"))).toMatch(
      new RegExp(
        `^mlops: no base-branch baseline: the mlops-fraud artifact of the newest successful run ${run.runId} \\(mlops-pr-check\\.yml on main @ ${run.sha.slice(0, 7)}\\) has expired: GitHub deletes an artifact when its retention period ends`,
      ),
    );
  });

  it("the reader: an artifact that expires between the list and the download is GitHub's 410, in one line", async () => {
    const run = await mainRun("bb-race", { "mlops-fraud": 0.9 });
    const client = emulatorClient(emulator, token);
    const admin = emulatorClient(emulator, emulator.createToken({ actions: "write" }));
    const zipAnswers: number[] = [];
    client.hook.before("request", async (options) => {
      if (String(options.url).endsWith("/{archive_format}"))
        await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/expire", {
          owner: OWNER,
          repo: "bb-race",
          artifact_id: run.artifactIds["mlops-fraud"] as number,
        });
    });
    client.hook.error("request", (error, options) => {
      if (String(options.url).endsWith("/{archive_format}"))
        zipAnswers.push((error as { status: number }).status);
      throw error;
    });
    const dir = await mkdtemp(join(tmpdir(), "bb-race-"));
    const download = restRunArtifactReader(client).download("mlops-fraud", dir, {
      runId: run.runId,
      owner: OWNER,
      repo: "bb-race",
      token,
    });
    await expect(download).rejects.toThrow(GitHubError);
    await expect(download).rejects.toThrow(
      new RegExp(
        `^Cannot download the artifact mlops-fraud of run ${run.runId}: it has expired: [^\\n]+\\.$`,
      ),
    );
    expect(zipAnswers).toEqual([410]);
    await rm(dir, { recursive: true, force: true });
  });

  it("the reader: a zip whose bytes do not match the listed digest is refused, nothing unzipped", async () => {
    const run = await mainRun("bb-digest", { "mlops-fraud": 0.9 });
    const client = emulatorClient(emulator, token);
    let listed = "";
    // What GitHub would list if the stored zip were not the one uploaded.
    client.hook.after("request", (response, options) => {
      const data = response.data as { artifacts?: Array<{ digest: string | null }> };
      if (String(options.url).endsWith("/runs/{run_id}/artifacts") && data.artifacts?.[0]) {
        listed = data.artifacts[0].digest ?? "";
        data.artifacts[0].digest = `sha256:${"0".repeat(64)}`;
      }
    });
    const dir = await mkdtemp(join(tmpdir(), "bb-digest-"));
    const error = await restRunArtifactReader(client)
      .download("mlops-fraud", dir, { runId: run.runId, owner: OWNER, repo: "bb-digest", token })
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toBe(
      `The artifact mlops-fraud of run ${run.runId} does not match its digest: GitHub lists sha256:${"0".repeat(64)}, the downloaded zip is ${listed}.`,
    );
    expect(listed).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });
});
