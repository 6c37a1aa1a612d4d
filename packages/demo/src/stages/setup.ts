/** Stage 0: the example repository in the emulator, and a PR-check run on main as the PRs' baseline. */

import { newestAttemptArtifact, trainArtifactBase } from "@mlops/core";
import { branchSha, commitFiles, pushPayload } from "@mlops/local-github";
import { DEMO_LOGIN } from "../api-calls.js";
import { check, runExampleWorkflow } from "../context.js";
import { repositoryFiles } from "../working-copy.js";
import type { Stage } from "./stage.js";

export const setupStage: Stage = {
  id: "setup",
  title: "set up the repository and a baseline run of the PR check on main",
  needs: [],
  async run(ctx) {
    const { rest, example } = ctx;
    const copy = ctx.copies.create("main");
    const files = repositoryFiles(copy.dir);
    const before = await branchSha(rest, "main");
    const sha = await commitFiles(rest, "main", `Add the ${example.model} model`, files);
    ctx.log.step(
      `committed ${Object.keys(files).length} files of examples/${example.model} on main (${sha.slice(0, 7)})`,
    );
    const maintainer = await rest.get<{ id: number; login: string }>("/user");
    await rest.send("PUT", rest.repo("/environments/staging"), {});
    await rest.send("PUT", rest.repo("/environments/production"), {
      reviewers: [{ type: "User", id: maintainer.id }],
    });
    ctx.log.step(`created the environments staging and production (required reviewer: ${maintainer.login})`);
    ctx.state.mainSha = sha;
    ctx.state.baseline = copy;

    const result = await runExampleWorkflow(ctx, {
      workflow: example.workflows.prCheck,
      copy,
      event: "push",
      payload: pushPayload(example.repository, rest.baseUrl, "main", before, sha, DEMO_LOGIN),
    });
    check(
      "setup",
      result.conclusion !== "skipped",
      `${example.workflows.prCheck} does not run on a push to main, so pull requests get no base-branch baseline`,
    );
    check("setup", result.conclusion === "success", `the PR check on main ended "${result.conclusion}"`);
    const runs = await rest.get<{ total_count: number; workflow_runs: { id: number; head_sha: string }[] }>(
      rest.repo(`/actions/runs?branch=main&event=push&status=success`),
    );
    check(
      "setup",
      runs.workflow_runs.some((run) => run.head_sha === sha),
      `GET /actions/runs lists no successful push run on main for ${sha.slice(0, 7)}`,
    );
    const artifacts = await rest.get<{ artifacts: { name: string }[] }>(
      rest.repo(`/actions/runs/${result.runId}/artifacts`),
    );
    const base = trainArtifactBase(example.model);
    check(
      "setup",
      newestAttemptArtifact(
        artifacts.artifacts.map((artifact) => artifact.name),
        base,
      ) !== undefined,
      `run ${result.runId} holds no artifact ${base} (it has: ${artifacts.artifacts.map((a) => a.name).join(", ") || "none"})`,
    );
    return `main at ${sha.slice(0, 7)}; baseline run ${result.runId} succeeded with artifact ${base}`;
  },
};
