import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { collectGateRules, runGate as evaluateRules, findModel, parseConfig } from "@mlops/core";
import { gateAnnotations } from "@mlops/github";
import { describe, expect, it } from "vitest";
import {
  CONFIG,
  checkRuns,
  gateComments,
  metrics,
  openForkPullRequest,
  openPullRequest,
  runGate,
  runManifest,
  useGateEmulator,
  WRITE,
  workspace,
  writeRequests,
} from "./helpers.js";

const gh = useGateEmulator({ contents: "write", issues: "write", pull_requests: "write", checks: "write" });

describe("check-run annotations", () => {
  it("point at the failed rule's line in mlops.yml", () => {
    const config = parseConfig(CONFIG, "mlops.yml");
    const model = findModel(config, undefined);
    const rules = collectGateRules({ model, configFile: "mlops.yml", configText: CONFIG });
    const run = evaluateRules({
      head: { accuracy: 0.9, f1: 0.8 },
      baseline: { accuracy: 0.9, f1: 0.85 },
      rules,
    });
    const ruleLine = CONFIG.split("\n").findIndex((line) => line.includes("f1 >= baseline - 0.01")) + 1;
    expect(gateAnnotations(run)).toEqual([
      {
        path: "mlops.yml",
        start_line: ruleLine,
        end_line: ruleLine,
        annotation_level: "failure",
        title: "Gate rule failed: f1 >= baseline - 0.01",
        message: "f1 = 0.8 is below baseline 0.85 - 0.01 = 0.84",
      },
    ]);
  });
});

describe("evaluate-gate against the gh.emulator", () => {
  it("creates one comment and one check run, then updates them in place behind 150 other comments", async () => {
    const pr = await openPullRequest(gh.admin, "gate-sticky");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85), "base.json": metrics(0.88, 0.84) });
    const first = await runGate({ ...gh, pr, workspace: work, inputs: { baseline: "base.json" } });
    expect(first.failure).toBeUndefined();
    expect(first.outputs).toMatchObject({
      passed: "true",
      "baseline-source": "file:base.json",
      "failed-rules": "[]",
    });
    expect(first.outputs["comment-url"]).toMatch(/#issuecomment-\d+$/);
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toContain("✅ churn: gate passed (2 rules)");
    expect(comment?.body).toMatch(/\| f1 +\| +0\.84 \| +0\.85 \| +\+0\.01 \|/);
    expect(await checkRuns(gh.admin, pr)).toMatchObject([
      { name: "mlops gate: churn", conclusion: "success" },
    ]);

    // Unchanged re-run: nothing new.
    const again = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { baseline: "base.json" },
      attempt: 2,
    });
    expect(again.failure).toBeUndefined();
    expect(again.outputs["comment-url"]).toBe(first.outputs["comment-url"]);

    for (let i = 0; i < 150; i++)
      await gh.admin.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: "acme",
        repo: pr.repo,
        issue_number: pr.number,
        body: `unrelated ${i}`,
      });
    await writeFile(join(work, "metrics.json"), metrics(0.91, 0.86));
    const update = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { baseline: "base.json" },
      attempt: 3,
    });
    expect(update.failure).toBeUndefined();
    expect(update.outputs["comment-url"]).toBe(first.outputs["comment-url"]);
    const comments = await gateComments(gh.admin, pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("0.86");
    expect(await checkRuns(gh.admin, pr)).toHaveLength(1);
  });

  it("a GitHub App token: the comment author comes from its own check run, else `comment-author` (never GET /user)", async () => {
    const pr = await openPullRequest(gh.admin, "gate-app-token");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85) });
    const app = gh.emulator.createToken(WRITE, "mlops-app[bot]");
    const gate = (inputs: Record<string, string>, attempt: number, f1: number) =>
      writeFile(join(work, "metrics.json"), metrics(0.9, f1)).then(() =>
        runGate({
          ...gh,
          token: app,
          pr,
          workspace: work,
          inputs: { baseline: "none", ...inputs },
          attempt,
        }),
      );
    const warnings = (runtime: Awaited<ReturnType<typeof gate>>) =>
      runtime.lines.filter((l) => l.level === "warning").map((l) => l.message);
    gh.emulator.clearLog();
    const first = await gate({}, 1, 0.85);
    const second = await gate({}, 2, 0.86);
    expect([first.failure, second.failure]).toEqual([undefined, undefined]);
    expect([...warnings(first), ...warnings(second)]).toEqual([]);
    expect(second.outputs["comment-url"]).toBe(first.outputs["comment-url"]);
    const commentWrites = () =>
      writeRequests(gh.emulator)
        .filter((r) => r.route.includes("comments"))
        .map((r) => r.method);
    expect(commentWrites()).toEqual(["POST", "PATCH"]); // learned from the check run: no re-post, no delete

    // Without a check run there is nothing to learn from before the comment: the run posts, finds its
    // older comment under the author GitHub reported, keeps that one, and says which input to set.
    const third = await gate({ check: "false" }, 3, 0.87);
    expect(warnings(third)).toEqual([
      expect.stringContaining("set the input 'comment-author: mlops-app[bot]'"),
    ]);
    const fourth = await gate({ check: "false", "comment-author": "mlops-app[bot]" }, 4, 0.88);
    expect(warnings(fourth)).toEqual([]);
    expect(fourth.outputs["comment-url"]).toBe(first.outputs["comment-url"]);
    const comments = await gateComments(gh.admin, pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("0.88");
    expect(gh.emulator.requestLog.filter((r) => r.route === "/user")).toEqual([]);
  });

  it("two concurrent runs end with one comment", async () => {
    const pr = await openPullRequest(gh.admin, "gate-race");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85) });
    const runs = await Promise.all([
      runGate({ ...gh, pr, workspace: work, inputs: { baseline: "none" }, runId: 1 }),
      runGate({ ...gh, pr, workspace: work, inputs: { baseline: "none" }, runId: 2 }),
    ]);
    expect(runs.map((r) => r.failure)).toEqual([undefined, undefined]);
    expect(await gateComments(gh.admin, pr)).toHaveLength(1);
  });

  it("fails on a regression, names the rule, and annotates its line in mlops.yml", async () => {
    const pr = await openPullRequest(gh.admin, "gate-regression");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.8), "base.json": metrics(0.9, 0.85) });
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { baseline: "base.json" },
    });
    expect(runtime.failure).toBe(
      "Gate failed for churn: f1 >= baseline - 0.01 — f1 = 0.8 is below baseline 0.85 - 0.01 = 0.84",
    );
    expect(JSON.parse(runtime.outputs["failed-rules"] ?? "")).toEqual(["f1 >= baseline - 0.01"]);
    const [check] = await checkRuns(gh.admin, pr);
    expect(check?.conclusion).toBe("failure");
    expect(check?.output.annotations_count).toBe(1);
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toContain("❌ churn: gate failed — 1 of 2 rules failed");

    const lenient = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { baseline: "base.json", "fail-on-regression": "false" },
    });
    expect(lenient.failure).toBeUndefined();
    expect(lenient.outputs.passed).toBe("false");
  });

  it("a passing gate with thousands of rules posts its check run within 65,535 bytes and its summary within 1 MiB; the artifact keeps every row (issue 12, item 1)", async () => {
    const pr = await openPullRequest(gh.admin, "gate-huge-report");
    const values: Record<string, number> = { accuracy: 0.9, f1: 0.85 };
    const base: Record<string, number> = { accuracy: 0.9, f1: 0.85 };
    const rules: string[] = [];
    for (let i = 0; i < 6_000; i++) {
      values[`per_class.c${i}.recall`] = 0.8;
      base[`per_class.c${i}.recall`] = 0.79;
      rules.push(`per_class.c${i}.recall >= baseline - 0.05`);
    }
    const work = await workspace({
      "metrics.json": JSON.stringify(values),
      "base.json": JSON.stringify(base),
    });
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { baseline: "base.json", rules: rules.join("\n") },
    });
    // It used to fail here: a summary cut to 65,535 characters is ~70,000 bytes → 422 from GitHub.
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs.passed).toBe("true");
    const [check] = await checkRuns(gh.admin, pr);
    expect(check?.conclusion).toBe("success");
    expect(Buffer.byteLength(check?.output.summary ?? "")).toBeLessThanOrEqual(65_535);
    expect(check?.output.summary).toMatch(/more rows not shown/);
    const [comment] = await gateComments(gh.admin, pr);
    expect([...(comment?.body ?? "")].length).toBeLessThanOrEqual(65_536);
    const report = await readFile(runtime.outputs.report as string, "utf8");
    // The job summary holds GitHub's 1 MiB of it; the artifact the whole report.
    expect(Buffer.byteLength(runtime.summary.join("\n"))).toBeLessThanOrEqual(1024 * 1024);
    expect(Buffer.byteLength(report)).toBeGreaterThan(1024 * 1024);
    expect(report).toContain("`per_class.c5999.recall >= baseline - 0.05` | ✅ pass");
    expect(report).not.toMatch(/more rows not shown|left out/);
  });

  it("stops at a malformed rule with the caret message and writes nothing", async () => {
    const pr = await openPullRequest(gh.admin, "gate-malformed");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85) });
    gh.emulator.clearLog();
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { rules: "f1 >= baseline -" },
    });
    expect(runtime.failure).toBe(
      'invalid rule: expected a number, `baseline` or a metric name (at column 17 of "f1 >= baseline -")',
    );
    expect(writeRequests(gh.emulator)).toEqual([]);
    expect(gh.emulator.requestLog).toEqual([]);
  });

  it("with a read-only token, puts the report in the summary and the artifact without crashing", async () => {
    const pr = await openPullRequest(gh.admin, "gate-readonly");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85) });
    const readOnly = gh.emulator.createToken({ contents: "read", pull_requests: "read", actions: "read" });
    gh.emulator.clearLog();
    const runtime = await runGate({
      ...gh,
      token: readOnly,
      pr,
      workspace: work,
      inputs: { baseline: "none" },
    });
    expect(runtime.failure).toBeUndefined();
    // No baseline: the relative rule is counted as skipped, not as a pass.
    expect(runtime.summary.join("\n")).toContain(
      "⚠️ churn: gate passed — 1 rule checked, 1 skipped: no baseline",
    );
    expect(
      runtime.lines.some(
        (l) => l.level === "warning" && /workflow_run companion.*\n.*token lacks the/s.test(l.message),
      ),
    ).toBe(true);
    expect(runtime.outputs["comment-url"]).toBe("");
    const artifact = join(work, ".artifacts", "runs", "500", "mlops-gate-churn");
    expect((await readdir(artifact)).sort()).toEqual(["gate.json", "report.md"]);
    expect(await readFile(join(artifact, "report.md"), "utf8")).toBe(`${runtime.summary.join("\n")}\n`);
    expect(writeRequests(gh.emulator).every((r) => r.status === 403)).toBe(true);
    expect(await gateComments(gh.admin, pr)).toEqual([]);
  });

  it("on a fork PR, writes nothing and says how to post the report", async () => {
    const pr = await openPullRequest(gh.admin, "gate-fork");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85) });
    gh.emulator.clearLog();
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { baseline: "none" },
      fork: true,
    });
    expect(runtime.failure).toBeUndefined();
    expect(writeRequests(gh.emulator)).toEqual([]);
    expect(runtime.lines.find((l) => l.level === "notice")?.message).toMatch(/fork.*workflow_run companion/);
  });

  it("workflow_run companion: posts for the PR given as input, and only when its head still matches", async () => {
    const pr = await openPullRequest(gh.admin, "gate-companion");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85) });
    const stale = await runGate({
      ...gh,
      pr,
      workspace: work,
      eventName: "workflow_run",
      ref: "refs/heads/main",
      inputs: { baseline: "none", "pull-request": String(pr.number), "head-sha": "f".repeat(40) },
    });
    expect(stale.failure).toBeUndefined();
    expect(
      stale.lines.some((l) => l.level === "warning" && /not posted: PR #\d+ has moved on/.test(l.message)),
    ).toBe(true);
    expect(stale.summary.join("\n")).toMatch(/⚠️ The gate report was not posted: PR #\d+ has moved on/);
    expect(await gateComments(gh.admin, pr)).toEqual([]);

    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      eventName: "workflow_run",
      ref: "refs/heads/main",
      inputs: { baseline: "none", "pull-request": String(pr.number), "head-sha": pr.headSha },
    });
    expect(runtime.failure).toBeUndefined();
    expect(await gateComments(gh.admin, pr)).toHaveLength(1);
    expect(await checkRuns(gh.admin, pr)).toMatchObject([{ head_sha: pr.headSha, conclusion: "success" }]);

    // As the fork-report template calls it: the downloaded artifacts folder, and only the head commit.
    const downloads = join(work, "fork");
    await mkdir(join(downloads, "mlops-churn"), { recursive: true });
    await mkdir(join(downloads, "mlops-churn-attempt-2"), { recursive: true });
    await writeFile(join(downloads, "mlops-churn", "run.json"), runManifest({ accuracy: 0.5, f1: 0.5 }));
    await writeFile(
      join(downloads, "mlops-churn-attempt-2", "run.json"),
      runManifest({ accuracy: 0.7, f1: 0.6 }, 2),
    );
    const fromFolder = await runGate({
      ...gh,
      pr,
      workspace: work,
      eventName: "workflow_run",
      ref: "refs/heads/main",
      inputs: { baseline: "none", metrics: "fork", "head-sha": pr.headSha },
    });
    expect(fromFolder.failure).toBe("Gate failed for churn: accuracy >= 0.8 — accuracy = 0.7 is below 0.8");
    const comments = await gateComments(gh.admin, pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/\| accuracy +\| +— \| +0\.7 \|/);
  });

  it("workflow_run companion of a fork PR: finds the PR by its head, ignores another PR's number, says why when none", async () => {
    const victim = await openPullRequest(gh.admin, "gate-fork-companion");
    const fork = await openForkPullRequest(gh.admin, "gate-fork-companion");
    const work = await workspace({ "metrics.json": metrics(0.9, 0.85) });
    // As GitHub sends it for a fork PR's run: head is the fork's `main`, and no pull_requests.
    const workflowRun = {
      head_branch: fork.headBranch,
      head_repository: { full_name: fork.headRepository },
      pull_requests: [],
    };
    gh.emulator.clearLog();
    const runtime = await runGate({
      ...gh,
      pr: fork,
      workspace: work,
      eventName: "workflow_run",
      ref: "refs/heads/main",
      workflowRun,
      // The number the fork's artifact carries is data: here it names someone else's PR.
      inputs: { baseline: "none", "pull-request": String(victim.number), "head-sha": fork.headSha },
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.lines.filter((l) => l.level === "warning")).toEqual([]);
    expect(await gateComments(gh.admin, fork)).toHaveLength(1);
    expect(await gateComments(gh.admin, victim)).toEqual([]);
    expect(await checkRuns(gh.admin, fork)).toMatchObject([
      { head_sha: fork.headSha, conclusion: "success" },
    ]);
    expect(gh.emulator.requestLog.some((r) => r.route.endsWith("/commits/{commit_sha}/pulls"))).toBe(false);

    // The fork PR is closed: no PR has this head. The comment is not posted, and the run says so.
    await gh.admin.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
      owner: "acme",
      repo: fork.repo,
      issue_number: fork.number,
      state: "closed",
    });
    const orphan = await runGate({
      ...gh,
      pr: fork,
      workspace: work,
      eventName: "workflow_run",
      ref: "refs/heads/main",
      workflowRun,
      inputs: { baseline: "none", "head-sha": fork.headSha },
      attempt: 2,
    });
    expect(orphan.failure).toBeUndefined();
    const why = `The gate report was not posted as a PR comment: no open pull request has head mallory:main at ${fork.headSha.slice(0, 7)}. The check run is on ${fork.headSha.slice(0, 7)}.`;
    expect(orphan.lines).toContainEqual(expect.objectContaining({ level: "warning", message: why }));
    expect(orphan.summary.join("\n")).toContain(`> ⚠️ ${why}`);
    expect(await gateComments(gh.admin, fork)).toHaveLength(1);
  });
});
