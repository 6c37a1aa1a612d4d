/** Stage 3: merge the better pull request → release: train, register v1, deploy staging, then production. */

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { approveWhenWaiting, branchSha, mergePullRequest, pushPayload } from "@mlops/local-github";
import { DEMO_LOGIN } from "../api-calls.js";
import { check, type DemoContext, runExampleWorkflow } from "../context.js";
import { modelRefs } from "./queries.js";
import type { Stage } from "./stage.js";

async function latestDeployment(ctx: DemoContext, environment: string) {
  const { rest } = ctx;
  const deployments = await rest.get<{ id: number; ref: string }[]>(
    rest.repo(`/deployments?environment=${encodeURIComponent(environment)}`),
  );
  const newest = deployments[0];
  check("release", newest, `no deployment to ${environment}`);
  const statuses = await rest.get<{ state: string }[]>(rest.repo(`/deployments/${newest.id}/statuses`));
  return { ...newest, state: statuses[0]?.state ?? "none" };
}

/**
 * `mlops registry history MODEL --alias production`, run as a user runs it (the CLI in its own process, a
 * read-only token of the maintainer): the audit trail of who moved @production and who approved it.
 */
async function registryHistory(ctx: DemoContext, format: "table" | "json"): Promise<string> {
  const token = ctx.emulator.createToken(
    { contents: "read", deployments: "read", actions: "read" },
    DEMO_LOGIN,
  );
  const cli = join(ctx.toolkitRoot, "packages", "cli", "bin", "mlops.mjs");
  const args = ["registry", "history", ctx.example.model, "--alias", "production", "--format", format];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli, ...args, "--repo", ctx.example.repository, "--api-url", ctx.emulator.url],
    { env: { ...process.env, GITHUB_TOKEN: token }, maxBuffer: 4 * 1024 * 1024 },
  );
  return stdout;
}

export const releaseStage: Stage = {
  id: "release",
  title: "merge the better pull request → train, register v1, deploy staging and production",
  needs: ["better-pr"],
  async run(ctx) {
    const stage = this.id;
    const { rest, example } = ctx;
    const better = ctx.state.better;
    check(stage, better, "the better pull request was not opened");
    const before = await branchSha(rest, "main");
    const merge = await mergePullRequest(rest, better.pr);
    check(
      stage,
      merge.merged && merge.state === "closed" && merge.mergeCommitSha === merge.sha,
      `PR #${better.pr.number} does not show merged (state ${merge.state}, merged ${merge.merged}, merge_commit_sha ${merge.mergeCommitSha})`,
    );
    const after = await branchSha(rest, "main");
    check(
      stage,
      after === merge.sha,
      `main is at ${after.slice(0, 7)}, not at the merge ${merge.sha.slice(0, 7)}`,
    );
    ctx.log.step(
      `merged PR #${better.pr.number} into main with PUT /pulls/${better.pr.number}/merge (${merge.sha.slice(0, 7)})`,
    );
    const copy = ctx.copies.create("main-merged", better.copy.changes);
    ctx.state.merged = { sha: merge.sha, copy };

    // The production job waits for its required reviewer: approve it over REST while the run is in flight.
    let finished = false;
    const approval = approveWhenWaiting(rest, {
      workflow: example.workflows.release,
      headSha: merge.sha,
      environment: "production",
      comment: `Ship ${example.model} v1`,
      finished: () => finished,
    }).catch((error: unknown) => error as Error); // settled here; reported after the run

    const result = await runExampleWorkflow(ctx, {
      workflow: example.workflows.release,
      copy,
      event: "push",
      payload: pushPayload(example.repository, rest.baseUrl, "main", before, merge.sha, DEMO_LOGIN),
    }).finally(() => {
      finished = true;
    });
    const given = await approval;
    if (given instanceof Error) throw given;
    check(stage, given, `the release run ${result.runId} never waited for a review of production`);
    check(stage, result.conclusion === "success", `the release workflow ended "${result.conclusion}"`);
    const approvals = await rest.get<
      { state: string; user: { login: string }; environments: { name: string }[] }[]
    >(rest.repo(`/actions/runs/${given.runId}/approvals`));
    check(
      stage,
      approvals.some(
        (a) =>
          a.state === "approved" &&
          a.user.login === DEMO_LOGIN &&
          a.environments.some((e) => e.name === "production"),
      ),
      `run ${given.runId} records no approval of production by ${DEMO_LOGIN}`,
    );
    ctx.log.step(`${DEMO_LOGIN} approved the waiting production deployment of run ${given.runId}`);

    const tag = `${example.model}/v1`;
    const release = await rest.get<{ body: string | null; assets: { name: string }[] }>(
      rest.repo(`/releases/tags/${encodeURIComponent(tag)}`),
    );
    check(stage, (release.body ?? "").length > 0, `release ${tag} has an empty body (no model card)`);
    check(
      stage,
      release.assets.some((asset) => asset.name === "model.json"),
      `release ${tag} has no model.json asset (assets: ${release.assets.map((a) => a.name).join(", ")})`,
    );
    ctx.log.step(
      `release ${tag}: model card of ${release.body?.length} chars, ${release.assets.length} assets`,
    );

    const refs = await modelRefs(rest, example.model);
    check(stage, refs.versions.get("1"), `no tag ${tag}`);
    for (const environment of ["staging", "production"]) {
      check(
        stage,
        refs.aliases.get(environment) === refs.versions.get("1"),
        `alias @${environment} does not point at v1 (refs: ${refs.refs.join(", ")})`,
      );
      const deployment = await latestDeployment(ctx, environment);
      check(
        stage,
        deployment.state === "success",
        `the newest deployment to ${environment} is "${deployment.state}", expected success`,
      );
      ctx.log.step(
        `deployment ${deployment.id} to ${environment}: ${deployment.state} (ref ${deployment.ref})`,
      );
    }

    // The audit trail: who moved @production, and who approved it.
    const history = JSON.parse(await registryHistory(ctx, "json")) as {
      moves: { version: string; triggeredBy: string | null; approvals: { user: string; state: string }[] }[];
    };
    const move = history.moves.at(-1);
    check(
      stage,
      move?.version === "1" && move.approvals.some((a) => a.user === DEMO_LOGIN && a.state === "approved"),
      `mlops registry history shows no move of @production to v1 approved by ${DEMO_LOGIN}: ${JSON.stringify(history.moves)}`,
    );
    ctx.log.step(`mlops registry history ${example.model} --alias production:`);
    for (const line of (await registryHistory(ctx, "table")).trimEnd().split("\n")) ctx.log.step(`  ${line}`);
    return `registered ${tag}; production approved by ${DEMO_LOGIN}; @staging and @production → v1; both deployments succeeded; registry history names the approver`;
  },
};
