/**
 * The evaluate-gate action's decisions that depend on where it runs (the event, the PR, the commit), kept
 * out of the action folder: which PR and commit the report is about, the report's identity lines, whether
 * images may be committed, and the report's publication (artifact files, check run, sticky comment).
 */
import {
  attemptArtifactName,
  CHECK_OUTPUT_BUDGET,
  type GateDecision,
  gateReportArtifactBase,
  writeGateReportFiles,
} from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { gateCommentKey, publishGateDecision } from "./gate-publish.js";
import type { GitHubLog } from "./log.js";
import { type PullRequestTarget, reportPullRequest } from "./pull-requests.js";

/** What a gate run knows about its run (`@mlops/action-kit`'s RunContext satisfies it). */
export interface GateRunContext {
  owner: string;
  repo: string;
  /** `owner/name` */
  repository: string;
  serverUrl: string;
  runUrl: string;
  runAttempt: number;
  /** `refs/heads/main`, `refs/pull/3/merge` */
  ref: string;
  sha: string;
  eventName: string;
  /** The workflow's name (`GITHUB_WORKFLOW`). */
  workflow: string;
  /** The event's own pull request (`pull_request` events). */
  pullRequest?: PullRequestTarget;
}

/** Where the report goes and which commit it judges. */
export interface GateTarget {
  pr: PullRequestTarget | undefined;
  /** Why it is not posted on a PR (see `reportPullRequest`). */
  skip: { reason: string; stale: boolean } | undefined;
  /** The evaluated commit: in a companion, the triggering run's head (not this run's default-branch sha). */
  headSha: string;
  /** The branch whose runs give the `base-branch` baseline: the PR's base, or the pushed branch. */
  baseBranch: string | undefined;
}

/** The PR and commit a gate reports on (`reportPullRequest`), and the branch of its base-branch baseline. */
export async function gateTarget(
  client: () => GitHubClient,
  context: GateRunContext,
  options: {
    /** The `workflow_run` event's triggering run (companions). */
    trigger: Parameters<typeof reportPullRequest>[1]["trigger"];
    /** The `pull-request` input. */
    pullRequest: number | undefined;
    /** The `head-sha` input. */
    headSha: string | undefined;
  },
  log: GitHubLog,
): Promise<GateTarget> {
  const { trigger } = options;
  const { pr, skip } = await reportPullRequest(
    client,
    {
      owner: context.owner,
      repo: context.repo,
      repository: context.repository,
      ...(context.pullRequest ? { eventPullRequest: context.pullRequest } : {}),
      ...(trigger ? { trigger } : {}),
      ...(options.pullRequest !== undefined ? { number: options.pullRequest } : {}),
      ...(options.headSha !== undefined ? { headSha: options.headSha } : {}),
    },
    log,
  );
  return {
    pr,
    skip,
    headSha: options.headSha ?? trigger?.headSha ?? pr?.headSha ?? context.sha,
    baseBranch: pr?.baseRef ?? (context.ref.startsWith("refs/heads/") ? context.ref.slice(11) : undefined),
  };
}

/** The report's lines about the candidate: its commit (linked) and the run that judged it. */
export function gateIdentity(context: GateRunContext, headSha: string) {
  return {
    candidateLabel: `commit ${headSha.slice(0, 7)}`,
    ...(headSha ? { candidateUrl: `${context.serverUrl}/${context.repository}/commit/${headSha}` } : {}),
    runUrl: context.runUrl,
  };
}

/**
 * Why this run must not commit the report's images, if it must not: a fork's own token is read-only, and a
 * companion (workflow_run) would commit files a fork wrote into this repository.
 */
export function gateImagesReadOnly(context: GateRunContext): { readOnly?: string } {
  if (context.pullRequest?.fromFork === true)
    return { readOnly: "this pull request comes from a fork, whose token cannot commit images" };
  if (context.eventName === "workflow_run")
    return {
      readOnly:
        "a workflow_run companion reports a fork's run, whose files are not committed to this repository",
    };
  return {};
}

/**
 * Writes the report artifact's files (report.md, gate.json) under `tempDir` and publishes the decision as
 * the run allows (`publishGateDecision`): the check run titled with the verdict, the sticky comment keyed
 * by model and workflow. The caller uploads the files as `reportArtifact`.
 */
export async function publishGate(
  client: () => GitHubClient,
  options: {
    context: GateRunContext;
    model: string;
    evaluation: GateDecision;
    baselineSource: string | undefined;
    target: GateTarget;
    /** This run's workflow file (`pr.yml`), else its name keys the comment. */
    workflowFile: string | undefined;
    comment: boolean;
    check: boolean;
    commentAuthor: string | undefined;
    tempDir: string;
  },
  log: GitHubLog & { notice(message: string): void },
): Promise<{
  files: Awaited<ReturnType<typeof writeGateReportFiles>>;
  reportArtifact: string;
  commentUrl: string;
  unposted: string[];
}> {
  const { context, model, evaluation, target } = options;
  // The artifact holds the whole report (the job summary, GitHub's 1 MiB of it; the comment, a budgeted one).
  const files = await writeGateReportFiles(options.tempDir, {
    model,
    evaluation,
    baselineSource: options.baselineSource,
    pullRequest: context.pullRequest?.number,
  });
  const reportArtifact = attemptArtifactName(gateReportArtifactBase(model), context.runAttempt);
  const { commentUrl, unposted } = await publishGateDecision(
    client,
    {
      target: {
        owner: context.owner,
        repo: context.repo,
        pullRequest: target.pr?.number,
        sha: target.headSha || undefined,
        key: gateCommentKey(model, options.workflowFile ?? (context.workflow || "workflow")),
        checkName: `mlops gate: ${model}`,
        ...(options.commentAuthor ? { commentAuthor: options.commentAuthor } : {}),
      },
      comment: options.comment,
      check: options.check,
      skip: target.skip,
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
    log,
  );
  return { files, reportArtifact, commentUrl, unposted };
}
