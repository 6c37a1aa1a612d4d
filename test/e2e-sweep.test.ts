/**
 * End to end: a hyper-parameter sweep through the reusable PR check (`reusable-pr-check.yml` with `sweep`),
 * run by the local runner against the emulator — each matrix cell trains the Node example in its own job
 * with the bundled train action, one gate job (the bundled evaluate-gate) ranks the cells against
 * `@production` and posts exactly ONE PR comment and ONE check run with the leaderboard. One cell's training
 * fails: it is listed as such, never ranked. Needs the bundled actions (`pnpm build`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installToolchainStandIns } from "@mlops/demo";
import { type GitHubClient, stickyMarker } from "@mlops/github";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { runWorkflow } from "@mlops/workflow-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  emulatorClient,
  exampleCopies,
  MODEL,
  OWNER,
  openExamplePullRequest,
  REPO,
  root,
} from "./support/node-example.js";
import { registerProductionBaseline } from "./support/production-baseline.js";

/** Two variants × two forest sizes, plus one cell whose params file does not exist (its training fails). */
const SWEEP = {
  variant: ["better", "worse"],
  n_estimators: [5, 20],
  include: [{ variant: "missing", n_estimators: 10 }],
};

/** The user's workflow: the reusable PR check with a sweep; each cell writes params.yaml from its values. */
const WORKFLOW = `name: Model sweep
on:
  pull_request:
    branches: [main]
permissions:
  contents: read
jobs:
  model:
    uses: ./.github/workflows/reusable-pr-check.yml
    permissions:
      contents: read
      actions: read
      checks: write
      statuses: write
      pull-requests: write
    with:
      model-name: ${MODEL}
      node-version: "20"
      setup-command: corepack enable && pnpm install --frozen-lockfile
      train-command: >-
        sed "s/^n_estimators: .*/n_estimators: $MLOPS_PARAM_N_ESTIMATORS/"
        "variants/$MLOPS_PARAM_VARIANT.params.yaml" > params.yaml
        && node --import tsx src/train.ts
      metrics: metrics.json
      artifacts: |
        model/**
      sweep: '${JSON.stringify(SWEEP)}'
`;

let emulator: Emulator;
let admin: GitHubClient;
let workspace: string;
let toolchain: string;
const copies = exampleCopies();

beforeAll(async () => {
  emulator = await startEmulator();
  admin = emulatorClient(
    emulator,
    { contents: "write", issues: "write", pull_requests: "write", checks: "read" },
    "octocat",
  );
  workspace = copies.create("sweep").dir;
  writeFileSync(join(workspace, ".github", "workflows", "mlops-sweep.yml"), WORKFLOW);
  toolchain = mkdtempSync(join(tmpdir(), "e2e-sweep-toolchain-"));
  await registerProductionBaseline(admin, { owner: OWNER, repo: REPO, model: MODEL, scratchDir: toolchain });
});
afterAll(async () => {
  await emulator.close();
  copies.dispose();
  if (toolchain && existsSync(toolchain)) rmSync(toolchain, { recursive: true, force: true });
});

describe("a sweep through the reusable PR check (examples/node-classifier)", () => {
  it("trains every cell in its own job and posts ONE comment and ONE check run with the leaderboard", {
    timeout: 600_000,
  }, async () => {
    const pr = await openExamplePullRequest(admin, {
      branch: "sweep",
      message: "Sweep the forest",
      title: "Sweep the forest",
      files: { "params.yaml": "n_estimators: 20\n" },
    });
    const lines: string[] = [];
    const result = await runWorkflow({
      workflow: ".github/workflows/mlops-sweep.yml",
      workspace,
      event: "pull_request",
      repository: `${OWNER}/${REPO}`,
      payload: {
        pull_request: {
          number: pr.number,
          head: { sha: pr.headSha, ref: "sweep", repo: { full_name: `${OWNER}/${REPO}` } },
          base: { ref: "main", repo: { full_name: `${OWNER}/${REPO}` } },
        },
      },
      apiUrl: emulator.url,
      toolkitRoot: root,
      log: (line) => lines.push(line),
      env: installToolchainStandIns(toolchain),
    });
    const log = lines.slice(-120).join("\n");

    // Five training jobs (one failed: its params file is missing), the single-run jobs skipped, one gate.
    const cells = result.jobs.filter((j) => j.name.includes("train cell"));
    expect(cells.map((j) => j.conclusion).sort(), log).toEqual([
      "failure",
      "success",
      "success",
      "success",
      "success",
    ]);
    expect(result.jobs.filter((j) => /\btrain$|\bgate$/.test(j.name)).map((j) => j.conclusion)).toEqual([
      "skipped",
      "skipped",
    ]);
    const gate = result.jobs.find((j) => j.name.endsWith("gate all cells"));
    expect(gate?.conclusion, log).toBe("success");
    const best = JSON.parse(gate?.outputs["best-cell"] ?? "{}");
    expect(best.values).toMatchObject({ variant: "better" });

    const comments = (
      await admin.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: OWNER,
        repo: REPO,
        issue_number: pr.number,
        per_page: 100,
      })
    ).filter((c) => c.body?.includes("<!-- mlops"));
    expect(comments, log).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expect(body).toContain(stickyMarker(`${MODEL}/mlops-sweep.yml`));
    expect(body).toMatch(
      new RegExp(`### .* ${MODEL} sweep: the best of 5 cells passes the gate — c\\d \\(variant=better`),
    );
    expect(body).toContain(`**Baseline:** [${MODEL} v1 (@production)]`);
    const leaderboard = body.split("\n").filter((line) => /^\| +(🏆 )?=?[\d—] *\|/.test(line));
    expect(leaderboard).toHaveLength(5);
    expect(leaderboard[0]).toMatch(/^\| 🏆 =?1 \| c\d · variant=better/);
    expect(leaderboard[4]).toMatch(
      /^\| +— \| c5 · variant=missing, n_estimators=10 .*💥 training failed or was cancelled +\|$/,
    );
    expect(body).toContain(
      "c5 (training failed or was cancelled: this run has no artifact mlops-node-classifier-cell-n_estimators-10-variant-missing.",
    );
    expect(body).toContain("```mermaid\n");
    expect((body.match(/<details>\n<summary>c\d ·/g) ?? []).length).toBe(4);

    const { data } = await admin.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: OWNER,
      repo: REPO,
      ref: pr.headSha,
    });
    expect(data.check_runs).toHaveLength(1);
    expect(data.check_runs[0]).toMatchObject({ name: `mlops gate: ${MODEL}`, conclusion: "success" });
    expect(data.check_runs[0]?.output.summary).toContain("| Rank |");
  });
});
