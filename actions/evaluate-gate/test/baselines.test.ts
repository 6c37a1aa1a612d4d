import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { buildRunManifest } from "@mlops/core";
import { registerModel } from "@mlops/github";
import { describe, expect, it } from "vitest";
import {
  CONFIG,
  checkRuns,
  gateComments,
  metrics,
  OWNER,
  openPullRequest,
  runGate,
  runManifest,
  tempDir,
  useGateEmulator,
  workspace,
} from "./helpers.js";

const gh = useGateEmulator({
  contents: "write",
  issues: "write",
  pull_requests: "write",
  checks: "write",
  actions: "write",
});

/** Per-example results: `wrong` of `n` examples incorrect (the first ones). */
function predictions(n: number, wrong: number): string {
  const rows = Array.from({ length: n }, (_, i) => `ex${i},${i < wrong ? 0 : 1}`);
  return `id,correct\n${rows.join("\n")}\n`;
}

async function registerProduction(repo: string, accuracy: number, f1: number, perExample?: string) {
  const dir = await tempDir("gate-registry-");
  await writeFile(join(dir, "model.bin"), "weights");
  const extra = [];
  if (perExample) {
    await writeFile(join(dir, "predictions.csv"), perExample);
    extra.push({ path: join(dir, "predictions.csv"), name: "per-example.csv" }); // as `register` attaches it
  }
  const { data: main } = await gh.admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner: OWNER,
    repo,
    ref: "heads/main",
  });
  return registerModel(gh.admin, {
    owner: OWNER,
    repo,
    model: "churn",
    commitSha: main.object.sha,
    files: [{ path: join(dir, "model.bin") }],
    metrics: { accuracy, f1 },
    idempotencyKey: `${repo}/1/churn`,
    aliases: ["production"],
    ...(extra.length > 0 ? { extraAssets: extra } : {}),
  });
}

/** A run of pr.yml at `headSha` (with `body`'s fields), completed successfully through the emulator; its id. */
async function successfulRun(repo: string, headSha: string, body: Record<string, string>): Promise<number> {
  const { data } = await gh.admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
    owner: OWNER,
    repo,
    workflow_path: ".github/workflows/pr.yml",
    head_sha: headSha,
    ...body,
  });
  const runId = (data as { id: number }).id;
  await gh.admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/complete", {
    owner: OWNER,
    repo,
    run_id: runId,
    conclusion: "success",
  });
  return runId;
}

describe("baselines", () => {
  it("production: compares with the version behind @production and links its release", async () => {
    const pr = await openPullRequest(gh.admin, "gate-production");
    const registered = await registerProduction(pr.repo, 0.92, 0.9);
    const work = await workspace({ "metrics.json": metrics(0.93, 0.85) });
    for (const baseline of ["production", "auto"]) {
      const runtime = await runGate({ ...gh, pr, workspace: work, inputs: { baseline } });
      expect(runtime.outputs["baseline-source"]).toBe(`registry:churn@production (v${registered.version})`);
      expect(runtime.failure).toBe(
        "Gate failed for churn: f1 >= baseline - 0.01 — f1 = 0.85 is below baseline 0.9 - 0.01 = 0.89",
      );
    }
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toContain(`[churn v${registered.version} (@production)](${registered.releaseUrl})`);
  });

  it("a registry version (v1, latest) is a baseline too, through core's selector parser", async () => {
    const pr = await openPullRequest(gh.admin, "gate-version");
    const registered = await registerProduction(pr.repo, 0.92, 0.9);
    const work = await workspace({ "metrics.json": metrics(0.93, 0.95) });
    for (const [baseline, source] of [
      [`v${registered.version}`, `registry:churn:v${registered.version}`],
      ["latest", `registry:churn:latest (v${registered.version})`],
    ]) {
      const runtime = await runGate({
        ...gh,
        pr,
        workspace: work,
        inputs: { baseline: baseline as string },
      });
      expect(runtime.failure).toBeUndefined();
      expect(runtime.outputs["baseline-source"]).toBe(source);
    }
    // A malformed selector is one input error before any request; before, `v0` was read as a file name.
    const bad = await runGate({ ...gh, pr, workspace: work, inputs: { baseline: "v0" } });
    expect(bad.failure).toBe("baseline: Invalid model version 'v0': whole-number versions start at 1.");
  });

  it("auto with nothing registered and no earlier run: first-model mode, absolute rules only", async () => {
    const pr = await openPullRequest(gh.admin, "gate-first");
    const work = await workspace({ "metrics.json": metrics(0.93, 0.85) });
    const runtime = await runGate({ ...gh, pr, workspace: work, inputs: {} });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs["baseline-source"]).toBe("none");
    const summary = runtime.summary.join("\n");
    // The headline and the check run's title count the skipped rule: never a plain "gate passed (2 rules)".
    expect(summary).toContain("### ⚠️ churn: gate passed — 1 rule checked, 1 skipped: no baseline");
    expect(summary).toContain("run the PR check on `main` once");
    expect(summary).toMatch(/`f1 >= baseline - 0\.01` +\| ⏭️ skipped/);
    expect(await checkRuns(gh.admin, pr)).toMatchObject([
      {
        conclusion: "success",
        output: { title: "⚠️ churn: gate passed — 1 rule checked, 1 skipped: no baseline" },
      },
    ]);
  });

  it("on-skipped fail (input or gate.on_skipped): a gate that could not check a rule fails", async () => {
    const pr = await openPullRequest(gh.admin, "gate-first-strict");
    const work = await workspace({ "metrics.json": metrics(0.93, 0.85) });
    const runtime = await runGate({ ...gh, pr, workspace: work, inputs: { "on-skipped": "fail" } });
    expect(runtime.failure).toBe(
      'Gate failed for churn: f1 >= baseline - 0.01 — skipped: no baseline model yet (first model), so "f1 >= baseline - 0.01" cannot be checked (on-skipped: fail)',
    );
    expect(runtime.outputs["failed-rules"]).toBe('["f1 >= baseline - 0.01"]');
    expect(await checkRuns(gh.admin, pr)).toMatchObject([
      {
        conclusion: "failure",
        output: {
          title: "❌ churn: gate failed — 1 rule checked, 1 skipped: no baseline (gate.on_skipped: fail)",
        },
      },
    ]);
    // The same from mlops.yml.
    const configured = await workspace({ "metrics.json": metrics(0.93, 0.85) });
    await writeFile(
      join(configured, "mlops.yml"),
      CONFIG.replace("    gate:\n", "    gate:\n      on_skipped: fail\n"),
    );
    const fromConfig = await runGate({ ...gh, pr, workspace: configured, inputs: {} });
    expect(fromConfig.outputs.passed).toBe("false");
    expect(fromConfig.failure).toContain("(on-skipped: fail)");
  });

  it("base-branch: the newest attempt's artifact of the latest successful run on main", async () => {
    const pr = await openPullRequest(gh.admin, "gate-base-branch");
    const { data: mainRef } = await gh.admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo: pr.repo,
      ref: "heads/main",
    });
    const runId = await successfulRun(pr.repo, mainRef.object.sha, { event: "push", head_branch: "main" });
    // The main run trained twice (attempt 2 re-ran it): the gate must take attempt 2's metrics.
    const storeRoot = await tempDir("gate-store-");
    for (const [attempt, f1] of [
      [1, 0.7],
      [2, 0.84],
    ] as const) {
      const dir = await tempDir("gate-main-run-");
      await writeFile(
        join(dir, "run.json"),
        buildRunManifest({
          model: "churn",
          commit: mainRef.object.sha,
          ref: "refs/heads/main",
          repository: `${OWNER}/${pr.repo}`,
          run: { id: runId, attempt, url: "https://github.localhost/run", workflow: "pr.yml" },
          command: { exit_code: 0, duration_ms: 10 },
          params: {},
          metrics: { accuracy: 0.9, f1 },
          files: [],
          data: [],
          runner: { os: "Linux", arch: "x64", node: "v20", name: "r" },
          created_at: new Date().toISOString(),
        }),
      );
      const name = attempt === 1 ? "mlops-churn" : `mlops-churn-attempt-${attempt}`;
      await createDirectoryArtifactStore(storeRoot, { runId }).upload(name, [join(dir, "run.json")], dir);
    }
    const work = await workspace({ "metrics.json": metrics(0.91, 0.85) });
    const store = createDirectoryArtifactStore(storeRoot, { runId: runId + 1000 });
    for (const baseline of ["base-branch", "auto"]) {
      const runtime = await runGate({ ...gh, pr, workspace: work, inputs: { baseline }, store });
      expect(runtime.failure).toBeUndefined();
      expect(runtime.outputs["baseline-source"]).toBe(`run:${runId}`);
      expect(runtime.summary.join("\n")).toMatch(/\| f1 +\| +0\.84 \| +0\.85 \|/);
    }
  });

  it("base-branch: a fork PR's run from its own `main` never supplies the baseline (issue 12, item 7)", async () => {
    const pr = await openPullRequest(gh.admin, "gate-base-branch-fork");
    const { data: mainRef } = await gh.admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo: pr.repo,
      ref: "heads/main",
    });
    const storeRoot = await tempDir("gate-store-");
    /** A completed, successful run of pr.yml whose `mlops-churn` artifact holds these metrics. */
    const runWithArtifact = async (body: Record<string, string>, f1: number) => {
      const runId = await successfulRun(pr.repo, mainRef.object.sha, body);
      const dir = await tempDir("gate-run-");
      await writeFile(join(dir, "run.json"), runManifest({ accuracy: 0.9, f1 }));
      await createDirectoryArtifactStore(storeRoot, { runId }).upload(
        "mlops-churn",
        [join(dir, "run.json")],
        dir,
      );
      return runId;
    };
    const pushRun = await runWithArtifact({ event: "push", head_branch: "main" }, 0.84);
    // Newer, successful, head_branch `main`: a pull request from mallory's fork, whose branch is `main`.
    const forkRun = await runWithArtifact(
      { event: "pull_request", head_branch: "main", head_repository: `mallory/${pr.repo}` },
      0.3,
    );
    const { data: listed } = await gh.admin.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
      owner: OWNER,
      repo: pr.repo,
      run_id: forkRun,
    });
    expect(listed).toMatchObject({ head_branch: "main", event: "pull_request" });
    expect(listed.head_repository.full_name).toBe(`mallory/${pr.repo}`);

    const work = await workspace({ "metrics.json": metrics(0.91, 0.5) });
    const store = createDirectoryArtifactStore(storeRoot, { runId: forkRun + 1000 });
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { baseline: "base-branch" },
      store,
    });
    expect(runtime.outputs["baseline-source"]).toBe(`run:${pushRun}`);
    expect(runtime.failure).toBe(
      "Gate failed for churn: f1 >= baseline - 0.01 — f1 = 0.5 is below baseline 0.84 - 0.01 = 0.83",
    );
  });

  it("significant rules: a small drop within noise passes with the interval shown, a large one fails", async () => {
    const pr = await openPullRequest(gh.admin, "gate-significant");
    await registerProduction(pr.repo, 0.95, 0.9, predictions(400, 20));
    const rule = "accuracy >= baseline significant";
    const cases = [
      { wrong: 22, failure: undefined },
      {
        wrong: 60,
        failure: new RegExp(`^Gate failed for churn: ${rule} — accuracy = 0\\.85 significantly fails`),
      },
    ];
    for (const { wrong, failure } of cases) {
      const work = await workspace({
        "metrics.json": metrics((400 - wrong) / 400, 0.9),
        "predictions.csv": predictions(400, wrong),
      });
      const runtime = await runGate({ ...gh, pr, workspace: work, inputs: { rules: rule } });
      if (failure) expect(runtime.failure).toMatch(failure);
      else expect(runtime.failure).toBeUndefined();
      expect(runtime.summary.join("\n")).toMatch(
        /Noise-aware `accuracy >= baseline significant`: 95% CI of the change \[-?\d/,
      );
    }
  });
});
