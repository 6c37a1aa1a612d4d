import { existsSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
  type ActionDeps,
  type ActionRuntime,
  downloadCandidateArtifact,
  folderArtifactStore,
  loadSweepCells,
  reportWorkflowFile,
  requireRepository,
  resolveFiles,
  startAction,
  triggeringRun,
  uploadBestCell,
} from "@mlops/action-kit";
import {
  attemptArtifactName,
  CHECK_OUTPUT_BUDGET,
  decideFromSetup,
  type GateDecision,
  GateFailed,
  type GateReportInput,
  gateReportArtifactBase,
  InputError,
  JOB_SUMMARY_BUDGET,
  type MetricValues,
  prepareGate,
  readModelConfig,
  trainArtifactBase,
  writeGateReportFiles,
} from "@mlops/core";
import {
  type Baseline,
  type GitHubClient,
  gateCommentKey,
  gateReportPlots,
  githubClientFactory,
  publishGateDecision,
  reportPullRequest,
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

  // Everything local first: a mistake in the config, the rules or the metrics fails before any request
  // (but the download of the candidate, when no `metrics` are given).
  const sweepMatrix = inputs.sweep;
  // A sweep's cells: this run's train artifacts, or (`metrics` given) a folder of downloaded ones.
  const sweepFolder =
    sweepMatrix !== undefined && inputs.metrics !== undefined ? resolve(deps.cwd, inputs.metrics) : undefined;
  if (sweepFolder !== undefined && !(existsSync(sweepFolder) && statSync(sweepFolder).isDirectory()))
    throw new InputError(
      `metrics: with 'sweep', expected a folder of downloaded train artifacts (<artifact-name>-cell-<id>/run.json), got ${inputs.metrics}`,
    );
  const metricsPath =
    sweepMatrix !== undefined
      ? undefined
      : inputs.metrics !== undefined
        ? resolve(deps.cwd, inputs.metrics)
        : await downloadCandidateArtifact({
            artifacts: deps.artifacts,
            model:
              inputs["model-name"] ??
              readModelConfig(resolve(deps.cwd, inputs.config), inputs.config, undefined).model?.name,
            configFile: inputs.config,
            artifactName: inputs["artifact-name"],
            runAttempt: context.runAttempt,
            log: runtime.log,
          });
  const setup = prepareGate({
    cwd: deps.cwd,
    config: inputs.config,
    metricsPath,
    sweep: sweepMatrix !== undefined,
    modelName: inputs["model-name"],
    artifactName: inputs["artifact-name"],
    rules: inputs.rules,
    perExample: inputs["per-example"],
    log: runtime.log,
  });
  const { candidate, config, model, rules, significant, configuredPerExample, candidatePerExample } = setup;
  const artifactBase = trainArtifactBase(model, inputs["artifact-name"]);
  if (sweepMatrix !== undefined && sweepFolder === undefined && deps.artifacts.unavailable)
    throw new InputError(`sweep: the cells' train artifacts cannot be read: ${deps.artifacts.unavailable}`);
  const folder = sweepFolder !== undefined ? folderArtifactStore(sweepFolder) : undefined;
  const sweep =
    sweepMatrix !== undefined
      ? await runtime.log.group("Sweep cells", () =>
          loadSweepCells({
            matrixText: sweepMatrix,
            artifacts: folder?.store ?? deps.artifacts,
            base: artifactBase,
            runAttempt: folder?.newestAttempt ?? context.runAttempt,
            // every cell's per-example file is found (the best cell's plots); read only for `significant` rules
            perExample: configuredPerExample,
            readPerExample: significant,
            log: runtime.log,
          }),
        )
      : undefined;

  let clientInstance: GitHubClient | undefined;
  const client = () => {
    clientInstance ??= deps.createClient({ token: inputs["github-token"], apiUrl: context.apiUrl });
    return clientInstance;
  };
  const trigger = triggeringRun(context);
  const { pr, skip } = await reportPullRequest(
    client,
    {
      owner: context.owner,
      repo: context.repo,
      repository: context.repository,
      ...(context.pullRequest ? { eventPullRequest: context.pullRequest } : {}),
      ...(trigger ? { trigger } : {}),
      ...(inputs["pull-request"] !== undefined ? { number: inputs["pull-request"] } : {}),
      ...(inputs["head-sha"] !== undefined ? { headSha: inputs["head-sha"] } : {}),
    },
    runtime.log,
  );
  // The evaluated commit: in a companion, the triggering run's head (not this run's default-branch sha).
  const headSha = inputs["head-sha"] ?? trigger?.headSha ?? pr?.headSha ?? context.sha;
  const tempDir = await mkdtemp(join(deps.env.RUNNER_TEMP ?? tmpdir(), `mlops-gate-${model}-`));

  const baselineMode =
    inputs.baseline === "auto" ? (config.model?.gate?.baseline ?? "auto") : inputs.baseline;
  const baseline: Baseline | undefined = await runtime.log.group(`Baseline (${baselineMode})`, () =>
    resolveBaseline({
      mode: baselineMode,
      model,
      owner: context.owner,
      repo: context.repo,
      token: inputs["github-token"],
      baseBranch: pr?.baseRef ?? (context.ref.startsWith("refs/heads/") ? context.ref.slice(11) : undefined),
      workflowFile: reportWorkflowFile(context),
      artifactName: artifactBase,
      perExample: configuredPerExample,
      cwd: deps.cwd,
      tempDir,
      client,
      artifacts: deps.artifacts,
      log: runtime.log,
    }),
  );
  runtime.log.info(baseline ? `Baseline: ${baseline.source}` : "Baseline: none (first model)");

  // The report's plots (prediction plots, trend, `plots:`) of one candidate: the gated one, or a sweep's best cell.
  const reportPlots = (plotted: {
    metrics: MetricValues;
    directory: string | undefined;
    perExample: string | undefined;
  }) =>
    gateReportPlots({
      model,
      config: config.model,
      candidate: plotted,
      baseline,
      specs: config.specs,
      ruleMetrics: rules.map((r) => r.rule.metric),
      owner: context.owner,
      repo: context.repo,
      serverUrl: context.serverUrl,
      pullRequest: pr?.number,
      runId: context.runId,
      runAttempt: context.runAttempt,
      branch: inputs["plots-branch"],
      // A fork's images are never committed: its own token is read-only, and a companion
      // (workflow_run) would commit files a fork wrote into this repository.
      ...(context.pullRequest?.fromFork === true
        ? { readOnly: "this pull request comes from a fork, whose token cannot commit images" }
        : context.eventName === "workflow_run"
          ? {
              readOnly:
                "a workflow_run companion reports a fork's run, whose files are not committed to this repository",
            }
          : {}),
      client,
      resolveFiles: (pattern, dir) => resolveFiles([pattern], dir, "plots"),
      log: runtime.log,
    });

  let evaluation: GateDecision = decideFromSetup(setup, {
    baseline,
    onSkipped: inputs["on-skipped"],
    identity: {
      candidateLabel: `commit ${headSha.slice(0, 7)}`,
      ...(headSha ? { candidateUrl: `${context.serverUrl}/${context.repository}/commit/${headSha}` } : {}),
      runUrl: context.runUrl,
    },
    ...(sweep
      ? { sweep: { cells: sweep.cells, notes: sweep.notes, matrixText: sweepMatrix as string } }
      : {}),
    ...(candidate
      ? plotsOf(
          await reportPlots({
            metrics: candidate.metrics,
            directory: candidate.directory,
            perExample: candidatePerExample,
          }),
        )
      : {}),
    log: runtime.log,
  });
  // A sweep: the best cell's plots, in its gate report (known once the cells are ranked).
  const bestCell = sweep?.cells.find((c) => c.cell.id === evaluation.bestCellId);
  if (sweep && bestCell?.metrics && evaluation.withBestCellPlots) {
    const files = sweep.files.get(bestCell.cell.id);
    const plots = await reportPlots({
      metrics: bestCell.metrics,
      directory: files ? dirname(files.runJson) : undefined,
      perExample: files?.perExample,
    });
    if (plots) evaluation = evaluation.withBestCellPlots(plots);
  }

  // Reports: the full one for the summary and the artifact, a budgeted one for the comment.
  // The artifact holds the whole report; the job summary, GitHub's 1 MiB (bytes) of it.
  const files = await writeGateReportFiles(tempDir, {
    model,
    evaluation,
    baselineSource: baseline?.source,
    pullRequest: context.pullRequest?.number,
  });

  const reportArtifact = attemptArtifactName(gateReportArtifactBase(model), context.runAttempt);
  const { commentUrl, unposted } = await publishGateDecision(
    client,
    {
      target: {
        owner: context.owner,
        repo: context.repo,
        pullRequest: pr?.number,
        sha: headSha || undefined,
        key: gateCommentKey(model, reportWorkflowFile(context) ?? (context.workflow || "workflow")),
        checkName: `mlops gate: ${model}`,
        ...(inputs["comment-author"] ? { commentAuthor: inputs["comment-author"] } : {}),
      },
      comment: inputs.comment,
      check: inputs.check,
      skip,
      // The event's own PR from a fork: its token is read-only (a companion run reports for it instead).
      readOnly: context.pullRequest?.fromFork === true,
      reportArtifact,
      content: {
        comment: evaluation.render({ reserve: 200 }),
        title: evaluation.verdict,
        summary: evaluation.render({ budget: CHECK_OUTPUT_BUDGET }),
        passed: evaluation.passed,
        annotations: evaluation.annotations,
        detailsUrl: context.runUrl,
      },
    },
    runtime.log,
  );
  try {
    await deps.artifacts.upload(reportArtifact, [files.report, files.gateJson], files.dir);
  } catch (error) {
    runtime.log.warning(
      `Could not upload the report artifact ${reportArtifact}: ${(error as Error).message}`,
    );
  }
  if (sweep && evaluation.bestCellId && !folder)
    await uploadBestCell({
      sweep,
      bestCellId: evaluation.bestCellId,
      artifacts: deps.artifacts,
      name: attemptArtifactName(artifactBase, context.runAttempt),
      log: runtime.log,
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
    const message = evaluation.failure;
    if (inputs["fail-on-regression"]) throw new GateFailed(message);
    runtime.log.warning(`${message} (not failing the step: fail-on-regression is false)`);
  }
}

const plotsOf = (plots: GateReportInput["plots"] | undefined) => (plots ? { plots } : {});
