import { GitHubError, MlopsError } from "@mlops/core";

/** What failed, in words that complete "Cannot …" (e.g. "create a release"). */
export interface ErrorContext {
  operation: string;
  owner?: string;
  repo?: string;
}

interface HttpErrorShape {
  status: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** Token-looking strings GitHub issues (classic, fine-grained, installation, OAuth, refresh). */
const TOKEN_PATTERN = /\b(gh[pousr]_[A-Za-z0-9_]{10,}|github_pat_[A-Za-z0-9_]{10,})\b/g;

/** Removes anything that looks like a GitHub token from a message. */
export function scrubTokens(text: string): string {
  return text.replace(TOKEN_PATTERN, "***");
}

/** The HTTP status of an Octokit RequestError (or anything shaped like one). */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

function asHttpError(error: unknown): HttpErrorShape | undefined {
  return httpStatus(error) === undefined ? undefined : (error as HttpErrorShape);
}

function responseMessage(error: HttpErrorShape): string {
  const data = error.response?.data as { message?: unknown } | undefined;
  return typeof data?.message === "string" ? data.message : (error.message ?? "");
}

/**
 * `x-accepted-github-permissions: contents=write; pull_requests=write` (alternatives separated by `;`,
 * requirements of one alternative by `,`) → the first alternative as `[["contents","write"]]`.
 */
export function acceptedPermissions(header: string | undefined): Array<[string, string]> {
  const first = header?.split(";")[0]?.trim();
  if (!first) return [];
  return first
    .split(",")
    .map((pair) => pair.trim().split("="))
    .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== "" && pair[1] !== "")
    .map(([name, level]) => [name.trim().replaceAll("_", "-"), level.trim()]);
}

function isRateLimited(error: HttpErrorShape): boolean {
  const headers = error.response?.headers ?? {};
  return (
    error.status === 429 ||
    (error.status === 403 &&
      (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(responseMessage(error))))
  );
}

function rateLimitMessage(error: HttpErrorShape, context: ErrorContext): string {
  const headers = error.response?.headers ?? {};
  const secondary = /secondary rate/i.test(responseMessage(error));
  const retryAfter = Number(headers["retry-after"]);
  const reset = Number(headers["x-ratelimit-reset"]);
  let when = "";
  if (Number.isFinite(retryAfter) && headers["retry-after"] !== undefined)
    when = ` Retry after ${retryAfter} s.`;
  else if (Number.isFinite(reset) && headers["x-ratelimit-reset"] !== undefined)
    when = ` The limit resets at ${new Date(reset * 1000).toISOString()}.`;
  const kind = secondary ? "secondary rate limit" : "API rate limit";
  const hint = secondary
    ? " Too many write requests in a short time; space the jobs out (concurrency group)."
    : " GITHUB_TOKEN allows 1,000 requests per hour per repository.";
  return `Cannot ${context.operation}: GitHub's ${kind} was exceeded.${when}${hint}`;
}

function validationDetails(data: unknown): string {
  const errors = (data as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return "";
  const lines = errors.map((entry) => {
    if (typeof entry === "string") return entry;
    const e = entry as { resource?: string; field?: string; code?: string; message?: string };
    const where = [e.resource, e.field].filter(Boolean).join(".");
    const what = e.message ?? e.code ?? "invalid";
    return where ? `${where}: ${what}` : what;
  });
  return `: ${lines.join("; ")}`;
}

/**
 * Turns an Octokit error into a `GitHubError` whose message tells the user what to do: the missing
 * `permissions:` entry on 403, a possibly inaccessible repository on 404, bad credentials on 401,
 * the validation errors on 422, the reset time when rate-limited. Never includes the token.
 * Errors that are already `GitHubError`s are returned as they are.
 */
export function translateGitHubError(error: unknown, context: ErrorContext): GitHubError {
  if (error instanceof GitHubError) return error;
  const http = asHttpError(error);
  const repo = context.owner && context.repo ? `${context.owner}/${context.repo}` : "the repository";
  const cannot = `Cannot ${context.operation}`;
  if (!http) {
    const text = error instanceof Error ? error.message : String(error);
    return new GitHubError(scrubTokens(`${cannot}: ${text}`), { cause: error });
  }
  const status = http.status;
  const message = scrubTokens(responseMessage(http));
  let text: string;
  if (isRateLimited(http)) {
    text = rateLimitMessage(http, context);
  } else if (status === 401) {
    text = `${cannot}: bad credentials (the token is invalid or expired).`;
  } else if (status === 403) {
    const needed = acceptedPermissions(http.response?.headers?.["x-accepted-github-permissions"]);
    if (needed.length > 0) {
      const names = needed.map(([name, level]) => `'${name}: ${level}'`).join(" and ");
      const yaml = needed.map(([name, level]) => `    ${name}: ${level}`).join("\n");
      text = `${cannot}: the token lacks the ${names} permission. Add to the job:\n  permissions:\n${yaml}`;
    } else if (/not accessible by integration/i.test(message)) {
      text = `${cannot}: the token lacks a permission this needs (${message}). Check the job's 'permissions:' block; pull requests from forks get a read-only token.`;
    } else {
      text = `${cannot}: forbidden (${message}).`;
    }
  } else if (status === 404) {
    text = `${cannot}: not found (${message || "404"}). Either it does not exist in ${repo} or the token cannot access ${repo} (private repository, or a token for another repository).`;
  } else if (status === 422) {
    text = `${cannot}: GitHub rejected the request: ${message || "Validation Failed"}${validationDetails(http.response?.data)}`;
  } else if (status >= 500) {
    text = `${cannot}: GitHub failed with ${status} after retries (${message || "server error"}).`;
  } else {
    text = `${cannot}: GitHub answered ${status} (${message}).`;
  }
  return new GitHubError(scrubTokens(text), { status, cause: error });
}

/** Runs `fn`, translating any failure with `translateGitHubError`. */
export async function withGitHubErrors<T>(context: ErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof MlopsError) throw error;
    throw translateGitHubError(error, context);
  }
}
