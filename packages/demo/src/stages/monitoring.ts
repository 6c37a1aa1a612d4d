/** Stage 4: scheduled monitoring on drifted production data → a monitoring issue, updated by a second run. */

import { schedulePayload } from "@mlops/local-github";
import { check, type DemoContext, runExampleWorkflow } from "../context.js";
import { type Issue, issues } from "./queries.js";
import type { Stage } from "./stage.js";

async function monitoringIssue(ctx: DemoContext): Promise<Issue> {
  const found = await issues(ctx.rest);
  check(
    "monitoring",
    found.length === 1,
    `${found.length} issues in the repository; expected one monitoring issue`,
  );
  return found[0] as Issue;
}

export const monitoringStage: Stage = {
  id: "monitoring",
  title: "scheduled monitoring on drifted data → monitoring issue with charts, updated by a second run",
  needs: ["setup"],
  async run(ctx) {
    const stage = this.id;
    const { example, rest } = ctx;
    const copy = ctx.state.merged?.copy ?? ctx.state.baseline ?? ctx.copies.create("main-monitor");
    const payload = schedulePayload(example.repository, rest.baseUrl, "17 6 * * *");
    const workflow = example.workflows.monitor;

    const first = await runExampleWorkflow(ctx, { workflow, copy, event: "schedule", payload });
    check(stage, first.conclusion === "success", `the monitoring run ended "${first.conclusion}"`);
    const issue = await monitoringIssue(ctx);
    check(stage, issue.state === "open", `monitoring issue #${issue.number} is ${issue.state}`);
    check(
      stage,
      (issue.body ?? "").includes("```mermaid"),
      `monitoring issue #${issue.number} has no Mermaid chart`,
    );
    ctx.log.step(`monitoring issue #${issue.number} "${issue.title}" (${issue.comments} comments)`);

    const second = await runExampleWorkflow(ctx, { workflow, copy, event: "schedule", payload });
    check(stage, second.conclusion === "success", `the second monitoring run ended "${second.conclusion}"`);
    const updated = await monitoringIssue(ctx);
    check(stage, updated.number === issue.number, `the second run opened issue #${updated.number}`);
    check(
      stage,
      updated.updated_at > issue.updated_at || updated.comments > issue.comments,
      `the second run did not update monitoring issue #${issue.number}`,
    );
    return `monitoring issue #${issue.number} with charts; the second run updated it (${updated.comments} comments)`;
  },
};
