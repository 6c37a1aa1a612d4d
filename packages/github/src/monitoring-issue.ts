import {
  cutToBudget,
  GitHubError,
  ISSUE_BODY_BUDGET,
  ISSUE_COMMENT_BUDGET,
  isValidName,
  measure,
  reserveBudget,
  validateModelName,
} from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { createOnce } from "./create-once.js";
import { withGitHubErrors } from "./errors.js";
import { listAllPages } from "./paginate.js";

export interface MonitoringIssueOptions {
  owner: string;
  repo: string;
  model: string;
  title: string;
  /** Current state (replaces the issue body each run). */
  body: string;
  /**
   * Builds title, body and comment from the existing issue's body (undefined on the first run), so a
   * run can say what changed since the previous one; overrides `title`, `body` and `comment`.
   * `trailer` (machine-readable state, e.g. the run history) ends the body and is never cut: the
   * visible `body` is cut around it to fit GitHub's limit.
   */
  compose?: (previousBody: string | undefined) => {
    title: string;
    body: string;
    comment?: string;
    trailer?: string;
  };
  /** Default `mlops-monitoring`. */
  label?: string;
  /** This run's report, added as a comment (omit for none). */
  comment?: string;
  /** Identifies this run; makes the per-run comment replay-safe (a retried or re-run call does not comment twice). */
  runId?: string;
}

export interface MonitoringIssueResult {
  issueNumber: number;
  url: string;
  action: "created" | "updated";
  commentUrl?: string;
}

const MONITORING_MARKER_PREFIX = "<!-- mlops-actions:monitoring:";

/** The hidden marker identifying the monitoring issue of `model`. */
export function monitoringMarker(model: string): string {
  return `${MONITORING_MARKER_PREFIX}${validateModelName(model)} -->`;
}

/** The model whose monitoring issue `body` is (its `monitoringMarker`), else undefined. */
export function monitoringMarkerModel(body: string): string | undefined {
  const start = body.indexOf(MONITORING_MARKER_PREFIX);
  if (start < 0) return undefined;
  const rest = body.slice(start + MONITORING_MARKER_PREFIX.length);
  const model = rest.slice(0, rest.indexOf(" -->"));
  return rest.includes(" -->") && isValidName(model) ? model : undefined;
}

const FULL_REPORT = "the full report is in the job summary and the run's artifact";

/**
 * `head` + `text` + `tail` within `budget`: `head` (the marker) and `tail` (machine-readable state) are
 * kept whole, `text` is cut between lines with a note. A head and tail that alone do not fit are an
 * error, never a silently broken state.
 */
export function fitAround(
  head: string,
  text: string,
  tail: string,
  budget: typeof ISSUE_BODY_BUDGET,
): string {
  const fixed = measure(head + tail, budget.unit);
  if (fixed > budget.limit)
    throw new GitHubError(
      `The monitoring issue's machine-readable part is ${fixed} ${budget.unit}, over GitHub's ${budget.what} limit of ${budget.limit}.`,
    );
  return head + cutToBudget(text, reserveBudget(budget, fixed), { note: FULL_REPORT }) + tail;
}

/**
 * One open issue per model, found by label + hidden marker over all pages of open issues; created
 * once, its body replaced every run, and a comment added per run. A replayed create is detected by
 * listing again before creating (creates are not retried by Octokit here).
 */
export async function upsertMonitoringIssue(
  client: GitHubClient,
  options: MonitoringIssueOptions,
): Promise<MonitoringIssueResult> {
  const { model, ...rest } = options;
  return upsertMarkedIssue(client, {
    ...rest,
    label: options.label ?? "mlops-monitoring",
    marker: monitoringMarker(model),
    what: `the monitoring issue of ${model}`,
  });
}

/**
 * One open issue found by `label` + the hidden `marker` (first line of its body) over all pages of open
 * issues; created once, its body and title replaced when they changed (an unchanged one is not written),
 * and `comment` added when given. The monitoring issues and the "MLOps insights" issue are kept this way.
 */
export async function upsertMarkedIssue(
  client: GitHubClient,
  options: Omit<MonitoringIssueOptions, "model" | "label"> & { label: string; marker: string; what: string },
): Promise<MonitoringIssueResult> {
  const { owner, repo, label, marker } = options;
  return withGitHubErrors({ operation: `update ${options.what}`, owner, repo }, async () => {
    const find = async () =>
      (
        await listAllPages<{
          number: number;
          title: string;
          body?: string | null;
          html_url: string;
          pull_request?: unknown;
        }>(client, "GET /repos/{owner}/{repo}/issues", {
          owner,
          repo,
          labels: label,
          state: "open",
        })
      )
        .filter((i) => !i.pull_request && i.body?.includes(marker))
        .sort((a, b) => a.number - b.number)[0];
    const existing = await find();
    const content = options.compose
      ? options.compose(existing?.body?.replace(`${marker}\n`, "") ?? undefined)
      : { title: options.title, body: options.body, comment: options.comment };
    const trailer = "trailer" in content && content.trailer ? `\n${content.trailer}` : "";
    const body = fitAround(`${marker}\n`, content.body, trailer, ISSUE_BODY_BUDGET);
    let issue: { number: number; html_url: string };
    let action: MonitoringIssueResult["action"];
    if (existing) {
      if (existing.body !== body || existing.title !== content.title)
        await client.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
          owner,
          repo,
          issue_number: existing.number,
          body,
          title: content.title,
        });
      issue = existing;
      action = "updated";
    } else {
      issue = await createOnce({
        find,
        create: async () =>
          (
            await client.request("POST /repos/{owner}/{repo}/issues", {
              owner,
              repo,
              title: content.title,
              body,
              labels: [label],
              request: { retries: 0 },
            })
          ).data,
      });
      action = "created";
    }
    let commentUrl: string | undefined;
    if (content.comment) {
      const runMarker = options.runId
        ? `<!-- mlops-actions:monitoring-run:${options.runId.replace(/-->/g, "")} -->\n`
        : "";
      const commentBody = fitAround(runMarker, content.comment, "", ISSUE_COMMENT_BUDGET);
      const post = async () =>
        (
          await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
            owner,
            repo,
            issue_number: issue.number,
            body: commentBody,
            ...(runMarker ? { request: { retries: 0 } } : {}),
          })
        ).data.html_url;
      const findComment = async () =>
        (
          await listAllPages<{ body?: string; html_url: string }>(
            client,
            "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
            {
              owner,
              repo,
              issue_number: issue.number,
            },
          )
        ).find((c) => c.body === commentBody)?.html_url;
      commentUrl = runMarker
        ? ((await findComment()) ?? (await createOnce({ create: post, find: findComment })))
        : await post();
    }
    return {
      issueNumber: issue.number,
      url: issue.html_url,
      action,
      ...(commentUrl ? { commentUrl } : {}),
    };
  });
}
