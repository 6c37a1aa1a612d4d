import { describe, expect, it } from "vitest";
import {
  computeInsights,
  type DeploymentEvent,
  durationStat,
  failedRulesInReport,
  type InsightsEvents,
  parseRule,
  quantile,
  renderGateReport,
  renderInsightsHtml,
  renderInsightsJson,
  renderInsightsMarkdown,
  revisitMatrix,
  runGate,
  windowEnd,
} from "../src/index.js";

const T0 = Date.parse("2026-11-01T00:00:00Z");
/** The time `n` hours after 2026-11-01T00:00Z. */
const h = (n: number) => new Date(T0 + n * 3_600_000).toISOString().replace(/\.000Z$/, "Z");
const HOUR = 3600;

function deployment(
  id: number,
  version: string,
  environment: string,
  created: number,
  outcome: [string, number],
  automaticRollback = false,
): DeploymentEvent {
  return {
    id,
    model: "churn",
    version,
    environment,
    production: environment === "production",
    createdAt: h(created),
    automaticRollback,
    statuses: [
      { state: "in_progress", at: h(created) },
      { state: outcome[0], at: h(outcome[1]) },
    ],
  };
}

/**
 * Two weeks of one model's life (hours after 2026-11-01T00:00Z):
 * - PR #1: first commit 0, opened 1, changes requested 2, approved 4, merged 5 → v1 registered 6, staging
 *   6.5→7, production created 9 (approved), succeeded 9.5. Its first gate failed (run re-run once), the second passed.
 * - PR #2: 24/25/merged 27 → v2 registered 28, staging 28.5→29, production 30 fails at 30.5 (health
 *   check); the deploy action rolls back to v1 at 30.6, success 30.75.
 * - PR #3: 48/49/merged 50; first gate failed two rules, second passed on its third attempt → v3
 *   registered 51, production 52→53 (no staging).
 * - PR #4: 96/97/merged 98 → v4 registered 99, production 100→100.5; rolled back by hand to v3 at 110→110.5.
 * - Monitoring: no drift at 120, drift at 144 (onset) and 168, none at 192, drift again at 200 (onset).
 *   Retrain runs at 145 (gate failed) and 145.9 (gate passed, registered v5 at 146), production 147→148.
 * - PR #5 merged at 210 is not registered by the end of the window.
 */
function history(): InsightsEvents {
  const pr = (
    number: number,
    first: number,
    opened: number,
    merged: number | undefined,
    reviews: Array<[string, number]> = [],
  ) => ({
    number,
    title: `change ${number}`,
    models: ["churn"],
    firstCommitAt: h(first),
    openedAt: h(opened),
    ...(merged !== undefined ? { mergedAt: h(merged), mergeSha: `m${number}` } : {}),
    reviews: reviews.map(([state, at]) => ({ state, at: h(at) })),
  });
  const gate = (
    sha: string,
    pr: number | undefined,
    event: string,
    conclusion: string,
    at: number,
    attempts: number,
    failedRules: string[] = [],
  ) => ({
    model: "churn",
    sha,
    ...(pr !== undefined ? { pr } : {}),
    event,
    conclusion,
    failedRules,
    at: h(at),
    attempts,
  });
  return {
    repository: "acme/churn",
    since: h(0),
    until: h(336),
    pulls: [
      pr(1, 0, 1, 5, [
        ["CHANGES_REQUESTED", 2],
        ["APPROVED", 4],
      ]),
      pr(2, 24, 25, 27, [["APPROVED", 26]]),
      pr(3, 48, 49, 50),
      pr(4, 96, 97, 98),
      pr(5, 208, 208.5, 210),
    ],
    gates: [
      gate("a1", 1, "pull_request", "failure", 1.5, 2, ["accuracy >= 0.9"]),
      gate("a2", 1, "pull_request", "success", 3, 1),
      gate("b1", 2, "pull_request", "success", 25.5, 1),
      gate("m2", undefined, "push", "success", 27.5, 1),
      gate("c1", 3, "pull_request", "failure", 49.5, 1, ["accuracy >= 0.9", "latency_ms <= 50"]),
      gate("c2", 3, "pull_request", "success", 49.8, 3),
      gate("d1", 4, "pull_request", "success", 97.5, 1),
      gate("m4", undefined, "repository_dispatch", "failure", 145.5, 1, ["f1 >= baseline - 0.01"]),
      gate("m4", undefined, "repository_dispatch", "success", 145.95, 1),
      gate("e1", 5, "pull_request", "success", 209, 1),
    ],
    versions: [
      { model: "churn", version: "1", registeredAt: h(6), commitSha: "m1", trigger: "push" },
      { model: "churn", version: "2", registeredAt: h(28), commitSha: "m2", trigger: "push" },
      { model: "churn", version: "3", registeredAt: h(51), commitSha: "m3", trigger: "push" },
      { model: "churn", version: "4", registeredAt: h(99), commitSha: "m4", trigger: "push" },
      { model: "churn", version: "5", registeredAt: h(146), commitSha: "m4", trigger: "repository_dispatch" },
    ],
    deployments: [
      deployment(101, "1", "staging", 6.5, ["success", 7]),
      deployment(102, "1", "production", 9, ["success", 9.5]),
      deployment(103, "2", "staging", 28.5, ["success", 29]),
      deployment(104, "2", "production", 30, ["failure", 30.5]),
      deployment(105, "1", "production", 30.6, ["success", 30.75], true),
      deployment(106, "3", "production", 52, ["success", 53]),
      deployment(107, "4", "production", 100, ["success", 100.5]),
      deployment(108, "3", "production", 110, ["success", 110.5]),
      deployment(109, "5", "production", 147, ["success", 148]),
    ],
    monitoring: [
      { model: "churn", at: h(120), datasetDrift: false },
      { model: "churn", at: h(144), datasetDrift: true },
      { model: "churn", at: h(168), datasetDrift: true },
      { model: "churn", at: h(192), datasetDrift: false },
      { model: "churn", at: h(200), datasetDrift: true },
    ],
    retrains: [
      { runId: 1, at: h(145), conclusion: "failure" },
      { runId: 2, at: h(145.9), conclusion: "success", model: "churn" },
    ],
  };
}

describe("insights statistics", () => {
  it("quantiles interpolate between the closest ranks (type 7)", () => {
    // sorted [1, 2, 3, 10]; median: h = 3·0.5 = 1.5 → 2 + 0.5·(3 − 2) = 2.5; p90: h = 2.7 → 3 + 0.7·7 = 7.9
    expect(quantile([10, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([10, 1, 3, 2], 0.9)).toBeCloseTo(7.9, 10);
    expect(quantile([], 0.5)).toBeUndefined();
    expect(durationStat([])).toEqual({ n: 0 });
  });
});

describe("insights on a hand-built history", () => {
  const report = computeInsights(history());
  const m = report.models[0];
  if (!m) throw new Error("no model");

  it("finds the one model", () => {
    expect(report.models.map((x) => x.model)).toEqual(["churn"]);
  });

  it("lead time per PR and its parts add up", () => {
    // PR #1: 0 → production success 9.5 = 9.5 h; parts 1 (0→1) + 4 (1→5) + 1 (5→6) + 1 (6→7 staging) + 2 (7→9) + 0.5.
    // PR #2: v2 failed in production, so its change reached production with v3 at 53: 24 → 53 = 29 h;
    //        parts 1 + 2 (25→27) + 1 (27→28) + 0 (v3 had no staging) + 24 (28→52) + 1 (52→53).
    // PR #3: 48 → 53 = 5 h: 1 + 1 + 1 + 0 + 1 (51→52) + 1. PR #4: 96 → 100.5 = 4.5 h: 1 + 1 + 1 + 0 + 1 + 0.5.
    expect(m.leadTime.rows).toEqual([
      {
        pr: 1,
        version: "1",
        total: 9.5 * HOUR,
        parts: {
          coding: HOUR,
          review: 4 * HOUR,
          gate: HOUR,
          staging: HOUR,
          approval: 2 * HOUR,
          deploy: 0.5 * HOUR,
        },
      },
      {
        pr: 2,
        version: "3",
        total: 29 * HOUR,
        parts: { coding: HOUR, review: 2 * HOUR, gate: HOUR, staging: 0, approval: 24 * HOUR, deploy: HOUR },
      },
      {
        pr: 3,
        version: "3",
        total: 5 * HOUR,
        parts: { coding: HOUR, review: HOUR, gate: HOUR, staging: 0, approval: HOUR, deploy: HOUR },
      },
      {
        pr: 4,
        version: "4",
        total: 4.5 * HOUR,
        parts: { coding: HOUR, review: HOUR, gate: HOUR, staging: 0, approval: HOUR, deploy: 0.5 * HOUR },
      },
    ]);
    // totals sorted [4.5, 5, 9.5, 29] h: median (5 + 9.5) / 2 = 7.25 h; p90: h = 3·0.9 = 2.7 → 9.5 + 0.7·19.5 = 23.15 h
    expect(m.leadTime.total.median).toBe(7.25 * HOUR);
    expect(m.leadTime.total.p90).toBeCloseTo(23.15 * HOUR, 6);
    // review parts [4, 2, 1, 1] h → sorted [1, 1, 2, 4]: median 1.5 h
    expect(m.leadTime.parts.review.median).toBe(1.5 * HOUR);
    // PR #5 merged at 210, never registered
    expect(m.leadTime.notInProduction).toEqual([5]);
  });

  it("deployment frequency, change failure rate, time to restore, rework rate", () => {
    // production: 102 v1 change ✓, 104 v2 change ✗ (failure), 105 v1 automatic rollback ✓, 106 v3 change ✓,
    // 107 v4 change ✓ then rolled back by 108 v3 (older: rollback) ✓, 109 v5 change ✓ (a retrain's version).
    expect(m.deployments).toEqual({ total: 7, changes: 5, successfulChanges: 4, rollbacks: 2, perWeek: 2 });
    // 4 successful changes in 336 h = 2 weeks → 2 per week. Failed changes: 104 and 107 → 2 of 5 = 40 %.
    expect(m.changeFailureRate).toEqual({ numerator: 2, denominator: 5, value: 0.4 });
    // restore: 104 failed at 30.5 → 105 succeeded 30.75 = 0.25 h = 900 s; 107 served from 100.5 → 108 at
    // 110.5 = 10 h = 36,000 s. median (900 + 36,000) / 2 = 18,450 s; p90 900 + 0.9·35,100 = 32,490 s.
    expect(m.timeToRestore).toEqual({ n: 2, median: 18_450, p90: 32_490, min: 900, max: 36_000, open: 0 });
    // rework: of 6 successful production deployments (102, 105, 106, 107, 108, 109), the rollbacks 105 and
    // 108 and the retrained v5 (109) → 3 of 6 = 50 %.
    expect(m.reworkRate).toEqual({ numerator: 3, denominator: 6, value: 0.5 });
  });

  it("gate statistics", () => {
    // 10 evaluations, 3 failed (a1, c1, m4) → 7 of 10 passed
    expect(m.gate.passRate).toEqual({ numerator: 7, denominator: 10, value: 0.7 });
    expect(m.gate.evaluations).toBe(10);
    // accuracy failed on a1 and c1; f1 and latency once each (ties by name)
    expect(m.gate.failingRules).toEqual([
      { rule: "accuracy >= 0.9", failures: 2 },
      { rule: "f1 >= baseline - 0.01", failures: 1 },
      { rule: "latency_ms <= 50", failures: 1 },
    ]);
    // PRs 1–5 gated; re-runs (2 − 1) on a1 + (3 − 1) on c2 = 3 → 3 / 5 = 0.6 per PR; 7 PR evaluations / 5 = 1.4
    expect(m.gate.prs).toBe(5);
    expect(m.gate.reruns).toBe(3);
    expect(m.gate.rerunsPerPr).toBe(0.6);
    expect(m.gate.evaluationsPerPr).toBe(1.4);
  });

  it("drift detected → next production version", () => {
    // onsets at 144 (→ v5 in production at 148: 4 h) and 200 (no production change after it: open)
    expect(m.drift).toEqual({
      onsets: 2,
      restored: 1,
      open: 1,
      time: { n: 1, median: 4 * HOUR, p90: 4 * HOUR, min: 4 * HOUR, max: 4 * HOUR },
    });
    expect(report.retrainRuns).toBe(2);
  });

  it("the phase-revisit matrix", () => {
    const cells = Object.fromEntries(
      [...revisitMatrix(report.revisits)].map(([k, v]) => [
        k,
        { count: v.count, reasons: Object.fromEntries(v.reasons) },
      ]),
    );
    // gate failures on PRs #1 and #3 → experimentation; the retrain's gate failure → retraining; PR #1's
    // "changes requested" → experimentation itself; 104 and 107 rolled back → experimentation; drift at 144
    // followed by a retrain run (145) → retraining; drift at 200 with no retrain after it → experimentation.
    expect(cells).toEqual({
      "gate→experimentation": { count: 2, reasons: { "gate failure": 2 } },
      "gate→retraining": { count: 1, reasons: { "gate failure": 1 } },
      "experimentation→experimentation": { count: 1, reasons: { "reviewer rejection": 1 } },
      "production→experimentation": { count: 2, reasons: { rollback: 2 } },
      "monitoring→retraining": { count: 1, reasons: { drift: 1 } },
      "monitoring→experimentation": { count: 1, reasons: { drift: 1 } },
    });
  });

  it("week by week", () => {
    // week 1 = [0, 168 h): changes 102, 106, 107, 109 succeeded (104 failed; 104 and 107 failed changes),
    // rollbacks 105, 108; gates: all but e1 (209 h) → 9, of which 3 failed; drift onset 144; revisits: all
    // 8 but the drift at 200 → 7. Week 2 = [168, 336 h): e1, the drift onset at 200 and its revisit.
    expect(m.weekly).toEqual([
      {
        start: h(0),
        successfulChanges: 4,
        failedChanges: 2,
        rollbacks: 2,
        gateEvaluations: 9,
        gateFailures: 3,
        driftOnsets: 1,
        revisits: 7,
      },
      {
        start: h(168),
        successfulChanges: 0,
        failedChanges: 0,
        rollbacks: 0,
        gateEvaluations: 1,
        gateFailures: 0,
        driftOnsets: 1,
        revisits: 1,
      },
    ]);
    expect(renderInsightsMarkdown(report)).toContain("| 2026-11-08 | 0");
  });

  it("renders Markdown with a table and a Mermaid chart, HTML and JSON", () => {
    const markdown = renderInsightsMarkdown(report);
    expect(markdown).toContain("| Change failure rate");
    expect(markdown).toContain("40% (2 of 5)");
    expect(markdown).toContain("median 7.3 h, p90 23 h (n = 4)");
    expect(markdown).toContain("```mermaid\n");
    expect(markdown).toContain("xychart-beta");
    const html = renderInsightsHtml(report);
    expect(html).toContain('<pre class="mermaid">');
    expect(html).toContain("<td>40% (2 of 5)</td>");
    expect(JSON.parse(renderInsightsJson(report)).models[0].changeFailureRate.value).toBe(0.4);
  });
});

describe("small samples", () => {
  it("says no data, never 0 %, when nothing was deployed or gated", () => {
    const report = computeInsights({
      repository: "acme/empty",
      since: h(0),
      until: h(24),
      pulls: [],
      gates: [],
      versions: [],
      deployments: [],
      monitoring: [{ model: "quiet", at: h(1), datasetDrift: false }],
      retrains: [],
    });
    const m = report.models[0];
    expect(m?.changeFailureRate).toEqual({ numerator: 0, denominator: 0 });
    expect(m?.gate.passRate.value).toBeUndefined();
    const markdown = renderInsightsMarkdown(report);
    expect(markdown).toContain("no data (no production change deployed)");
    expect(markdown).toContain("no data (no gate evaluated)");
    expect(markdown).toContain("no data (no production deployment)");
    expect(markdown).not.toMatch(/\b0%/);
    expect(markdown).toContain("No phase sent work back");
    // 24 h of history: a count, not a weekly rate extrapolated from one day
    expect(m?.deployments.perWeek).toBeUndefined();
    expect(markdown).toContain(
      "no weekly rate: the window is 24 h, under a week (0 successful changes in it)",
    );
  });
});

describe("staging failures in the revisit matrix", () => {
  it("a failed staging deploy sends work back to experimentation: as a rollback when one followed", () => {
    const base = history();
    const events: InsightsEvents = {
      ...base,
      deployments: [
        ...base.deployments,
        // v2 failed in staging at 29.5 h and the deploy action rolled staging back to v1 …
        deployment(201, "2", "staging", 29, ["failure", 29.5]),
        deployment(202, "1", "staging", 29.6, ["success", 29.7], true),
        // … v4 failed in staging at 101 h with nothing rolled back
        deployment(203, "4", "staging", 100.8, ["error", 101]),
      ],
    };
    const staging = computeInsights(events).revisits.filter((r) => r.from === "staging");
    expect(staging.map((r) => [r.to, r.reason, r.at])).toEqual([
      ["experimentation", "rollback", h(29.5)],
      ["experimentation", "failed deploy", h(101)],
    ]);
  });
});

describe("registration in the revisit matrix", () => {
  it("a registration finished by a later attempt of its run, and a draft left by an ended run, send work back", () => {
    const base = history();
    const events: InsightsEvents = {
      ...base,
      versions: base.versions.map((v) =>
        v.version === "2"
          ? // v2's release was created at 27.9 h by attempt 1, which failed; attempt 2 started at 27.95 h and
            // published it at 28 h → registration → registration
            { ...v, createdAt: h(27.9), runAttempt: { number: 2, startedAt: h(27.95) } }
          : v.version === "3"
            ? // v3: registered in attempt 2 (attempt 1 failed before registering): created 50.9 > start 50.5
              { ...v, createdAt: h(50.9), runAttempt: { number: 2, startedAt: h(50.5) } }
            : v.version === "4"
              ? // v4: published at 99 h; its run was re-run afterwards (attempt 3 at 120 h): not a redo
                { ...v, createdAt: h(98.9), runAttempt: { number: 3, startedAt: h(120) } }
              : { ...v, createdAt: v.registeredAt, runAttempt: { number: 1, startedAt: v.registeredAt } },
      ),
      // a draft left by a run that failed at 60 h → registration → experimentation
      unfinishedRegistrations: [{ model: "churn", version: "7", createdAt: h(60), conclusion: "failure" }],
    };
    const report = computeInsights(events);
    const registration = report.revisits.filter((r) => r.from === "registration");
    expect(registration.map((r) => [r.to, r.reason, r.at, r.subject])).toEqual([
      [
        "registration",
        "registration failure",
        h(27.95),
        "v2 (left unfinished, finished by attempt 2 of its run)",
      ],
      [
        "experimentation",
        "registration failure",
        h(60),
        "v7 (draft release left by a run that ended failure)",
      ],
    ]);
    // 5 published versions + 1 unfinished registration
    expect(report.phaseActivity.registration).toBe(6);
    const markdown = renderInsightsMarkdown(report);
    expect(markdown).toMatch(/\| registration +\| 1 +\| · +\| 1 +\| · +\| · +\| · +\| · +\|/);
    expect(markdown).toContain("registration failure 1");
  });

  it("a history without registrations says no data in the registration row, not 0", () => {
    const base = history();
    const report = computeInsights({ ...base, versions: [] });
    expect(report.phaseActivity.registration).toBe(0);
    const markdown = renderInsightsMarkdown(report);
    expect(markdown).toMatch(
      /\| registration +\| no data +\| no data +\| no data +\| no data +\| no data +\| no data +\| no data +\|/,
    );
    expect(markdown).toContain("No data for registration: nothing happened there in this window.");
    // registrations without a redo: the row is observed, and it is zero (·)
    const clean = renderInsightsMarkdown(computeInsights(base));
    expect(clean).toMatch(/\| registration +\| · +\| · +\| · +\| · +\| · +\| · +\| · +\|/);
    expect(clean).not.toContain("No data for registration");
  });
});

describe("equal timestamps (GitHub's have second precision)", () => {
  it("a rollback that succeeded in the same second as the failure restores production in 0 s", () => {
    const base = history();
    const events: InsightsEvents = {
      ...base,
      // v2 fails at 30.5 h and the deploy action's rollback to v1 succeeds in that same second
      deployments: base.deployments.map((d) =>
        d.id === 105 ? deployment(105, "1", "production", 30.5, ["success", 30.5], true) : d,
      ),
    };
    const m = computeInsights(events).models[0];
    // failed changes: 104 (restored by 105 at once) and 107 (rolled back by hand: 110.5 − 100.5 = 10 h)
    expect(m?.timeToRestore.open).toBe(0);
    expect(m?.timeToRestore.n).toBe(2);
    expect(m?.timeToRestore.min).toBe(0);
    expect(m?.timeToRestore.max).toBe(10 * HOUR);
  });
});

describe("failed rules in a gate report", () => {
  it("reads back the rules renderGateReport lists as failed", () => {
    const rules = ["accuracy >= 0.9", "latency_ms <= 50", "f1 >= 0.5"].map((text) => ({
      rule: parseRule(text),
      text,
      source: "config" as const,
    }));
    const run = runGate({ rules, head: { accuracy: 0.8, latency_ms: 70, f1: 0.9 } });
    const summary = renderGateReport({
      model: "churn",
      run,
      head: { accuracy: 0.8, latency_ms: 70, f1: 0.9 },
    });
    expect(failedRulesInReport(summary)).toEqual(["accuracy >= 0.9", "latency_ms <= 50"]);
    expect(failedRulesInReport("✅ churn: gate passed")).toEqual([]);
  });
});

describe("the end of an unbounded window", () => {
  it("is the newest event when GitHub's clock is ahead of the reader's, so the last deployment counts", () => {
    const events = history();
    // The reader's clock says 9 h, but PR #1's production deployment succeeded at 9.5 h on GitHub's clock.
    const { since: _since, until: _until, repository: _repository, ...rest } = events;
    const first = { ...rest, pulls: rest.pulls.filter((p) => p.number === 1) };
    const by = (at: string) => Date.parse(at) <= T0 + 9.5 * 3_600_000;
    const read = {
      ...first,
      gates: first.gates.filter((g) => by(g.at)),
      versions: first.versions.filter((v) => by(v.registeredAt)),
      deployments: first.deployments.filter((d) => by(d.createdAt)),
      monitoring: [],
      retrains: [],
    };
    const lagging = h(9);
    expect(windowEnd(read, lagging)).toBe(h(9.5));
    const bounded = (until: string) =>
      computeInsights({ repository: "o/r", until, ...read }).models[0]?.leadTime.rows.map((r) => r.pr);
    expect(bounded(lagging)).toEqual([]); // the reader's clock alone leaves the deployment out
    expect(bounded(windowEnd(read, lagging))).toEqual([1]);
    // A reader ahead of GitHub keeps its own clock.
    expect(windowEnd(read, h(300))).toBe(h(300));
  });
});
