/**
 * `mlops insights` on a history built in the emulator with the product's own writers (the calls the
 * actions make: publishCheck for the gate, registerModel, deployModel with its automatic rollback,
 * upsertMonitoringIssue + composeIssue for monitoring) plus pull requests, reviews, merges and workflow
 * runs (re-runs included) over REST. The emulator's clock is moved between steps, so every duration is
 * known: each figure is checked against a value computed by hand below. Writes in one moment share a
 * timestamp (second precision, as on GitHub); durations are checked to ±60 s.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCliCaptured } from "@mlops/cli/testing";
import {
  computeInsights,
  type InsightsReport,
  parseRule,
  renderGateReport,
  renderInsightsMarkdown,
  runGate,
} from "@mlops/core";
import {
  collectInsightsEvents,
  deployModel,
  type GitHubClient,
  publishCheck,
  ResponseCache,
  registerModel,
  upsertMonitoringIssue,
} from "@mlops/github";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { composeIssue, type MonitoringReport } from "@mlops/monitor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const OWNER = "acme";
const REPO = "insights";
const MODEL = "churn";
const T0 = Date.parse("2026-11-01T00:00:00Z");
const HOUR = 3600;
const iso = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString().replace(/\.000Z$/, "Z");

let now = T0 - 3_600_000;
/** Moves the emulator's clock to `hours` after T0. */
const at = (hours: number) => {
  now = T0 + hours * 3_600_000;
};

let emulator: Emulator;
let admin: GitHubClient;
let reviewer: GitHubClient;
let work: string;
let modelFile: string;
let collected: Awaited<ReturnType<typeof collectInsightsEvents>>;
let report: InsightsReport;
let served: number;

const client = (token: string) => emulatorClient(emulator, token);

async function commit(branch: string, message: string): Promise<string> {
  const { data } = await admin.request("POST /_emulator/repos/{owner}/{repo}/commits", {
    owner: OWNER,
    repo: REPO,
    branch,
    message,
    files: { [`${branch}.txt`]: message },
  });
  return (data as { sha: string }).sha;
}

async function startRun(event: string, branch: string, sha: string, pr?: number): Promise<number> {
  const { data } = await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
    owner: OWNER,
    repo: REPO,
    workflow_path: `.github/workflows/${event === "schedule" ? "monitor" : event === "pull_request" ? "pr" : "release"}.yml`,
    event,
    head_branch: branch,
    head_sha: sha,
    ...(pr !== undefined ? { pull_request_number: pr } : {}),
  });
  return (data as { id: number }).id;
}

async function rerun(runId: number): Promise<void> {
  await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
    owner: OWNER,
    repo: REPO,
    rerun_of: runId,
  });
}

async function finishRun(runId: number, conclusion: string): Promise<void> {
  await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/complete", {
    owner: OWNER,
    repo: REPO,
    run_id: runId,
    conclusion,
  });
}

/** The gate's check run as evaluate-gate writes it (name, conclusion, report in the summary). */
async function gate(sha: string, accuracy: number): Promise<void> {
  const rules = [{ rule: parseRule("accuracy >= 0.9"), text: "accuracy >= 0.9", source: "config" as const }];
  const run = runGate({ rules, head: { accuracy } });
  await publishCheck(admin, {
    owner: OWNER,
    repo: REPO,
    sha,
    name: `mlops gate: ${MODEL}`,
    conclusion: run.passed ? "success" : "failure",
    title: run.passed ? "passed" : "failed",
    summary: renderGateReport({ model: MODEL, run, head: { accuracy } }),
  });
}

async function openPull(branch: string, title: string): Promise<number> {
  const { data } = await admin.request("POST /repos/{owner}/{repo}/pulls", {
    owner: OWNER,
    repo: REPO,
    title,
    head: branch,
    base: "main",
  });
  return data.number;
}

async function review(pr: number, event: "APPROVE" | "REQUEST_CHANGES"): Promise<void> {
  await reviewer.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
    owner: OWNER,
    repo: REPO,
    pull_number: pr,
    event,
    body: event === "APPROVE" ? "" : "accuracy is too low",
  });
}

async function merge(pr: number): Promise<string> {
  const { data } = await admin.request("PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge", {
    owner: OWNER,
    repo: REPO,
    pull_number: pr,
    merge_method: "merge",
  });
  return data.sha as string;
}

async function register(sha: string, runId: number): Promise<void> {
  await registerModel(admin, {
    owner: OWNER,
    repo: REPO,
    model: MODEL,
    commitSha: sha,
    files: [{ path: modelFile }],
    metrics: { accuracy: 0.93 },
    idempotencyKey: `${OWNER}/${REPO}/${runId}/${MODEL}`,
  });
}

async function deploy(environment: string, selector: string, runId: string, healthy = true): Promise<void> {
  await deployModel(admin, {
    owner: OWNER,
    repo: REPO,
    model: MODEL,
    selector,
    environment,
    workDir: work,
    runId,
    run: async () => ({ ok: true }),
    // An unhealthy version fails its health check; the version the deploy action rolls back to passes it.
    healthCheck: async (_dir, version) =>
      healthy || `v${version}` !== selector
        ? { ok: true }
        : { ok: false, message: "health check failed 5 times" },
    rollbackOnFailure: true,
  });
}

async function monitor(hours: number, drift: boolean): Promise<void> {
  at(hours);
  const runId = await startRun("schedule", "main", await branchSha());
  const report: MonitoringReport = {
    schema_version: 1,
    dataset_drift: drift,
    drift_share: drift ? 0.6 : 0,
    drift_share_threshold: 0.5,
    correction: "none",
    columns: [
      {
        name: "tenure",
        type: "numerical",
        test: "ks",
        statistic: drift ? 0.4 : 0.01,
        p_value: drift ? 0.001 : 0.9,
        threshold: 0.05,
        drifted: drift,
      },
    ],
    findings: [],
    generated_at: iso(hours),
    reference: { rows: 100 },
    current: { rows: 100 },
  };
  await upsertMonitoringIssue(admin, {
    owner: OWNER,
    repo: REPO,
    model: MODEL,
    title: `Monitoring: ${MODEL}`,
    body: "",
    runId: String(runId),
    compose: (previous) => composeIssue(MODEL, report, previous),
  });
  await finishRun(runId, "success");
}

async function branchSha(): Promise<string> {
  const { data } = await admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner: OWNER,
    repo: REPO,
    ref: "heads/main",
  });
  return data.object.sha;
}

/** A release run: gate on the merge commit, register at +1 h, staging at +1.5 h. */
async function release(mergedAtHours: number, sha: string, version: string): Promise<void> {
  at(mergedAtHours);
  const runId = await startRun("push", "main", sha);
  at(mergedAtHours + 0.5);
  await gate(sha, 0.93);
  at(mergedAtHours + 1);
  await register(sha, runId);
  at(mergedAtHours + 1.5);
  await deploy("staging", `v${version}`, String(runId));
}

beforeAll(async () => {
  emulator = await startEmulator({ clock: () => now, validateResponses: true });
  admin = client(
    emulator.createToken(
      {
        contents: "write",
        issues: "write",
        pull_requests: "write",
        checks: "write",
        deployments: "write",
        actions: "write",
        statuses: "write",
      },
      "maintainer",
    ),
  );
  reviewer = client(emulator.createToken({ pull_requests: "write" }, "reviewer"));
  work = mkdtempSync(join(tmpdir(), "insights-"));
  modelFile = join(work, "model.bin");
  writeFileSync(modelFile, "weights");
  await admin.request("POST /_emulator/repos/{owner}/{repo}/commits", {
    owner: OWNER,
    repo: REPO,
    branch: "main",
    message: "init",
    files: { "mlops.yml": "models: []\n" },
  });

  // PR #1: first commit at 0, opened at 1; its gate fails on the first commit; changes requested at 2;
  // a fix at 3 passes the gate, its run is re-run at 3.5; approved at 4, merged at 5.
  at(0);
  const a1 = await commit("feature-a", "first try");
  at(1);
  const pr1 = await openPull("feature-a", "Tune churn");
  const r1 = await startRun("pull_request", "feature-a", a1, pr1);
  at(1.1);
  await gate(a1, 0.8);
  await finishRun(r1, "failure");
  at(2);
  await review(pr1, "REQUEST_CHANGES");
  at(3);
  const a2 = await commit("feature-a", "fix accuracy");
  const r2 = await startRun("pull_request", "feature-a", a2, pr1);
  at(3.1);
  await gate(a2, 0.95);
  await finishRun(r2, "success");
  at(3.5);
  await rerun(r2);
  at(3.6);
  await gate(a2, 0.95);
  await finishRun(r2, "success");
  at(4);
  await review(pr1, "APPROVE");
  at(5);
  const m1 = await merge(pr1);
  await release(5, m1, "1");
  at(9); // production waits for approval until 9
  await deploy("production", "v1", "rel-1");

  // PR #2: 24 / opened 25 / gate ✓ / approved 26 / merged 27 → v2; production at 30 fails its health
  // check and the deploy action rolls production back to v1.
  at(24);
  const b1 = await commit("feature-b", "more data");
  at(25);
  const pr2 = await openPull("feature-b", "More data");
  const r3 = await startRun("pull_request", "feature-b", b1, pr2);
  at(25.1);
  await gate(b1, 0.94);
  await finishRun(r3, "success");
  at(26);
  await review(pr2, "APPROVE");
  at(27);
  const m2 = await merge(pr2);
  await release(27, m2, "2");
  at(30);
  await deploy("production", "v2", "rel-2", false);

  // PR #3: 48 / opened 49 / gate ✓ / merged 50 → v3, production at 52.
  at(48);
  const c1 = await commit("feature-c", "fix serving");
  at(49);
  const pr3 = await openPull("feature-c", "Fix serving");
  const r4 = await startRun("pull_request", "feature-c", c1, pr3);
  at(49.1);
  await gate(c1, 0.93);
  await finishRun(r4, "success");
  at(50);
  const m3 = await merge(pr3);
  await release(50, m3, "3");
  at(52);
  await deploy("production", "v3", "rel-3");

  // Monitoring: no drift at 100, drift at 124 → a retrain run (repository_dispatch) at 125 registers v4
  // at 126, staging 126.5, production 127; the drift has cleared at 148.
  await monitor(100, false);
  await monitor(124, true);
  at(125);
  const retrain = await startRun("repository_dispatch", "main", m3);
  at(126);
  await register(m3, retrain);
  at(126.5);
  await deploy("staging", "v4", String(retrain));
  at(127);
  await deploy("production", "v4", `${retrain}-prod`);
  await finishRun(retrain, "success");
  await monitor(148, false);

  // Collect as a read-only token would.
  at(168);
  const reader = client(
    emulator.createToken({
      contents: "read",
      pull_requests: "read",
      actions: "read",
      deployments: "read",
      issues: "read",
      checks: "read",
    }),
  );
  const before = emulator.requestLog.length;
  collected = await collectInsightsEvents(reader, {
    owner: OWNER,
    repo: REPO,
    since: iso(0),
    until: iso(168),
  });
  served = emulator.requestLog.length - before;
  report = computeInsights(collected.events);
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** |actual − hours| < 60 s. */
function expectHours(actual: number | undefined, hours: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - hours * HOUR)).toBeLessThan(60);
}

describe("mlops insights on a history built in the emulator", () => {
  it("reads the history with a stated, bounded number of API calls", () => {
    // 11 workflow runs → 1 page; check runs of 7 distinct non-scheduled head commits (a1, a2, b1, c1, m1,
    // m2, m3); 3 PRs → 1 page; 3 merged gated PRs × (commits + reviews) = 6; releases 1 page; deployments
    // 1 page + statuses of 9 deployments (staging v1–v4, production v1, v2, the v1 rollback, v3, v4);
    // monitoring issues 1 page + 1 page of comments: 1 + 7 + 1 + 6 + 1 + 1 + 9 + 1 + 1 = 28.
    expect(collected.apiCalls.made).toBe(28);
    expect(served).toBe(28);
    expect(emulator.violations).toEqual([]);
  });

  it("lead time and its parts", () => {
    const m = report.models[0];
    expect(m?.model).toBe(MODEL);
    const rows = m?.leadTime.rows ?? [];
    expect(rows.map((r) => [r.pr, r.version])).toEqual([
      [1, "1"],
      [2, "3"], // v2 failed in production: PR #2 reached production with v3
      [3, "3"],
    ]);
    // PR #1: first commit 0 → production 9 = 9 h: coding 1, review 4 (1 → 5), gate 1 (5 → 6), staging 0.5
    // (6 → 6.5), approval 2.5 (6.5 → 9), deploy ≈ 0.
    expectHours(rows[0]?.total, 9);
    expectHours(rows[0]?.parts.coding, 1);
    expectHours(rows[0]?.parts.review, 4);
    expectHours(rows[0]?.parts.gate, 1);
    expectHours(rows[0]?.parts.staging, 0.5);
    expectHours(rows[0]?.parts.approval, 2.5);
    expectHours(rows[0]?.parts.deploy, 0);
    // PR #2: 24 → 52 = 28 h. PR #3: 48 → 52 = 4 h. Median of [4, 9, 28] = 9 h.
    expectHours(rows[1]?.total, 28);
    expectHours(rows[2]?.total, 4);
    expectHours(m?.leadTime.total.median, 9);
  });

  it("DORA figures", () => {
    const m = report.models[0];
    // production: v1 ✓ (change), v2 ✗ (change, failed health check), v1 ✓ (automatic rollback), v3 ✓, v4 ✓
    expect(m?.deployments).toEqual({ total: 5, changes: 4, successfulChanges: 3, rollbacks: 1, perWeek: 3 });
    // 1 of 4 changes failed
    expect(m?.changeFailureRate).toEqual({ numerator: 1, denominator: 4, value: 0.25 });
    // v2 failed at ≈ 30 h, the rollback succeeded seconds later
    expect(m?.timeToRestore.n).toBe(1);
    expectHours(m?.timeToRestore.median, 0);
    // rework: the rollback and the retrained v4, of 4 successful production deployments → 50 %
    expect(m?.reworkRate).toEqual({ numerator: 2, denominator: 4, value: 0.5 });
  });

  it("deployment statuses oldest first, also when written in one second (GitHub's timestamps are to the second)", () => {
    const v2 = collected.events.deployments.find((d) => d.production && d.version === "2");
    // in_progress, then failure (the health check), in the same second: ordered by id, not left newest first
    expect(v2?.statuses.map((s) => s.state)).toEqual(["in_progress", "failure"]);
    expect(new Set(v2?.statuses.map((s) => s.at)).size).toBe(1);
  });

  it("gate statistics", () => {
    const g = report.models[0]?.gate;
    // evaluations: a1 ✗, a2 ✓ (run re-run: 2 attempts), b1 ✓, c1 ✓, m1 ✓, m2 ✓, m3 ✓ → 6 of 7
    expect(g?.evaluations).toBe(7);
    expect(g?.passRate).toEqual({ numerator: 6, denominator: 7, value: 6 / 7 });
    expect(g?.failingRules).toEqual([{ rule: "accuracy >= 0.9", failures: 1 }]);
    // 3 PRs, 1 re-run → 1/3 per PR; PR evaluations a1, a2, b1, c1 → 4/3 per PR
    expect(g?.prs).toBe(3);
    expect(g?.rerunsPerPr).toBeCloseTo(1 / 3, 12);
    expect(g?.evaluationsPerPr).toBeCloseTo(4 / 3, 12);
  });

  it("drift → next production version, retrains and the phase-revisit matrix", () => {
    const m = report.models[0];
    // drift found at 124 → v4 in production at 127: 3 h
    expect(m?.drift.onsets).toBe(1);
    expect(m?.drift.open).toBe(0);
    expectHours(m?.drift.time.median, 3);
    expect(report.retrainRuns).toBe(1);
    const edges = report.revisits.map((r) => `${r.from}→${r.to}:${r.reason}`);
    // a1's gate failure; PR #1's changes requested; v2 rolled back; drift followed by a retrain run
    expect(edges).toEqual([
      "gate→experimentation:gate failure",
      "experimentation→experimentation:reviewer rejection",
      "production→experimentation:rollback",
      "monitoring→retraining:drift",
    ]);
    const markdown = renderInsightsMarkdown({ ...report, apiCalls: collected.apiCalls });
    expect(markdown).toContain("Read with 28 API calls");
    expect(markdown).toContain("```mermaid");
  });

  it("a PR whose own gate ran before the window still counts when its merge commit was gated in it", async () => {
    // window from 4.5 h: PR #1's runs (1 h, 3 h) are outside it, its merge (5 h) and release gate (5.5 h) inside
    const reader = emulatorClient(
      emulator,
      emulator.createToken({
        contents: "read",
        pull_requests: "read",
        actions: "read",
        deployments: "read",
        issues: "read",
        checks: "read",
      }),
    );
    const { events } = await collectInsightsEvents(reader, {
      owner: OWNER,
      repo: REPO,
      since: iso(4.5),
      until: iso(168),
    });
    const m = computeInsights(events).models[0];
    // PR #1: 0 → 9 h as before (its first commit predates the window; the lead time is the change's)
    expectHours(m?.leadTime.rows.find((r) => r.pr === 1)?.total, 9);
    // its gate failure at 1.1 h is outside the window
    expect(m?.gate.failingRules).toEqual([]);
  });

  it("--model reads one model's deployments (task filter) and says no data for a model without history", async () => {
    const reader = emulatorClient(
      emulator,
      emulator.createToken({
        contents: "read",
        pull_requests: "read",
        actions: "read",
        deployments: "read",
        issues: "read",
        checks: "read",
      }),
    );
    const one = await collectInsightsEvents(reader, {
      owner: OWNER,
      repo: REPO,
      model: MODEL,
      since: iso(0),
      until: iso(168),
    });
    expect(computeInsights(one.events, { model: MODEL }).models[0]?.changeFailureRate.value).toBe(0.25);
    const none = await collectInsightsEvents(reader, {
      owner: OWNER,
      repo: REPO,
      model: "fraud",
      since: iso(0),
      until: iso(168),
    });
    expect(none.events.deployments).toEqual([]);
    const markdown = renderInsightsMarkdown(computeInsights(none.events, { model: "fraud" }));
    expect(markdown).toContain("no data (no production change deployed)");
    expect(markdown).toContain("no data (no gate evaluated)");
  });

  it("the CLI prints it and keeps one insights issue updated", async () => {
    const token = emulator.createToken({
      contents: "read",
      pull_requests: "read",
      actions: "read",
      deployments: "read",
      issues: "write",
      checks: "read",
    });
    const summary = join(work, "step-summary.md");
    const env = {
      GITHUB_TOKEN: token,
      GITHUB_API_URL: emulator.url,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_RUN_ID: "4242",
      // the previous run's responses (default ~/.cache/mlops): kept in the test's directory
      XDG_CACHE_HOME: join(work, "xdg-cache"),
    };
    const argv = [
      "insights",
      "--repo",
      `${OWNER}/${REPO}`,
      "--since",
      iso(0),
      "--until",
      iso(168),
      "--format",
      "json",
      "--issue",
      "--summary",
    ];
    const first = await runCliCaptured(argv, { cwd: work, env });
    expect(first.code).toBe(0);
    const json = JSON.parse(first.stdout) as InsightsReport;
    expect(json.models[0]?.changeFailureRate.value).toBe(0.25);
    expect(json.apiCalls?.made).toBe(28);
    expect(first.stderr).toContain("insights: 28 API calls");
    expect(first.stderr).toContain("MLOps insights issue created");
    expect(readFileSync(summary, "utf8")).toContain("| Change failure rate");
    expect(first.stderr).toContain(
      `0 responses of the previous run in ${join(work, "xdg-cache", "mlops", "insights", "acme+insights.json.gz")}`,
    );
    const mark = emulator.requestLog.length;
    const second = await runCliCaptured(argv, { cwd: work, env });
    expect(second.code).toBe(0);
    // The second run asks conditionally with the first run's responses. The first run opened the insights
    // issue, which changed the repository embedded in workflow runs and pull requests (open_issues_count):
    // those two lists are paid, the other 26 requests are answered 304.
    expect(second.stderr).toContain("26 of 28 answered 304 Not Modified");
    // a 304 is an answer, not a failed request: no warning line per request
    expect(second.stderr).not.toContain("304 with id");
    expect(
      emulator.requestLog
        .slice(mark)
        .filter(
          (e) => e.status === 200 && !e.path.includes("labels=mlops-insights") && !/issues\/\d/.test(e.path),
        )
        .map((e) => e.route),
    ).toEqual(["/repos/{owner}/{repo}/actions/runs", "/repos/{owner}/{repo}/pulls"]);
    expect((JSON.parse(second.stdout) as InsightsReport).models).toEqual(json.models);
    expect(second.stderr).toContain("MLOps insights issue updated");
    const { data: issues } = await admin.request("GET /repos/{owner}/{repo}/issues", {
      owner: OWNER,
      repo: REPO,
      labels: "mlops-insights",
      state: "all",
    });
    expect(issues.map((i) => i.title)).toEqual(["MLOps insights"]);
    expect(issues[0]?.body).toContain("| Change failure rate");
    // one headline comment per workflow run: the same GITHUB_RUN_ID twice → one comment
    const { data: comments } = await admin.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      {
        owner: OWNER,
        repo: REPO,
        issue_number: issues[0]?.number ?? 0,
      },
    );
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(
      "`churn`: lead time 9 h · 3 changes/week · change failure rate 25% (1 of 4)",
    );
    const bad = await runCliCaptured(["insights", "--repo", "nope"], { cwd: work, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--repo: expected owner/name");
  });
});

describe("conditional requests: the previous run's responses", () => {
  const readToken = () =>
    emulator.createToken({
      contents: "read",
      pull_requests: "read",
      actions: "read",
      deployments: "read",
      issues: "read",
      checks: "read",
    });
  /** One collection as `mlops insights` makes it: load the cache file, collect, save; its rate-limit cost. */
  async function collectWithCache(token: string, file: string, log?: string[]) {
    const { cache } = await ResponseCache.load(file);
    const used = emulator.rateLimit().used;
    const result = await collectInsightsEvents(client(token), {
      owner: OWNER,
      repo: REPO,
      since: iso(0),
      until: iso(168),
      cache,
      ...(log ? { log: { debug() {}, info: (m) => log.push(m), warning: (m) => log.push(m) } } : {}),
    });
    const cost = emulator.rateLimit().used - used;
    await cache.save(file);
    return { ...result, cost };
  }

  it("a second collection with nothing new costs no rate limit and reads the same history", async () => {
    const token = readToken();
    const file = join(work, "etag-cache", "insights.json.gz");
    const first = await collectWithCache(token, file);
    // the first run has no cache: all 28 requests are paid (the emulator's primary rate-limit counter)
    expect(first.cost).toBe(28);
    expect(first.apiCalls).toEqual({ ...collected.apiCalls, notModified: 0 });
    const log: string[] = [];
    const second = await collectWithCache(token, file, log);
    // the same 28 requests, each answered 304 Not Modified: 0 counted (≥ 90 % less)
    expect(second.apiCalls.made).toBe(28);
    expect(second.apiCalls.notModified).toBe(28);
    expect(second.cost).toBe(0);
    expect(1 - second.cost / first.cost).toBeGreaterThanOrEqual(0.9);
    expect(log).toContain(
      "insights: 28 of 28 answered 304 Not Modified from the cache (not counted against the rate limit); 0 counted",
    );
    // identical results
    expect(second.events).toEqual(first.events);
    expect(second.events).toEqual(collected.events);
    expect(computeInsights(second.events)).toEqual(report);
    const markdown = renderInsightsMarkdown({ ...computeInsights(second.events), apiCalls: second.apiCalls });
    expect(markdown).toContain(
      "Read with 28 API calls (1 workflow-run pages + 7 commits with check runs + 1 pull-request pages + 6 gated PRs: commits (merged) + review pages + 1 release pages + 1 deployment pages + 9 deployment statuses + 1 monitoring-issue pages + 1 monitoring-comment pages); 28 answered 304 Not Modified",
    );

    // A new monitoring run: only what changed is paid — the workflow-run page, the monitoring issues
    // (updated) and their comments: 3 of 28.
    await monitor(160, false);
    at(168);
    const third = await collectWithCache(token, file);
    expect(third.apiCalls.made).toBe(28);
    expect(third.apiCalls.notModified).toBe(25);
    expect(third.cost).toBe(3);
    expect(third.events.monitoring).toHaveLength(collected.events.monitoring.length + 1);
    const fresh = await collectInsightsEvents(client(readToken()), {
      owner: OWNER,
      repo: REPO,
      since: iso(0),
      until: iso(168),
    });
    expect(third.events).toEqual(fresh.events);
  });

  it("under another token (a workflow's new GITHUB_TOKEN) nothing is saved, and the run says why", async () => {
    const file = join(work, "etag-cache", "other-token.json.gz");
    await collectWithCache(readToken(), file);
    const log: string[] = [];
    const next = await collectWithCache(readToken(), file, log);
    expect(next.apiCalls.notModified).toBe(0);
    expect(next.cost).toBe(28);
    expect(log.some((m) => m.includes("GitHub's ETags are specific to the token"))).toBe(true);
  });
});

describe("registration revisits, through the product's own registerModel", () => {
  let reg: Emulator;
  let clock = T0;
  const hoursIn = (n: number) => {
    clock = T0 + n * 3_600_000;
  };
  beforeAll(async () => {
    reg = await startEmulator({ clock: () => clock, validateResponses: true });
  });
  afterAll(async () => {
    await reg?.close();
  });

  it("a registration re-run to finish counts registration → registration; a draft left behind → experimentation (push access only); none → no data", async () => {
    const writer = emulatorClient(
      reg,
      reg.createToken({ contents: "write", actions: "write", checks: "write", issues: "write" }),
    );
    const control = (route: string, params: Record<string, unknown>) =>
      writer.request(`POST /_emulator/repos/{owner}/{repo}/${route}`, { owner: OWNER, ...params });
    const commitOn = async (repo: string, message: string) =>
      (
        (await control("commits", { repo, branch: "main", message, files: { "a.txt": message } })).data as {
          sha: string;
        }
      ).sha;
    const startPush = async (repo: string, sha: string) =>
      (
        (
          await control("actions/runs", {
            repo,
            workflow_path: ".github/workflows/release.yml",
            event: "push",
            head_branch: "main",
            head_sha: sha,
          })
        ).data as { id: number }
      ).id;
    const finish = (repo: string, runId: number, conclusion: string) =>
      control("actions/runs/{run_id}/complete", { repo, run_id: runId, conclusion });
    // A signing service that is down: registerModel has created the version's tag and draft release when
    // it fails (the draft is what a re-run resumes).
    const brokenSigner = {
      description: "a signing service that is down",
      sign: async () => {
        throw new Error("signing service unavailable");
      },
    };
    const registerIn = (repo: string, sha: string, runId: number, signer?: typeof brokenSigner) =>
      registerModel(writer, {
        owner: OWNER,
        repo,
        model: MODEL,
        commitSha: sha,
        files: [{ path: modelFile }],
        metrics: { accuracy: 0.93 },
        idempotencyKey: `${OWNER}/${repo}/${runId}/${MODEL}`,
        ...(signer ? { signer } : {}),
      });

    // v1: attempt 1 of run A creates the draft and fails at 1 h; attempt 2 (re-run at 2 h) resumes and
    // publishes it. v2: run B leaves its draft at 3 h and fails. v3: run C registers cleanly at 4 h.
    hoursIn(1);
    const shaA = await commitOn("reg", "one");
    const a = await startPush("reg", shaA);
    await expect(registerIn("reg", shaA, a, brokenSigner)).rejects.toThrow(/signing service unavailable/);
    await finish("reg", a, "failure");
    hoursIn(2);
    await control("actions/runs", { repo: "reg", rerun_of: a });
    const resumed = await registerIn("reg", shaA, a);
    expect([resumed.version, resumed.outcome]).toEqual(["1", "resumed"]);
    await finish("reg", a, "success");
    hoursIn(3);
    const shaB = await commitOn("reg", "two");
    const b = await startPush("reg", shaB);
    await expect(registerIn("reg", shaB, b, brokenSigner)).rejects.toThrow(/signing service unavailable/);
    await finish("reg", b, "failure");
    hoursIn(4);
    const shaC = await commitOn("reg", "three");
    const c = await startPush("reg", shaC);
    expect((await registerIn("reg", shaC, c)).version).toBe("3");
    await finish("reg", c, "success");

    const collect = async (token: string, repo: string) =>
      computeInsights(
        (
          await collectInsightsEvents(emulatorClient(reg, token), {
            owner: OWNER,
            repo,
            since: iso(0),
            until: iso(24),
          })
        ).events,
      );
    const read = {
      contents: "read",
      actions: "read",
      checks: "read",
      pull_requests: "read",
      deployments: "read",
      issues: "read",
    } as const;
    // With push access (drafts are listed): both revisits, from 3 registrations (v1, v3, the v2 draft).
    const pushing = await collect(reg.createToken({ ...read, contents: "write" }), "reg");
    expect(pushing.revisits.map((r) => `${r.from}→${r.to}:${r.reason}:${r.subject}`)).toEqual([
      "registration→registration:registration failure:v1 (left unfinished, finished by attempt 2 of its run)",
      "registration→experimentation:registration failure:v2 (draft release left by a run that ended failure)",
    ]);
    // the re-run started at 2 h; the v2 draft was created at 3 h
    expect(pushing.revisits.map((r) => Math.round((Date.parse(r.at) - T0) / 60_000))).toEqual([120, 180]);
    expect(pushing.phaseActivity.registration).toBe(3);
    expect(renderInsightsMarkdown(pushing)).toMatch(/\| registration +\| 1 +\| · +\| 1 +\|/);
    // Read-only (the monthly workflow's token): GitHub lists no drafts to it, so only the re-run is seen.
    const reading = await collect(reg.createToken(read), "reg");
    expect(reading.revisits.map((r) => `${r.from}→${r.to}`)).toEqual(["registration→registration"]);
    expect(reading.phaseActivity.registration).toBe(2);

    // Another repository with a failed gate and no registration: the matrix is shown, its registration row
    // says "no data" (nothing was registered, so nothing could be sent back), not 0.
    hoursIn(5);
    const sha = await commitOn("noreg", "try");
    const run = await startPush("noreg", sha);
    await publishCheck(writer, {
      owner: OWNER,
      repo: "noreg",
      sha,
      name: `mlops gate: ${MODEL}`,
      conclusion: "failure",
      title: "failed",
      summary: "gate failed",
    });
    await finish("noreg", run, "failure");
    const none = await collect(reg.createToken(read), "noreg");
    expect(none.revisits.map((r) => `${r.from}→${r.to}`)).toEqual(["gate→experimentation"]);
    expect(none.phaseActivity.registration).toBe(0);
    const markdown = renderInsightsMarkdown(none);
    expect(markdown).toMatch(
      /\| registration +\| no data +\| no data +\| no data +\| no data +\| no data +\| no data +\| no data +\|/,
    );
    expect(markdown).toContain("No data for");
    expect(reg.violations).toEqual([]);
  }, 60_000);
});

describe("a long history", () => {
  let long: Emulator;
  let clock = T0;
  beforeAll(async () => {
    long = await startEmulator({ clock: () => clock });
  });
  afterAll(async () => {
    await long?.close();
  });

  it("pages through it 100 at a time, skips what is before the window, and says how far it got", async () => {
    const writer = emulatorClient(long, long.createToken({ contents: "write", actions: "write" }));
    const { data } = await writer.request("POST /_emulator/repos/{owner}/{repo}/commits", {
      owner: OWNER,
      repo: "long",
      branch: "main",
      message: "init",
      files: { "a.txt": "a" },
    });
    const sha = (data as { sha: string }).sha;
    const run = (event: string) =>
      writer.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
        owner: OWNER,
        repo: "long",
        workflow_path: ".github/workflows/ci.yml",
        event,
        head_branch: "main",
        head_sha: sha,
      });
    const runs = async (count: number) => {
      for (let i = 0; i < count; i += 25)
        await Promise.all(
          Array.from({ length: Math.min(25, count - i) }, (_, j) => run((i + j) % 2 ? "push" : "schedule")),
        );
    };
    await runs(50); // before the window (the clock is at T0)
    clock = T0 + 24 * 3_600_000;
    await runs(250);
    // a run whose commit is gone (force-pushed away): GitHub answers its check runs with 422
    await writer.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
      owner: OWNER,
      repo: "long",
      workflow_path: ".github/workflows/ci.yml",
      event: "push",
      head_branch: "gone",
      head_sha: "0".repeat(40),
    });
    const progress: string[] = [];
    const reader = emulatorClient(
      long,
      long.createToken({
        actions: "read",
        contents: "read",
        checks: "read",
        pull_requests: "read",
        deployments: "read",
        issues: "read",
      }),
    );
    const before = long.requestLog.length;
    const { events, apiCalls } = await collectInsightsEvents(reader, {
      owner: OWNER,
      repo: "long",
      since: iso(12),
      until: iso(48),
      log: { debug() {}, info: (m) => progress.push(m), warning: (m) => progress.push(m) },
    });
    // 251 runs in the window → 3 pages (the 50 before it are filtered by `created`); two commits → 2
    // check-run calls (one answered 422); pull requests, releases, deployments, monitoring issues: 1 page
    // each → 3 + 2 + 4 = 9
    expect(apiCalls.made).toBe(9);
    expect(long.requestLog.length - before).toBe(9);
    expect(progress.slice(0, 3)).toEqual([
      "insights: 200 workflow runs read (2 pages)…",
      "insights: 251 workflow runs read (3 pages)…",
      "insights: 251 workflow runs",
    ]);
    expect(progress).toContain(
      "insights: commit 0000000 of a workflow run is gone (422): its check runs are not counted.",
    );
    expect(events.retrains).toEqual([]);
  }, 60_000);
});
