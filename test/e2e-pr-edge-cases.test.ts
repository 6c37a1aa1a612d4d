/**
 * End to end, the PR check's edge cases (issue 4 "Done when", issue 7 fork companion): the Node
 * example's workflows through the local runner against the emulator. Re-runs and concurrent runs keep
 * one gate comment and one check run; a failing training command and a malformed rule fail where they
 * should and write nothing to the PR; a fork PR's read-only run reports in its summary and an artifact,
 * and the `workflow_run` companion template posts that report. Needs the bundled actions (`pnpm build`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installToolchainStandIns } from "@mlops/demo";
import { type GitHubClient, stickyMarker } from "@mlops/github";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { runWorkflow, type WorkflowResult, workflowRunEvent } from "@mlops/workflow-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  emulatorClient,
  example,
  exampleCopies,
  MODEL,
  OWNER,
  openExamplePullRequest,
  REPO,
  root,
} from "./support/node-example.js";
import { registerProductionBaseline } from "./support/production-baseline.js";

const REPOSITORY = `${OWNER}/${REPO}`;
const FORK = "forker/node-classifier";
const PR_CHECK = ".github/workflows/mlops-pr-check.yml";
const COMMENT_POST = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";
/** Gate writes to a PR: comments (create, edit, delete), check runs and commit statuses. */
const PR_WRITE =
  /^(POST|PATCH|DELETE) \/repos\/\{owner\}\/\{repo\}\/(issues\/.*comments|check-runs|statuses)/;

let emulator: Emulator;
let admin: GitHubClient;
let workspace: string;
const copies = exampleCopies();
let toolchain: string;
let env: Record<string, string>;

interface PullRequest {
  number: number;
  headSha: string;
  branch: string;
}

/** The example's committed files with the test's changes, plus the reusable workflows it calls by local path. */
function workingCopy(): string {
  return copies.create("pr-edge", {
    "params.yaml": readFileSync(join(example, "variants", "better.params.yaml"), "utf8"),
    ".github/workflows/mlops-fork-report.yml": readFileSync(
      join(root, "workflows", "mlops-fork-report.yml"),
      "utf8",
    ),
  }).dir;
}

/** A caller of the reusable PR check with the given `with:` lines (no setup: node_modules is linked). */
function callerWorkflow(file: string, withLines: string[]): string {
  const text = [
    `name: ${file}`,
    "on:",
    "  pull_request:",
    "permissions:",
    "  contents: read",
    "jobs:",
    "  model:",
    "    uses: ./.github/workflows/reusable-pr-check.yml",
    "    permissions:",
    "      contents: read",
    "      actions: read",
    "      checks: write",
    "      statuses: write",
    "      pull-requests: write",
    "    with:",
    `      model-name: ${MODEL}`,
    "      metrics: metrics.json",
    ...withLines.map((line) => `      ${line}`),
    "",
  ].join("\n");
  const path = join(".github", "workflows", file);
  mkdirSync(join(workspace, ".github", "workflows"), { recursive: true });
  writeFileSync(join(workspace, path), text);
  return path;
}

/** A pull request from FORK's branch `main` (named like the base branch, as forks' branches often are). */
async function openForkPullRequest(): Promise<PullRequest> {
  const [forkOwner = ""] = FORK.split("/");
  await admin.request("POST /_emulator/repos/{owner}/{repo}/forks", {
    owner: OWNER,
    repo: REPO,
    organization: forkOwner,
  });
  const pr = await openExamplePullRequest(admin, {
    branch: "main",
    message: "Change from a fork",
    title: "From a fork",
    files: { "params.yaml": "# from a fork\nn_estimators: 20\n" },
    fork: FORK,
  });
  return { ...pr, branch: "main" };
}

async function openPullRequest(branch: string): Promise<PullRequest> {
  const pr = await openExamplePullRequest(admin, {
    branch,
    message: `Change ${branch}`,
    title: branch,
    files: { "params.yaml": `# ${branch}\nn_estimators: 20\n` },
  });
  return { ...pr, branch };
}

beforeAll(async () => {
  emulator = await startEmulator();
  admin = emulatorClient(
    emulator,
    { contents: "write", issues: "write", pull_requests: "write", checks: "read", actions: "read" },
    "octocat",
  );
  workspace = workingCopy();
  toolchain = mkdtempSync(join(tmpdir(), "e2e-pr-edge-toolchain-"));
  // Always: without the stand-ins the example's `corepack enable` would rewrite the machine's pnpm.
  env = installToolchainStandIns(toolchain);

  await registerProductionBaseline(admin, { owner: OWNER, repo: REPO, model: MODEL, scratchDir: toolchain });
});
afterAll(async () => {
  await emulator?.close();
  copies.dispose();
  if (toolchain && existsSync(toolchain)) rmSync(toolchain, { recursive: true, force: true });
});

async function pullRequestRun(
  pr: PullRequest,
  options: { workflow?: string; rerunOf?: number; headRepository?: string } = {},
): Promise<{ result: WorkflowResult; log: string }> {
  const lines: string[] = [];
  const result = await runWorkflow({
    workflow: options.workflow ?? PR_CHECK,
    workspace,
    event: "pull_request",
    repository: REPOSITORY,
    payload: {
      pull_request: {
        number: pr.number,
        head: { sha: pr.headSha, ref: pr.branch, repo: { full_name: options.headRepository ?? REPOSITORY } },
        base: { ref: "main", repo: { full_name: REPOSITORY } },
      },
    },
    apiUrl: emulator.url,
    toolkitRoot: root,
    log: (line) => lines.push(line),
    env,
    ...(options.rerunOf !== undefined ? { rerunOf: options.rerunOf } : {}),
  });
  return { result, log: lines.slice(-80).join("\n") };
}

async function gateComments(pr: PullRequest) {
  const all = await admin.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: OWNER,
    repo: REPO,
    issue_number: pr.number,
    per_page: 100,
  });
  return all.filter((c) => c.body?.includes("<!-- "));
}

async function checkRuns(pr: PullRequest) {
  const { data } = await admin.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: OWNER,
    repo: REPO,
    ref: pr.headSha,
  });
  return data.check_runs;
}

/** PR writes the emulator served since `from` (an index into its request log). */
function prWritesSince(from: number): string[] {
  return emulator.requestLog
    .slice(from)
    .map((entry) => `${entry.method} ${entry.route}`)
    .filter((call) => PR_WRITE.test(call));
}

const job = (result: WorkflowResult, name: string) => result.jobs.find((j) => j.name.endsWith(name));
const messages = (result: WorkflowResult, name: string) =>
  (job(result, name)?.annotations ?? []).map((a) => a.message).join("\n");

describe("PR check edge cases (examples/node-classifier)", () => {
  it("keeps one comment and one check run across three re-runs", { timeout: 300_000 }, async () => {
    const pr = await openPullRequest("reruns");
    const first = await pullRequestRun(pr);
    expect(first.result.conclusion, first.log).toBe("success");
    const runId = first.result.runId as number;
    for (const attempt of [2, 3, 4]) {
      const rerun = await pullRequestRun(pr, { rerunOf: runId });
      expect(rerun.result.conclusion, rerun.log).toBe("success");
      expect(rerun.result.runId).toBe(runId);
      expect(rerun.result.runAttempt).toBe(attempt);
      expect(job(rerun.result, "train")?.outputs["artifact-name"]).toBe(`mlops-${MODEL}-attempt-${attempt}`);
    }
    const comments = await gateComments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(stickyMarker(`${MODEL}/mlops-pr-check.yml`));
    expect(await checkRuns(pr)).toMatchObject([{ conclusion: "success" }]);
  });

  it("keeps one comment when two runs race on a fresh PR", { timeout: 300_000 }, async () => {
    const pr = await openPullRequest("concurrent");
    // The example's workflow has a `concurrency:` group with cancel-in-progress (the next test), so two of
    // its runs never overlap on GitHub; a workflow without one does race. Each gate lists the PR's
    // comments, finds none and posts; holding every POST for a few seconds makes both runs find none, so
    // the race (two comments, one removed) really happens.
    const workflow = callerWorkflow("edge-race.yml", ["train-command: node --import tsx src/train.ts"]);
    emulator.setFaults([{ route: COMMENT_POST, kind: "slow", delayMs: 6_000 }]);
    const from = emulator.requestLog.length;
    const runs = await Promise.all([
      pullRequestRun(pr, { workflow }),
      pullRequestRun(pr, { workflow }),
    ]).finally(() => emulator.setFaults([]));
    for (const run of runs) expect(run.result.conclusion, run.log).toBe("success");
    expect(runs[0]?.result.runId).not.toBe(runs[1]?.result.runId);
    const comments = await gateComments(pr);
    const calls = emulator.requestLog.slice(from).map((e) => `${e.method} ${e.route} ${e.status}`);
    expect(calls.filter((call) => call === `${COMMENT_POST} 201`)).toHaveLength(2);
    expect(
      calls.filter((call) => call.startsWith("DELETE /repos/{owner}/{repo}/issues/comments/")).length,
    ).toBeGreaterThan(0);
    expect(prWritesSince(from)).toContain(COMMENT_POST); // the filter the other cases rely on sees writes
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(stickyMarker(`${MODEL}/edge-race.yml`));
    expect(comments[0]?.body).toContain(`${MODEL}: gate passed`);
    // Two runs that both find no check run create one each (GitHub has no API to delete one, and shows
    // the newest per name): whatever is there is the gate's, and it passed.
    const checks = await checkRuns(pr);
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks)
      expect(check).toMatchObject({ name: `mlops gate: ${MODEL}`, conclusion: "success" });
  });

  it("cancels the older of two runs in the example's concurrency group, as GitHub does", {
    timeout: 300_000,
  }, async () => {
    // docs.github.com "Control the concurrency of workflows and jobs": with cancel-in-progress, a new run in
    // the group cancels the one in progress. The survivor alone writes the PR's comment and check run.
    const pr = await openPullRequest("superseded");
    const first = pullRequestRun(pr);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = pullRequestRun(pr);
    const [older, newer] = await Promise.all([first, second]);
    expect(older.result.conclusion, older.log).toBe("cancelled");
    expect(newer.result.conclusion, newer.log).toBe("success");
    const comments = await gateComments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(stickyMarker(`${MODEL}/mlops-pr-check.yml`));
    expect(await checkRuns(pr)).toMatchObject([{ conclusion: "success" }]);
  });

  it("fails train with the command's exit code and skips the gate", { timeout: 120_000 }, async () => {
    const pr = await openPullRequest("broken-training");
    const workflow = callerWorkflow("edge-exit-3.yml", ["train-command: echo training; exit 3"]);
    const from = emulator.requestLog.length;
    const { result, log } = await pullRequestRun(pr, { workflow });
    expect(result.conclusion, log).toBe("failure");
    expect(job(result, "train")?.conclusion).toBe("failure");
    expect(messages(result, "train"), log).toMatch(/exit code 3/);
    expect(job(result, "gate")?.conclusion).toBe("skipped");
    expect(prWritesSince(from)).toEqual([]);
    expect(await gateComments(pr)).toEqual([]);
  });

  it("fails the gate on a malformed rule naming its column and writes nothing to GitHub", {
    timeout: 120_000,
  }, async () => {
    const pr = await openPullRequest("bad-rule");
    const workflow = callerWorkflow("edge-bad-rule.yml", [
      "train-command: node --import tsx src/train.ts",
      'rules: "accuracy >>= 0.9"',
    ]);
    const from = emulator.requestLog.length;
    const { result, log } = await pullRequestRun(pr, { workflow });
    expect(result.conclusion, log).toBe("failure");
    expect(job(result, "train")?.conclusion).toBe("success");
    expect(job(result, "gate")?.conclusion).toBe("failure");
    const gateErrors = messages(result, "gate");
    expect(gateErrors, log).toContain("invalid rule");
    // One line naming where the rule went wrong (issue 19), then the runner's own exit line.
    expect(gateErrors).toMatch(
      /^invalid rule: .* \(at column 11 of "accuracy >>= 0\.9"\)\nProcess completed/,
    );
    expect(prWritesSince(from)).toEqual([]);
    expect(await gateComments(pr)).toEqual([]);
    expect(await checkRuns(pr)).toEqual([]);
  });

  it("reports a fork PR in its summary and an artifact; the workflow_run companion posts it", {
    timeout: 300_000,
  }, async () => {
    const pr = await openForkPullRequest();
    const forkFrom = emulator.requestLog.length;
    const fork = await pullRequestRun(pr, { headRepository: FORK });
    expect(fork.result.conclusion, fork.log).toBe("success");
    const gate = job(fork.result, "gate");
    expect(gate?.permissions).toMatchObject({ "pull-requests": "read", checks: "read", statuses: "read" });
    expect(prWritesSince(forkFrom)).toEqual([]);
    expect(gate?.summary).toContain(`✅ ${MODEL}: gate passed`);
    expect(messages(fork.result, "gate")).toContain("workflows/mlops-fork-report.yml");
    expect(await gateComments(pr)).toEqual([]);
    expect(await checkRuns(pr)).toEqual([]);
    const forkRunId = fork.result.runId as number;
    const { data: artifacts } = await admin.request(
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
      { owner: OWNER, repo: REPO, run_id: forkRunId },
    );
    expect(artifacts.artifacts.map((a) => a.name).sort()).toEqual([`mlops-gate-${MODEL}`, `mlops-${MODEL}`]);

    // What GitHub sends the companion: the completed run as the REST API shows it. For a fork's run it
    // has no pull_requests, and GET /commits/{sha}/pulls finds nothing for the fork's head commit.
    const payload = await workflowRunEvent({
      apiUrl: emulator.url,
      repository: REPOSITORY,
      runId: forkRunId,
    });
    expect(payload.workflow_run).toMatchObject({
      event: "pull_request",
      head_branch: "main",
      head_sha: pr.headSha,
      pull_requests: [],
      head_repository: { full_name: FORK },
      path: PR_CHECK,
    });
    const { data: byCommit } = await admin.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
      owner: OWNER,
      repo: REPO,
      commit_sha: pr.headSha,
    });
    expect(byCommit).toEqual([]);

    const companionFrom = emulator.requestLog.length;
    const lines: string[] = [];
    const companion = await runWorkflow({
      workflow: ".github/workflows/mlops-fork-report.yml",
      workspace,
      event: "workflow_run",
      repository: REPOSITORY,
      payload,
      apiUrl: emulator.url,
      toolkitRoot: root,
      log: (line) => lines.push(line),
      env,
    });
    const companionLog = lines.slice(-80).join("\n");
    expect(companion.conclusion, companionLog).toBe("success");
    expect(job(companion, "report")?.conclusion).toBe("success");
    const comments = await gateComments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(stickyMarker(`${MODEL}/mlops-pr-check.yml`));
    expect(comments[0]?.body).toContain(`✅ ${MODEL}: gate passed`);
    expect(await checkRuns(pr)).toMatchObject([{ conclusion: "success", name: `mlops gate: ${MODEL}` }]);
    // The PR came from the number in the fork's report, re-checked against the API (one GET of that PR).
    expect(companionLog).toContain(
      `Reporting on PR #${pr.number} (found from the number in the fork's report`,
    );
    const calls = emulator.requestLog.slice(companionFrom).map((r) => `${r.method} ${r.route}`);
    expect(calls).toContain("GET /repos/{owner}/{repo}/pulls/{pull_number}");
    expect(calls).not.toContain("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls");
  });
});
