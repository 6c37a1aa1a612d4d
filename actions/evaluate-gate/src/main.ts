import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ActionDeps,
  type ActionRuntime,
  locateGateCandidate,
  type PlottedCandidate,
  readGateSweep,
  reportWorkflowFile,
  requireRepository,
  resolveFiles,
  startAction,
  sweepCellPlotted,
  triggeringRun,
  uploadBestCell,
} from "@mlops/action-kit";
import {
  attemptArtifactName,
  decideFromSetup,
  GateFailed,
  gateBaselineMode,
  JOB_SUMMARY_BUDGET,
  prepareGate,
  trainArtifactBase,
} from "@mlops/core";
import {
  type GitHubClient,
  gateIdentity,
  gateImagesReadOnly,
  gateReportPlots,
  gateTarget,
  githubClientFactory,
  publishGate,
  resolveBaseline,
} from "@mlops/github";
import { inputSchema } from "./inputs.js";

export type GateDeps = ActionDeps<GitHubClient>;

/**
 * Compares the candidate's metrics with a baseline, evaluates the gate rules, and reports: one sticky
 * PR comment, a check run (or commit status), the job summary and a report artifact. A fork PR or a
 * read-only token gets the report in the summary and the artifact, with a notice, and no crash.
 */
export async function main(runtime: ActionRuntime, given: Partial<GateDeps> = {}): Promise<void> {
  const { deps, inputs, context } = startAction(
    runtime,
    inputSchema,
    given,
    githubClientFactory(runtime.log),
  );
  requireRepository(context);
  const { log } = runtime;

  // Everything local first: a mistake in the config, the rules or the metrics fails before any request
  // (but the download of the candidate, when no `metrics` are given).
  const { metricsPath, sweepFolder } = await locateGateCandidate({
    inputs: {
      metrics: inputs.metrics,
      sweep: inputs.sweep,
      config: inputs.config,
      modelName: inputs["model-name"],
      artifactName: inputs["artifact-name"],
    },
    cwd: deps.cwd,
    artifacts: deps.artifacts,
    runAttempt: context.runAttempt,
    log,
  });
  const setup = prepareGate({
    cwd: deps.cwd,
    config: inputs.config,
    metricsPath,
    sweep: inputs.sweep !== undefined,
    modelName: inputs["model-name"],
    artifactName: inputs["artifact-name"],
    rules: inputs.rules,
    perExample: inputs["per-example"],
    log,
  });
  const { candidate, config, model } = setup;
  const artifactBase = trainArtifactBase(model, inputs["artifact-name"]);
  const sweep =
    inputs.sweep !== undefined
      ? await readGateSweep({
          matrixText: inputs.sweep,
          sweepFolder,
          artifacts: deps.artifacts,
          base: artifactBase,
          runAttempt: context.runAttempt,
          // every cell's per-example file is found (the best cell's plots); read only for `significant` rules
          perExample: setup.configuredPerExample,
          readPerExample: setup.significant,
          log,
        })
      : undefined;

  let clientInstance: GitHubClient | undefined;
  const client = () => {
    clientInstance ??= deps.createClient({ token: inputs["github-token"], apiUrl: context.apiUrl });
    return clientInstance;
  };
  const workflowFile = reportWorkflowFile(context);
  const target = await gateTarget(
    client,
    context,
    { trigger: triggeringRun(context), pullRequest: inputs["pull-request"], headSha: inputs["head-sha"] },
    log,
  );
  const tempDir = await mkdtemp(join(deps.env.RUNNER_TEMP ?? tmpdir(), `mlops-gate-${model}-`));
  const baselineMode = gateBaselineMode(inputs.baseline, setup);
  const baseline = await log.group(`Baseline (${baselineMode})`, () =>
    resolveBaseline({
      mode: baselineMode,
      model,
      owner: context.owner,
      repo: context.repo,
      token: inputs["github-token"],
      baseBranch: target.baseBranch,
      workflowFile,
      artifactName: artifactBase,
      perExample: setup.configuredPerExample,
      cwd: deps.cwd,
      tempDir,
      client,
      artifacts: deps.artifacts,
      log,
    }),
  );
  log.info(baseline ? `Baseline: ${baseline.source}` : "Baseline: none (first model)");

  // The report's plots (prediction plots, trend, `plots:`) of one candidate: the gated one, or a sweep's best cell.
  const plotsOf = (plotted: PlottedCandidate) =>
    gateReportPlots({
      model,
      config: config.model,
      candidate: plotted,
      baseline,
      specs: config.specs,
      ruleMetrics: setup.rules.map((r) => r.rule.metric),
      owner: context.owner,
      repo: context.repo,
      serverUrl: context.serverUrl,
      pullRequest: target.pr?.number,
      runId: context.runId,
      runAttempt: context.runAttempt,
      branch: inputs["plots-branch"],
      ...gateImagesReadOnly(context),
      client,
      resolveFiles: (pattern, dir) => resolveFiles([pattern], dir, "plots"),
      log,
    });
  const plots = candidate
    ? await plotsOf({ ...candidate, perExample: setup.candidatePerExample })
    : undefined;
  let evaluation = decideFromSetup(setup, {
    baseline,
    onSkipped: inputs["on-skipped"],
    identity: gateIdentity(context, target.headSha),
    ...(sweep ? { sweep } : {}),
    ...(plots ? { plots } : {}),
    log,
  });
  // A sweep: the best cell's plots, in its gate report (known once the cells are ranked).
  const best = sweep && sweepCellPlotted(sweep, evaluation.bestCellId);
  const bestPlots = best && evaluation.withBestCellPlots ? await plotsOf(best) : undefined;
  if (bestPlots && evaluation.withBestCellPlots) evaluation = evaluation.withBestCellPlots(bestPlots);

  const { files, reportArtifact, commentUrl, unposted } = await publishGate(
    client,
    {
      context,
      model,
      evaluation,
      baselineSource: baseline?.source,
      target,
      workflowFile,
      comment: inputs.comment,
      check: inputs.check,
      commentAuthor: inputs["comment-author"],
      tempDir,
    },
    log,
  );
  try {
    await deps.artifacts.upload(reportArtifact, [files.report, files.gateJson], files.dir);
  } catch (error) {
    log.warning(`Could not upload the report artifact ${reportArtifact}: ${(error as Error).message}`);
  }
  if (sweep && evaluation.bestCellId && !sweep.fromFolder)
    await uploadBestCell({
      sweep,
      bestCellId: evaluation.bestCellId,
      artifacts: deps.artifacts,
      name: attemptArtifactName(artifactBase, context.runAttempt),
      log,
    });
  if (unposted.length > 0) await runtime.appendSummary(unposted.map((line) => `> ⚠️ ${line}\n`).join(""));
  await runtime.appendSummary(evaluation.render({ budget: JOB_SUMMARY_BUDGET }));

  runtime.setOutput("passed", evaluation.passed ? "true" : "false");
  runtime.setOutput("report", files.report);
  runtime.setOutput("failed-rules", evaluation.failedRules);
  runtime.setOutput("baseline-source", baseline?.source ?? "none");
  runtime.setOutput("comment-url", commentUrl);
  runtime.setOutput("best-cell", evaluation.bestCell ?? "");
  // A sweep that ranked nothing checked nothing: it fails whatever `fail-on-regression` says.
  if (evaluation.broken) throw new GateFailed(evaluation.broken);
  if (!evaluation.passed) {
    if (inputs["fail-on-regression"]) throw new GateFailed(evaluation.failure);
    log.warning(`${evaluation.failure} (not failing the step: fail-on-regression is false)`);
  }
}
