/**
 * Last stage: `mlops insights` on the demo's own history — what the monthly `mlops-insights.yml` does: read
 * the history with a counted number of API calls, compute the delivery metrics, gate statistics and phase
 * revisits, and keep the one "MLOps insights" issue updated (shown on the demo's page, charts drawn).
 */
import { computeInsights, renderInsightsMarkdown } from "@mlops/core";
import { collectInsightsEvents, createGitHubClient, upsertInsightsIssue } from "@mlops/github";
import { DEMO_LOGIN } from "../api-calls.js";
import { check } from "../context.js";
import type { Stage } from "./stage.js";

export const insightsStage: Stage = {
  id: "insights",
  title: "mlops insights on the demo's own history → delivery metrics, gate statistics, phase revisits",
  needs: ["setup"],
  async run(ctx) {
    const stage = this.id;
    const { example, emulator } = ctx;
    const [owner, repo] = example.repository.split("/") as [string, string];
    // The maintainer runs it (the monthly workflow's token: read everything, write only issues).
    const token = emulator.createToken(
      {
        contents: "read",
        pull_requests: "read",
        actions: "read",
        checks: "read",
        deployments: "read",
        issues: "write",
      },
      DEMO_LOGIN,
    );
    const client = createGitHubClient({ token, apiUrl: emulator.url });
    const before = emulator.requestLog.length;
    const { events, apiCalls } = await collectInsightsEvents(client, {
      owner,
      repo,
      log: { debug() {}, info: (m) => ctx.log.step(m), warning: (m) => ctx.log.step(`warning: ${m}`) },
    });
    // Requests answered with an injected fault were retried: only the answered ones count.
    const served = emulator.requestLog.slice(before).filter((entry) => entry.fault === undefined).length;
    check(
      stage,
      served === apiCalls.made,
      `insights stated ${apiCalls.made} API calls, the emulator served ${served}`,
    );
    const report = { ...computeInsights(events), apiCalls };
    const m = report.models.find((x) => x.model === example.model);
    check(
      stage,
      m,
      `no insights for ${example.model} (models: ${report.models.map((x) => x.model).join(", ")})`,
    );

    const worse = ctx.state.worse?.pr.number;
    if (worse !== undefined) {
      check(
        stage,
        m.gate.passRate.denominator > m.gate.passRate.numerator,
        `the worse PR's failed gate is not counted (pass rate ${m.gate.passRate.numerator}/${m.gate.passRate.denominator})`,
      );
      check(stage, m.gate.reruns >= 1, "the worse PR's re-run is not counted");
      check(
        stage,
        report.revisits.some(
          (r) => r.from === "gate" && r.to === "experimentation" && r.subject.includes(`#${worse}`),
        ),
        `no gate → experimentation revisit for PR #${worse}`,
      );
    }
    const better = ctx.state.better?.pr.number;
    if (ctx.state.merged && better !== undefined) {
      check(
        stage,
        m.leadTime.rows.some((row) => row.pr === better),
        `no lead time for the merged PR #${better}`,
      );
      check(stage, m.deployments.successfulChanges >= 1, "the production deployment is not counted");
    }

    const markdown = renderInsightsMarkdown(report);
    const issue = await upsertInsightsIssue(client, { owner, repo, markdown });
    const lead =
      m.leadTime.total.n > 0 ? `lead time ${Math.round(m.leadTime.total.median ?? 0)} s` : "no lead time";
    const gate =
      m.gate.passRate.value === undefined
        ? "no gate"
        : `gate pass rate ${Math.round(m.gate.passRate.value * 100)}%`;
    ctx.log.step(
      `${lead}; ${m.deployments.successfulChanges} production change(s), change failure rate ${m.changeFailureRate.numerator}/${m.changeFailureRate.denominator}; ${gate}; ${report.revisits.length} phase revisit(s)`,
    );
    return `insights issue #${issue.issueNumber} ${issue.action}: ${lead}, ${gate}, ${report.revisits.length} phase revisits, read with ${apiCalls.made} API calls`;
  },
};
