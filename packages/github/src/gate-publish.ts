import { GitHubError } from "@mlops/core";
import { type CheckAnnotation, type PublishCheckResult, publishCheck } from "./checks.js";
import type { GitHubClient } from "./client.js";
import type { GitHubLog } from "./log.js";
import { upsertStickyComment } from "./sticky-comment.js";

/**
 * The sticky comment's key of a gate: `<model>/<workflow>`, the workflow (its file name, else its name) made
 * marker-safe, so each model and workflow keeps its own comment.
 */
export function gateCommentKey(model: string, workflow: string): string {
  return `${model}/${workflow.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 100) || "workflow"}`;
}

/** Where the report goes on GitHub. */
export interface GateReportTarget {
  owner: string;
  repo: string;
  pullRequest: number | undefined;
  sha: string | undefined;
  /** Sticky-comment key: `<model>/<workflow>`. */
  key: string;
  checkName: string;
  comment: boolean;
  check: boolean;
  /** The login the token writes comments as (`comment-author`); default `github-actions[bot]`. */
  commentAuthor?: string;
}

export interface GateReportPublished {
  commentUrl: string;
  check?: PublishCheckResult;
  /** Set when a write was refused (read-only token): the message GitHub gave. */
  refused?: string;
}

/** A write the token may not make: 403 that is not a rate limit. */
function isRefused(error: unknown): error is GitHubError {
  return error instanceof GitHubError && error.reason === "permission";
}

/** Check-run annotations for failed rules (pure: it lives in `@mlops/core` with the gate evaluation). */
export { gateAnnotations } from "@mlops/core";

/**
 * Writes a gate report: the check run (or commit status) first, then the sticky PR comment. A refused write (fork PR, read-only token) is not a
 * crash: it is reported in `refused` and the caller falls back to the summary and the artifact.
 */
export async function publishGateReport(
  client: GitHubClient,
  target: GateReportTarget,
  content: {
    comment: string;
    title: string;
    summary: string;
    passed: boolean;
    annotations: CheckAnnotation[];
    detailsUrl: string;
  },
  log: GitHubLog,
): Promise<GateReportPublished> {
  const result: GateReportPublished = { commentUrl: "" };
  const refused: string[] = [];
  // The comment and the check are independent: a token that may write one still writes it. The check goes
  // first: GitHub's answer names the identity the token writes as, which the sticky comment needs.
  const attempt = async (write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      if (!isRefused(error)) throw error;
      refused.push(error.message);
    }
  };
  if (target.check && target.sha) {
    const sha = target.sha;
    await attempt(async () => {
      const check = await publishCheck(client, {
        owner: target.owner,
        repo: target.repo,
        sha,
        name: target.checkName,
        conclusion: content.passed ? "success" : "failure",
        title: content.title,
        summary: content.summary,
        annotations: content.annotations,
        detailsUrl: content.detailsUrl,
      });
      result.check = check;
      log.info(
        check.kind === "check-run"
          ? `Check run '${target.checkName}' published.`
          : `Commit status '${target.checkName}' published (the token has no 'checks: write').`,
      );
    });
  }
  // Whose comment is ours: `comment-author`, else the author GitHub reported on our own check run or
  // status just now (`<slug>[bot]`, or a personal token's login), else github-actions[bot].
  const identity = target.commentAuthor ?? result.check?.author;
  if (target.comment && target.pullRequest !== undefined) {
    const issueNumber = target.pullRequest;
    await attempt(async () => {
      const comment = await upsertStickyComment(client, {
        owner: target.owner,
        repo: target.repo,
        issueNumber,
        key: target.key,
        body: content.comment,
        ...(identity ? { identity } : {}),
      });
      result.commentUrl = comment.url;
      log.info(`PR comment ${comment.action}: ${comment.url}`);
      if (comment.identityMismatch) {
        const { assumed, actual } = comment.identityMismatch;
        log.warning(
          `This token writes comments as ${actual}, not ${assumed}: set the input 'comment-author: ${actual}' so that later runs find and edit this comment directly (without it a run that cannot learn the author from its check run posts a new comment and deletes it again).`,
        );
      }
    });
  }
  if (refused.length > 0) result.refused = refused.join("\n");
  return result;
}

/**
 * Publishes a gate's report as the run allows, and says what was not posted: nothing from the event's own
 * fork PR (read-only token: a notice points at the workflow_run companion), nothing but a warning when the
 * PR moved on (`skip.stale`), no comment when no PR could be matched (`skip`), and a warning naming what
 * GitHub refused. Never skips silently: `unposted` lines are for the job summary too.
 */
export async function publishGateDecision(
  client: () => GitHubClient,
  options: {
    target: Omit<GateReportTarget, "comment" | "check">;
    comment: boolean;
    check: boolean;
    /** Why the report cannot go to a PR (from `reportPullRequest`). */
    skip: { reason: string; stale: boolean } | undefined;
    /** The event's own PR comes from a fork: its token is read-only (a companion run reports for it). */
    readOnly: boolean;
    /** The artifact that holds the report, named when something was not posted. */
    reportArtifact: string;
    content: Parameters<typeof publishGateReport>[2];
  },
  log: GitHubLog & { notice(message: string): void },
): Promise<{ commentUrl: string; unposted: string[] }> {
  const { skip, readOnly, comment, check } = options;
  let commentUrl = "";
  let refused: string | undefined = readOnly
    ? "this pull request comes from a fork, so its token is read-only"
    : undefined;
  const unposted: string[] = [];
  if (!readOnly && skip && (skip.stale ? comment || check : comment)) {
    unposted.push(
      skip.stale
        ? `The gate report was not posted: ${skip.reason}; a newer run reports on the new head.`
        : `The gate report was not posted as a PR comment: ${skip.reason}.${check ? ` The check run is on ${(options.target.sha ?? "").slice(0, 7)}.` : ""}`,
    );
    for (const line of unposted) log.warning(line);
  }
  if (!readOnly && !skip?.stale && (comment || check)) {
    const published = await publishGateReport(
      client(),
      { ...options.target, comment, check },
      options.content,
      log,
    );
    commentUrl = published.commentUrl;
    refused = published.refused;
  }
  if (refused) {
    const where = `It is in the job summary and the artifact ${options.reportArtifact}`;
    if (readOnly)
      log.notice(
        `The gate report was not posted: ${refused}. ${where}; the workflow_run companion template (workflows/mlops-fork-report.yml) posts it from the base repository.`,
      );
    else
      log.warning(
        `Part of the gate report was not posted. ${where}; a workflow_run companion (workflows/mlops-fork-report.yml) can post it with write permission.\n${refused}`,
      );
  }
  return { commentUrl, unposted };
}
