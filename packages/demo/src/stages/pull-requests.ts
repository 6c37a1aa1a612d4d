/** Stages 1 and 2: a pull request with a better model, then one with a worse model and its re-run. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { findModel, formatRule, loadConfig, parseRule } from "@mlops/core";
import { openPullRequest, type PullRequestInfo, pullRequestPayload } from "@mlops/local-github";
import { DEMO_LOGIN } from "../api-calls.js";
import { check, type DemoContext, runExampleWorkflow } from "../context.js";
import type { WorkingCopy } from "../working-copy.js";
import { type CheckRun, type Comment, checkRuns, issueComments } from "./queries.js";
import type { Stage } from "./stage.js";

/** The demo's two pull requests: branch and title. */
export const PULL_REQUESTS = {
  better: { branch: "bigger-forest", title: "Train a bigger, deeper forest" },
  worse: { branch: "cheap-features", title: "Use five cheap features" },
} as const;

async function openVariantPullRequest(
  ctx: DemoContext,
  variant: "better" | "worse",
): Promise<{ pr: PullRequestInfo; copy: WorkingCopy }> {
  const { example } = ctx;
  const { branch, title } = PULL_REQUESTS[variant];
  const changes = {
    [example.paramsFile]: readFileSync(join(example.dir, example.variants[variant]), "utf8"),
  };
  const copy = ctx.copies.create(`pr-${variant}`, changes);
  const pr = await openPullRequest(ctx.rest, branch, title, changes, {
    body: `Demo pull request: ${title}.`,
  });
  ctx.log.step(
    `opened PR #${pr.number} "${title}" (${example.variants[variant]} → ${example.paramsFile}, head ${pr.headSha.slice(0, 7)})`,
  );
  return { pr, copy };
}

/** The gate's comments on the pull request (every comment here comes from the workflows). */
async function gateComments(ctx: DemoContext, stage: string, pr: PullRequestInfo): Promise<Comment[]> {
  const comments = await issueComments(ctx.rest, pr.number);
  check(
    stage,
    comments.length === 1,
    `PR #${pr.number} has ${comments.length} comments from the PR check; expected one sticky comment`,
  );
  return comments;
}

async function gateChecks(ctx: DemoContext, stage: string, pr: PullRequestInfo): Promise<CheckRun[]> {
  const runs = await checkRuns(ctx.rest, pr.headSha);
  check(stage, runs.length > 0, `no check run on PR #${pr.number}'s head ${pr.headSha.slice(0, 7)}`);
  return runs;
}

export const betterPullRequestStage: Stage = {
  id: "better-pr",
  title: "pull request with a better model → the gate passes",
  needs: ["setup"],
  async run(ctx) {
    const stage = this.id;
    const opened = await openVariantPullRequest(ctx, "better");
    ctx.state.better = opened;
    const result = await runExampleWorkflow(ctx, {
      workflow: ctx.example.workflows.prCheck,
      copy: opened.copy,
      event: "pull_request",
      payload: pullRequestPayload(ctx.example.repository, ctx.rest.baseUrl, opened.pr, "opened", DEMO_LOGIN),
    });
    check(
      stage,
      result.conclusion === "success",
      `the PR check ended "${result.conclusion}", expected success`,
    );
    const [comment] = await gateComments(ctx, stage, opened.pr);
    const runs = await gateChecks(ctx, stage, opened.pr);
    const failed = runs.filter((run) => run.conclusion !== "success" && run.conclusion !== "neutral");
    check(
      stage,
      failed.length === 0,
      `check runs not green on PR #${opened.pr.number}: ${failed.map((r) => `${r.name}=${r.conclusion}`).join(", ")}`,
    );
    return `PR #${opened.pr.number}: gate passed, 1 sticky comment (${comment?.body.length} chars), check ${runs.map((r) => `"${r.name}" ${r.conclusion}`).join(", ")}`;
  },
};

/** The gate rules of the example's mlops.yml, in the canonical form the report prints. */
function configuredRules(ctx: DemoContext): string[] {
  const config = loadConfig(join(ctx.example.dir, "mlops.yml"));
  const rules = findModel(config, ctx.example.model).gate?.rules ?? [];
  return rules.flatMap((text) => [text, formatRule(parseRule(text))]);
}

export const worsePullRequestStage: Stage = {
  id: "worse-pr",
  title: "pull request with a worse model → the gate fails; a re-run updates the same comment",
  needs: ["setup"],
  async run(ctx) {
    const stage = this.id;
    const opened = await openVariantPullRequest(ctx, "worse");
    ctx.state.worse = opened;
    const workflow = ctx.example.workflows.prCheck;
    const payload = pullRequestPayload(
      ctx.example.repository,
      ctx.rest.baseUrl,
      opened.pr,
      "opened",
      DEMO_LOGIN,
    );
    const first = await runExampleWorkflow(ctx, {
      workflow,
      copy: opened.copy,
      event: "pull_request",
      payload,
    });
    check(
      stage,
      first.conclusion === "failure",
      `the PR check ended "${first.conclusion}", expected failure`,
    );
    const [comment] = await gateComments(ctx, stage, opened.pr);
    const runs = await gateChecks(ctx, stage, opened.pr);
    check(
      stage,
      runs.some((run) => run.conclusion === "failure"),
      `no failing check run on PR #${opened.pr.number} (${runs.map((r) => `${r.name}=${r.conclusion}`).join(", ")})`,
    );
    const reported = [
      comment?.body ?? "",
      ...runs.map((run) => `${run.output.title ?? ""}\n${run.output.summary ?? ""}`),
    ].join("\n");
    const failedLines = reported.split("\n").filter((line) => /fail|❌|✗/i.test(line));
    const named = [...new Set(configuredRules(ctx))].filter((rule) =>
      failedLines.some((line) => line.includes(rule)),
    );
    check(
      stage,
      named.length > 0,
      "neither the comment nor the check run names a gate rule of mlops.yml as failed",
    );
    ctx.log.step(`gate failed; the report names the failed ${named.map((r) => `\`${r}\``).join(", ")}`);

    check(stage, first.runId !== undefined, "the runner did not register the run in the emulator (no runId)");
    const rerun = await runExampleWorkflow(ctx, {
      workflow,
      copy: opened.copy,
      event: "pull_request",
      payload,
      rerunOf: first.runId,
    });
    check(
      stage,
      rerun.runId === first.runId,
      `the re-run got run id ${rerun.runId}, expected ${first.runId}`,
    );
    check(stage, (rerun.runAttempt ?? 1) >= 2, `the re-run is attempt ${rerun.runAttempt}, expected 2`);
    check(stage, rerun.conclusion === "failure", `the re-run ended "${rerun.conclusion}", expected failure`);
    const [updated] = await gateComments(ctx, stage, opened.pr);
    check(stage, updated?.id === comment?.id, `the re-run wrote comment ${updated?.id}, not ${comment?.id}`);
    check(stage, updated !== undefined && comment !== undefined, "the sticky comment disappeared");
    // The gate skips a write whose body would not change (same metrics to the printed precision).
    const edited = updated.updated_at > comment.updated_at;
    check(
      stage,
      edited || updated.body === comment.body,
      `the re-run changed comment ${comment.id}'s body without updating it`,
    );
    return `PR #${opened.pr.number}: gate failed naming ${named.join(", ")}; re-run (attempt ${rerun.runAttempt}) ${
      edited ? "updated" : "kept (same report)"
    } comment ${comment.id}`;
  },
};
