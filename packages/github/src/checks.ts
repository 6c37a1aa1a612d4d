import type { GitHubClient } from "./client.js";
import { httpStatus, translateGitHubError, withGitHubErrors } from "./errors.js";

/** Check-run output fields are limited to 65,535 chars; annotations to 50 per request. */
export const MAX_CHECK_TEXT_CHARS = 65_535;
export const ANNOTATIONS_PER_REQUEST = 50;
/** Commit-status descriptions are limited to 140 chars. */
export const MAX_STATUS_DESCRIPTION_CHARS = 140;

export type CheckConclusion =
  | "success"
  | "failure"
  | "neutral"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "action_required";

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
}

export interface PublishCheckOptions {
  owner: string;
  repo: string;
  sha: string;
  name: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text?: string;
  annotations?: CheckAnnotation[];
  detailsUrl?: string;
  /** Identifies "our" check run among runs with the same name; default `mlops-actions:<name>`. */
  externalId?: string;
}

export interface PublishCheckResult {
  kind: "check-run" | "status";
  /** Check-run id (absent for a commit status). */
  id?: number;
  url?: string;
}

/** Cuts `text` to `max` chars, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Maps a check conclusion onto a commit-status state. */
export function statusStateFor(conclusion: CheckConclusion): "success" | "failure" | "error" {
  if (conclusion === "success" || conclusion === "neutral" || conclusion === "skipped") return "success";
  if (conclusion === "failure" || conclusion === "action_required") return "failure";
  return "error";
}

function isPermissionDenied(error: unknown): boolean {
  if (httpStatus(error) !== 403) return false;
  const headers = (error as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
  return headers["x-ratelimit-remaining"] !== "0" && !/rate limit/i.test(String((error as Error).message));
}

/**
 * Creates or updates the completed check run named `name` with our `externalId` on `sha` (a rerun
 * updates the same run). Annotations are sent 50 per request (the first batch with the create/update,
 * the rest as PATCHes). When the token lacks `checks: write` (403), falls back to a commit status with
 * `context = name` and says so in `kind`.
 */
export async function publishCheck(
  client: GitHubClient,
  options: PublishCheckOptions,
): Promise<PublishCheckResult> {
  const { owner, repo, sha, name } = options;
  const externalId = options.externalId ?? `mlops-actions:${name}`;
  try {
    return await publishCheckRun(client, { ...options, externalId });
  } catch (error) {
    if (!isPermissionDenied(error))
      throw translateGitHubError(error, { operation: `publish the check run '${name}'`, owner, repo });
  }
  return withGitHubErrors({ operation: `publish the commit status '${name}'`, owner, repo }, async () => {
    const { data } = await client.request("POST /repos/{owner}/{repo}/statuses/{sha}", {
      owner,
      repo,
      sha,
      state: statusStateFor(options.conclusion),
      context: name,
      description: truncate(options.title, MAX_STATUS_DESCRIPTION_CHARS),
      ...(options.detailsUrl ? { target_url: options.detailsUrl } : {}),
    });
    return { kind: "status", url: data.url };
  });
}

async function publishCheckRun(
  client: GitHubClient,
  options: PublishCheckOptions & { externalId: string },
): Promise<PublishCheckResult> {
  const { owner, repo, sha, name, externalId } = options;
  const annotations = options.annotations ?? [];
  const output = (batch: CheckAnnotation[]) => ({
    title: truncate(options.title, 1000),
    summary: truncate(options.summary, MAX_CHECK_TEXT_CHARS),
    ...(options.text !== undefined ? { text: truncate(options.text, MAX_CHECK_TEXT_CHARS) } : {}),
    ...(batch.length > 0 ? { annotations: batch } : {}),
  });
  const { data: listed } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner,
    repo,
    ref: sha,
    check_name: name,
    filter: "all",
    per_page: 100,
  });
  const existing = listed.check_runs.find((run) => run.external_id === externalId);
  const first = annotations.slice(0, ANNOTATIONS_PER_REQUEST);
  if (existing && isUnchanged(existing, options, output(first))) {
    // A re-run with the same result: PATCHing would only re-add the same annotations.
    return { kind: "check-run", id: Number(existing.id), url: existing.html_url ?? existing.url };
  }
  const fields = {
    name,
    status: "completed" as const,
    conclusion: options.conclusion,
    external_id: externalId,
    ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
  };
  const run = existing
    ? (
        await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
          owner,
          repo,
          check_run_id: existing.id,
          ...fields,
          output: output(first),
        })
      ).data
    : (
        await client.request("POST /repos/{owner}/{repo}/check-runs", {
          owner,
          repo,
          head_sha: sha,
          ...fields,
          output: output(first),
        })
      ).data;
  for (let start = ANNOTATIONS_PER_REQUEST; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
    const batch = annotations.slice(start, start + ANNOTATIONS_PER_REQUEST);
    await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner,
      repo,
      check_run_id: run.id,
      output: output(batch),
    });
  }
  return { kind: "check-run", id: Number(run.id), url: run.html_url ?? run.url };
}

/** True when a listed check run already shows this conclusion and output (title, summary, text, annotation count). */
function isUnchanged(
  existing: {
    status: string;
    conclusion: string | null;
    details_url?: string | null;
    output: { title: string | null; summary: string | null; text?: string | null; annotations_count: number };
  },
  options: PublishCheckOptions,
  output: { title: string; summary: string; text?: string },
): boolean {
  return (
    existing.status === "completed" &&
    existing.conclusion === options.conclusion &&
    existing.output.title === output.title &&
    existing.output.summary === output.summary &&
    (existing.output.text ?? undefined) === output.text &&
    existing.output.annotations_count === (options.annotations ?? []).length &&
    (options.detailsUrl === undefined || existing.details_url === options.detailsUrl)
  );
}

/** The pull request a commit belongs to (an open one preferred), or undefined. */
export async function findPullRequestForCommit(
  client: GitHubClient,
  options: { owner: string; repo: string; sha: string },
): Promise<
  | { number: number; url: string; state: string; baseRef: string; headSha: string; headRepository?: string }
  | undefined
> {
  const { owner, repo, sha } = options;
  return withGitHubErrors(
    { operation: `find the pull request of ${sha.slice(0, 7)}`, owner, repo },
    async () => {
      const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
        owner,
        repo,
        commit_sha: sha,
        per_page: 100,
      });
      const pull = data.find((p) => p.state === "open") ?? data[0];
      if (!pull) return undefined;
      const headRepository = pull.head.repo?.full_name;
      return {
        number: pull.number,
        url: pull.html_url,
        state: pull.state,
        baseRef: pull.base.ref,
        headSha: pull.head.sha,
        ...(headRepository ? { headRepository } : {}),
      };
    },
  );
}
