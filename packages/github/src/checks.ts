import {
  CHECK_OUTPUT_BUDGET,
  cutAtCharBoundary,
  cutToBudget,
  type GateAnnotation,
  measure,
  reserveBudget,
} from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { createOnce } from "./create-once.js";
import { githubErrorReason, translateGitHubError, withGitHubErrors } from "./errors.js";
import { listAllPages } from "./paginate.js";

/**
 * Annotations: at most 50 per request. Check-run `output.summary`/`output.text` are limited to 65,535
 * UTF-8 bytes: `CHECK_OUTPUT_BUDGET` (@mlops/core).
 */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Commit-status descriptions are limited to 140 characters. */
export const MAX_STATUS_DESCRIPTION_CHARS = 140;
const MAX_CHECK_TITLE_CHARS = 1000;
const ANNOTATION_TITLE_CHARS = 255;
const ANNOTATION_MESSAGE_BYTES = 64 * 1024;
/** Current annotations named in the summary note when earlier ones no longer apply. */
const ANNOTATIONS_NAMED = 10;

export type CheckConclusion =
  | "success"
  | "failure"
  | "neutral"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "action_required";

/** A check-run annotation (GitHub's fields); the gate's annotations for failed rules are of this type. */
export type CheckAnnotation = GateAnnotation;

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
  /**
   * The login the token writes as, as GitHub reports it on our own check run or status: `<app slug>[bot]`
   * from a check run's `app` (`github-actions[bot]` for `GITHUB_TOKEN`), else the status's `creator`.
   * Lets the sticky comment know its author without `GET /user` (403 for installation tokens).
   */
  author?: string;
}

/** `<slug>[bot]` for a check run a GitHub App wrote (OpenAPI `check-run.app`), else undefined. */
function checkRunAuthor(run: { app?: { slug?: string } | null }): { author?: string } {
  return run.app?.slug ? { author: `${run.app.slug}[bot]` } : {};
}

/** Cuts `text` to `max` characters (code points, never half a surrogate pair), ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** Maps a check conclusion onto a commit-status state. */
export function statusStateFor(conclusion: CheckConclusion): "success" | "failure" | "error" {
  if (conclusion === "success" || conclusion === "neutral" || conclusion === "skipped") return "success";
  if (conclusion === "failure" || conclusion === "action_required") return "failure";
  return "error";
}

function isPermissionDenied(error: unknown): boolean {
  return githubErrorReason(error) === "permission";
}

/**
 * Creates or updates the completed check run named `name` with our `externalId` on `sha` (a rerun
 * updates the same run, so one gate has one check run). `summary`/`text` are cut to GitHub's 65,535-byte
 * limit with a note. Annotations are sent 50 per request (the first batch with the create/update, the
 * rest as PATCHes). GitHub **appends** the annotations of every update and offers no way to remove one,
 * so on an update only annotations the run does not already carry are sent, and when the run carries
 * annotations from an earlier evaluation that no longer apply, the summary starts with a note saying
 * so and naming the current ones. When the token lacks `checks: write` (403), falls back to a commit
 * status with `context = name` and says so in `kind`.
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
    return { kind: "status", url: data.url, ...(data.creator?.login ? { author: data.creator.login } : {}) };
  });
}

/** Identity of an annotation: what a reviewer sees (place, level, title, message). */
function annotationKey(a: {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level?: string | null;
  title?: string | null;
  message?: string | null;
}): string {
  return JSON.stringify([
    a.path,
    a.start_line,
    a.end_line,
    a.annotation_level ?? null,
    a.title ?? null,
    a.message ?? null,
  ]);
}

/** The note put before the summary when the run carries `stale` annotations that no longer apply. */
export function staleAnnotationsNote(stale: number, current: readonly CheckAnnotation[]): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const named = current
    .slice(0, ANNOTATIONS_NAMED)
    .map(
      (a) => `\`${a.path}:${a.start_line}\` ${truncate((a.title ?? a.message).replace(/\s+/g, " "), 120)}`,
    );
  const more = current.length > ANNOTATIONS_NAMED ? `, and ${current.length - ANNOTATIONS_NAMED} more` : "";
  return [
    "> [!NOTE]",
    `> This check run was updated for a new evaluation of this commit. GitHub keeps every annotation ever added to a check run, so ${plural(stale, "annotation")} shown with it ${stale === 1 ? "comes" : "come"} from an earlier evaluation and no longer ${stale === 1 ? "applies" : "apply"}.`,
    current.length === 0
      ? "> No annotation is current."
      : `> Current (${plural(current.length, "annotation")}): ${named.join("; ")}${more}.`,
  ].join("\n");
}

async function publishCheckRun(
  client: GitHubClient,
  options: PublishCheckOptions & { externalId: string },
): Promise<PublishCheckResult> {
  const { owner, repo, sha, name, externalId } = options;
  // GitHub's per-annotation limits (`@octokit/openapi` check-run `output.annotations`): title 255
  // characters, message 64 KB.
  const annotations = (options.annotations ?? []).map((a) => ({
    ...a,
    message: cutAtCharBoundary(a.message, ANNOTATION_MESSAGE_BYTES, "bytes"),
    ...(a.title !== undefined ? { title: truncate(a.title, ANNOTATION_TITLE_CHARS) } : {}),
  }));
  const listOwn = async () =>
    (
      await client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
        owner,
        repo,
        ref: sha,
        check_name: name,
        filter: "all",
        per_page: 100,
      })
    ).data.check_runs;
  const existing = (await listOwn()).find((run) => run.external_id === externalId);
  // What the run already carries (GitHub keeps them all): send only the new ones, name the stale ones.
  const carried =
    existing && existing.output.annotations_count > 0
      ? await listAllPages<Parameters<typeof annotationKey>[0]>(
          client,
          "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
          { owner, repo, check_run_id: existing.id },
        )
      : [];
  const carriedKeys = new Set(carried.map(annotationKey));
  const currentKeys = new Set(annotations.map(annotationKey));
  const toSend = annotations.filter((a) => !carriedKeys.has(annotationKey(a)));
  const stale = [...carriedKeys].filter((key) => !currentKeys.has(key)).length;
  const note = stale > 0 ? `${staleAnnotationsNote(stale, annotations)}\n\n` : "";
  const fit = (text: string, reserve: string) =>
    cutToBudget(text, reserveBudget(CHECK_OUTPUT_BUDGET, measure(reserve, CHECK_OUTPUT_BUDGET.unit)), {
      note: "the full report is in the job summary",
    });
  const text = {
    title: truncate(options.title, MAX_CHECK_TITLE_CHARS),
    summary: note + fit(options.summary, note),
    ...(options.text !== undefined ? { text: fit(options.text, "") } : {}),
  };
  const output = (batch: CheckAnnotation[]) => ({
    ...text,
    ...(batch.length > 0 ? { annotations: batch } : {}),
  });
  if (existing && toSend.length === 0 && isUnchanged(existing, options, text)) {
    // A re-run with the same result: nothing to write.
    return {
      kind: "check-run",
      id: Number(existing.id),
      url: existing.html_url ?? existing.url,
      ...checkRunAuthor(existing),
    };
  }
  const first = toSend.slice(0, ANNOTATIONS_PER_REQUEST);
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
    : await createOnce({
        // A POST whose response was lost (reset, 5xx after the write) is not replayed blindly: the
        // check run with our external_id is looked up first, so one gate never leaves two check runs.
        create: async () =>
          (
            await client.request("POST /repos/{owner}/{repo}/check-runs", {
              owner,
              repo,
              head_sha: sha,
              ...fields,
              output: output(first),
              request: { retries: 0 },
            })
          ).data,
        find: async () => (await listOwn()).find((run) => run.external_id === externalId),
      });
  for (let start = ANNOTATIONS_PER_REQUEST; start < toSend.length; start += ANNOTATIONS_PER_REQUEST) {
    const batch = toSend.slice(start, start + ANNOTATIONS_PER_REQUEST);
    await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner,
      repo,
      check_run_id: run.id,
      output: output(batch),
    });
  }
  return { kind: "check-run", id: Number(run.id), url: run.html_url ?? run.url, ...checkRunAuthor(run) };
}

/** True when a listed check run already shows this conclusion and output (title, summary, text). */
function isUnchanged(
  existing: {
    status: string;
    conclusion: string | null;
    details_url?: string | null;
    output: { title: string | null; summary: string | null; text?: string | null };
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
    (options.detailsUrl === undefined || existing.details_url === options.detailsUrl)
  );
}
