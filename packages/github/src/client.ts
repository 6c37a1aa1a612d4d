import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";
import { type GitHubLog, silentLog } from "./log.js";

/** Octokit with retries (5xx, network resets, timeouts) and rate-limit throttling. */
export const MlopsOctokit = Octokit.plugin(retry, throttling);
/** The client every function of this package takes. Any `@octokit/rest` Octokit works too. */
export type GitHubClient = Octokit;

export interface GitHubClientOptions {
  token: string;
  /** REST base URL; default `GITHUB_API_URL` or `https://api.github.com`. */
  apiUrl?: string;
  userAgent?: string;
  log?: GitHubLog;
  /** Retries of transient failures per request (default 3). */
  retries?: number;
  /** Longest rate-limit wait that is retried, in seconds (default 120). */
  maxRateLimitWaitSeconds?: number;
  /** Per-request timeout in milliseconds when the caller gave no signal (default 60 s). */
  requestTimeoutMs?: number;
  /**
   * Client-side pacing. By default plugin-throttling's process-wide groups apply (GitHub's guidance:
   * one write per second, three seconds between notification-triggering writes). Giving values
   * creates groups private to this client (tests and the emulator use 0).
   */
  pacing?: { writeIntervalMs: number; notificationIntervalMs: number };
  /** Base of the retry back-off in ms: waits are base × 1, 4, 9 (default 1000). */
  retryBaseMs?: number;
}

/**
 * Creates the Octokit client. Transient failures (5xx, ECONNRESET, timeouts: all surface as status
 * ≥ 500) are retried by plugin-retry; primary and secondary rate limits wait for `retry-after` /
 * `x-ratelimit-reset` when the wait is bounded. Both plugins replay POSTs, so the write helpers of this
 * package are idempotent at the call site (they look for their own earlier result before creating).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const log = options.log ?? silentLog;
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const maxRetries = options.retries ?? 3;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const retrying = retryCount < maxRetries && retryAfter <= maxWait;
      log.warning(
        `GitHub ${kind} rate limit hit on ${request.method} ${request.url}; ` +
          (retrying ? `retrying in ${retryAfter} s` : `giving up (retry-after ${retryAfter} s)`),
      );
      return retrying;
    };
  return new MlopsOctokit({
    auth: options.token,
    baseUrl: (options.apiUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "mlops-actions",
    // Do not put `retries` here: plugin-retry reads `request.retries` on ANY error and would then retry 4xx too.
    request: { fetch: fetchWithTimeout(options.requestTimeoutMs ?? 60_000) },
    retry: { retries: maxRetries, retryAfterBaseValue: options.retryBaseMs ?? 1000 },
    throttle: {
      onRateLimit: onLimit("primary"),
      onSecondaryRateLimit: onLimit("secondary"),
      ...(options.retryBaseMs !== undefined ? { retryAfterBaseValue: options.retryBaseMs } : {}),
      ...(options.pacing ? privateGroups(options.pacing) : {}),
    },
    log: {
      debug: (m: string) => log.debug(m),
      info: (m: string) => log.debug(m),
      warn: (m: string) => log.warning(m),
      error: (m: string) => log.warning(m),
    },
  });
}

/**
 * `fetch` that aborts after `timeoutMs` unless the request brings its own signal, and reads JSON
 * bodies completely before handing them on. Octokit turns a JSON body cut by a connection reset into
 * an empty *successful* response; reading it here makes the reset a network error (status 500 in
 * Octokit), which plugin-retry retries. Binary bodies (asset downloads) stay streamed.
 */
/** The client factory the actions hand to `startAction`: Octokit logging into the step's log. */
export function githubClientFactory(
  log: GitHubLog,
): (options: { token: string; apiUrl: string }) => GitHubClient {
  return ({ token, apiUrl }) => createGitHubClient({ token, apiUrl, log });
}

export function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    if (!/json/i.test(response.headers.get("content-type") ?? "") || response.body === null) return response;
    const body = await response.arrayBuffer(); // throws "terminated" when the connection dies mid-body
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function privateGroups(pacing: {
  writeIntervalMs: number;
  notificationIntervalMs: number;
}): Record<string, Bottleneck.Group> {
  return {
    global: new Bottleneck.Group({ maxConcurrent: 10 }),
    auth: new Bottleneck.Group({ maxConcurrent: 1 }),
    search: new Bottleneck.Group({ maxConcurrent: 1, minTime: 2000 }),
    write: new Bottleneck.Group({ maxConcurrent: 1, minTime: pacing.writeIntervalMs }),
    notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: pacing.notificationIntervalMs }),
  };
}
