import { GitHubError, type GitHubErrorReason, MlopsError } from "@mlops/core";

/** What failed, in words that complete "Cannot …" (e.g. "create a release"). */
export interface ErrorContext {
  operation: string;
  owner?: string;
  repo?: string;
  /** The ref being written, for ruleset refusals (`refs/tags/fraud/v3`). */
  ref?: string;
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

/** GitHub's message when `POST /git/refs` names an existing ref (REST "Create a reference"). */
export const REFERENCE_EXISTS = "Reference already exists";
/**
 * The first line of GitHub's answer when a repository ruleset refuses a ref write, e.g.
 * `Repository rule violations found\n\nCannot create ref due to creations being restricted.`
 * (docs "About rulesets"; the same text as git's GH013 push error).
 */
export const RULE_VIOLATIONS = "Repository rule violations found";

/**
 * Why GitHub refused, decided once for the whole package (callers branch on this, never on message text).
 * Accepts an Octokit RequestError (or anything shaped like one) or a `GitHubError`; undefined for
 * errors that did not come from GitHub (a bug, a local file problem).
 */
export function githubErrorReason(error: unknown): GitHubErrorReason | undefined {
  if (error instanceof GitHubError) return error.reason;
  const http = asHttpError(error);
  if (!http) return undefined;
  const status = http.status;
  const message = responseMessage(http);
  const headers = http.response?.headers ?? {};
  if (status === 403 || status === 429) {
    // REST "Rate limits for the REST API": secondary limits answer 403 or 429 with a message saying so;
    // the primary limit answers 403/429 with x-ratelimit-remaining: 0.
    if (/secondary rate limit/i.test(message)) return "secondary-rate-limit";
    if (status === 429 || headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(message))
      return "rate-limit";
    return "permission";
  }
  if (status === 401) return "bad-credentials";
  if (status === 404) return "not-found";
  if (status === 409) return "conflict";
  if (status === 422) {
    if (message.startsWith(RULE_VIOLATIONS)) return "ruleset-violation";
    if (message === REFERENCE_EXISTS || validationCodes(http.response?.data).includes("already_exists"))
      return "already-exists";
    if (message === "Reference does not exist") return "not-found";
    return "validation";
  }
  if (status >= 500 || status === 0) return "server";
  return "other";
}

function validationCodes(data: unknown): string[] {
  const errors = (data as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((e) => (e as { code?: unknown } | null)?.code)
    .filter((c): c is string => typeof c === "string");
}

/** True for failures worth retrying after a wait: 5xx/network and rate limits. */
export function isTransientGitHubError(error: unknown): boolean {
  const reason = githubErrorReason(error);
  return reason === "server" || reason === "rate-limit" || reason === "secondary-rate-limit";
}

function isRateLimited(error: HttpErrorShape): boolean {
  const reason = githubErrorReason(error);
  return reason === "rate-limit" || reason === "secondary-rate-limit";
}

function rateLimitMessage(error: HttpErrorShape, context: ErrorContext): string {
  const headers = error.response?.headers ?? {};
  const secondary = githubErrorReason(error) === "secondary-rate-limit";
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
  const reason = githubErrorReason(http);
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
    } else if (message.toLowerCase().includes("not accessible by integration")) {
      text = `${cannot}: the token lacks a permission this needs (${message}). Check the job's 'permissions:' block; pull requests from forks get a read-only token.`;
    } else {
      text = `${cannot}: forbidden (${message}).`;
    }
  } else if (status === 404) {
    text = `${cannot}: not found (${message || "404"}). Either it does not exist in ${repo} or the token cannot access ${repo} (private repository, or a token for another repository).`;
  } else if (reason === "ruleset-violation") {
    text = `${cannot}: ${rulesetText(message, context.ref)}`;
  } else if (status === 422) {
    text = `${cannot}: GitHub rejected the request: ${message || "Validation Failed"}${validationDetails(http.response?.data)}`;
  } else if (status >= 500) {
    text = `${cannot}: GitHub failed with ${status} after retries (${message || "server error"}).`;
  } else {
    text = `${cannot}: GitHub answered ${status} (${message}).`;
  }
  return new GitHubError(scrubTokens(text), { status, ...(reason ? { reason } : {}), cause: error });
}

/** A ruleset refusal in words: which ref, what GitHub said, and the two ways out. */
function rulesetText(message: string, ref: string | undefined): string {
  const said = message.replace(/\s+/g, " ").trim();
  const what = ref ? `write ${ref}` : "write this ref";
  const kind = ref?.startsWith("refs/tags/") ? "tag" : ref?.startsWith("refs/heads/") ? "branch" : "push";
  return `a repository ${kind} ruleset forbids it: GitHub cannot ${what} ("${said}"). Add the token's identity (github-actions[bot] or your GitHub App) to the ruleset's bypass list, or exclude ${ref ? `'${ref}'` : "the registry's refs"} from the ruleset's target patterns.`;
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
