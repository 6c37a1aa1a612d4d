/**
 * End to end: the Node example's PR check (`mlops-pr-check.yml`, calling the reusable
 * `reusable-pr-check.yml`) through the local runner against the emulator — real training, the bundled
 * train and evaluate-gate actions, the real artifact client. A better PR passes against `@production`,
 * a worse one fails naming its rules, and the PR keeps exactly one gate comment across runs and a re-run.
 * Needs the bundled actions (`pnpm build`).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installToolchainStandIns } from "@mlops/demo";
import { type GitHubClient, stickyMarker } from "@mlops/github";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { runWorkflow, type WorkflowResult } from "@mlops/workflow-runner";
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

let emulator: Emulator;
let admin: GitHubClient;
let workspace: string;
const copies = exampleCopies();
let toolchain: string;
let pr: { number: number; headSha: string };

beforeAll(async () => {
  emulator = await startEmulator();
  admin = emulatorClient(
    emulator,
    { contents: "write", issues: "write", pull_requests: "write", checks: "read" },
    "octocat",
  );
  workspace = copies.create("pr-loop").dir;
  toolchain = mkdtempSync(join(tmpdir(), "e2e-pr-toolchain-"));

  // Production is the model trained with the example's default params (its metrics, as registered).
  await registerProductionBaseline(admin, { owner: OWNER, repo: REPO, model: MODEL, scratchDir: toolchain });

  pr = await openExamplePullRequest(admin, {
    branch: "tune",
    message: "Tune the forest",
    title: "Tune the forest",
    files: { "params.yaml": "n_estimators: 20\n" },
  });
  for (let i = 0; i < 150; i++)
    await admin.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: OWNER,
      repo: REPO,
      issue_number: pr.number,
      body: `review chatter ${i}`,
    });
});
afterAll(async () => {
  await emulator.close();
  copies.dispose();
  if (toolchain && existsSync(toolchain)) rmSync(toolchain, { recursive: true, force: true });
});

async function prCheck(
  variant: "better" | "worse",
  rerunOf?: number,
): Promise<{ result: WorkflowResult; log: string }> {
  copyFileSync(join(example, "variants", `${variant}.params.yaml`), join(workspace, "params.yaml"));
  const lines: string[] = [];
  const result = await runWorkflow({
    workflow: ".github/workflows/mlops-pr-check.yml",
    workspace,
    event: "pull_request",
    repository: `${OWNER}/${REPO}`,
    payload: {
      pull_request: {
        number: pr.number,
        head: { sha: pr.headSha, ref: "tune", repo: { full_name: `${OWNER}/${REPO}` } },
        base: { ref: "main", repo: { full_name: `${OWNER}/${REPO}` } },
      },
    },
    apiUrl: emulator.url,
    toolkitRoot: root,
    log: (line) => lines.push(line),
    env: installToolchainStandIns(toolchain),
    ...(rerunOf !== undefined ? { rerunOf } : {}),
  });
  return { result, log: lines.slice(-80).join("\n") };
}

async function gateComments() {
  const all = await admin.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: OWNER,
    repo: REPO,
    issue_number: pr.number,
    per_page: 100,
  });
  return all.filter((c) => c.body?.includes(stickyMarker(`${MODEL}/mlops-pr-check.yml`)));
}

async function checkRun() {
  const { data } = await admin.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: OWNER,
    repo: REPO,
    ref: pr.headSha,
  });
  return data.check_runs;
}

const job = (result: WorkflowResult, name: string) => result.jobs.find((j) => j.name.endsWith(name));

describe("PR check workflow (examples/node-classifier)", () => {
  it("passes a better model, fails a worse one naming its rules, and keeps one comment", {
    timeout: 600_000,
  }, async () => {
    const better = await prCheck("better");
    expect(better.result.conclusion, better.log).toBe("success");
    const betterGate = job(better.result, "gate");
    expect(betterGate?.outputs.passed).toBe("true");
    let comments = await gateComments();
    expect(comments, `${better.log}\n${betterGate?.summary}`).toHaveLength(1);
    expect(comments[0]?.body).toContain(`✅ ${MODEL}: gate passed`);
    expect(comments[0]?.body).toContain(`${MODEL} v1 (@production)`);
    expect(await checkRun()).toMatchObject([{ conclusion: "success" }]);

    const worse = await prCheck("worse");
    expect(worse.result.conclusion, worse.log).toBe("failure");
    expect(job(worse.result, "train")?.conclusion).toBe("success");
    const gate = job(worse.result, "gate");
    expect(gate?.conclusion).toBe("failure");
    expect(gate?.annotations.map((a) => a.message).join("\n")).toMatch(
      /Gate failed for node-classifier: accuracy >= 0\.9 — .*; f1 >= baseline - 0\.01 — /,
    );
    comments = await gateComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`❌ ${MODEL}: gate failed — 2 of 3 rules failed`);
    expect(await checkRun()).toMatchObject([{ conclusion: "failure" }]);

    // Re-run of the failed run (attempt 2): train uploads `…-attempt-2`, still one comment.
    const rerun = await prCheck("worse", worse.result.runId);
    expect(rerun.result.runAttempt).toBe(2);
    expect(job(rerun.result, "train")?.outputs["artifact-name"]).toBe(`mlops-${MODEL}-attempt-2`);
    expect(await gateComments()).toHaveLength(1);
    expect(await checkRun()).toHaveLength(1);
  });
});
