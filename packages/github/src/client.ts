import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck/light.js";
import { githubErrorReason } from "./errors.js";
import { type GitHubLog, silentLog } from "./log.js";

/**
 * How this client waits out rate limits (see `rateLimitWaitSeconds`). One object per client, shared by
 * Octokit requests (the `rateLimitWaits` plugin) and streamed uploads (`waitForRateLimit`).
 */
export interface RateLimitPolicy {
  log: GitHubLog;
  /** Waits taken per request before giving up. */
  maxRetries: number;
  /** Longest single wait, in seconds. */
  maxWaitSeconds: number;
  /** Epoch ms by which the job must be done: a wait that would end later is not taken. */
  deadline: number | undefined;
  /** Milliseconds one second of waiting lasts (1000; tests shrink it). */
  secondMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const policies = new WeakMap<object, RateLimitPolicy>();
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The rate-limit policy of `client` (a default one for clients this package did not create). */
export function rateLimitPolicyOf(client: object): RateLimitPolicy {
  return (
    policies.get(client) ?? {
      log: silentLog,
      maxRetries: 3,
      maxWaitSeconds: 120,
      deadline: undefined,
      secondMs: 1000,
      now: Date.now,
      sleep: realSleep,
    }
  );
}

/**
 * Seconds to wait before retrying a rate-limited request, following GitHub's "Rate limits for the REST
 * API" (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit):
 * "If the retry-after response header is present, you should not retry your request until after that
 * many seconds has elapsed. Otherwise, if the x-ratelimit-remaining header is 0, you should not retry
 * your request until after the time, in UTC epoch seconds, specified by the x-ratelimit-reset header.
 * Otherwise, wait for at least one minute before retrying. If your request continues to fail due to a
 * secondary rate limit, wait for an exponentially increasing amount of time between retries."
 * `attempt` counts earlier waits of this request (0 → 60 s, 1 → 120 s, …). Undefined when `error`
 * is not a rate limit.
 */
export function rateLimitWaitSeconds(
  error: unknown,
  attempt: number,
  nowMs: number,
): { seconds: number; why: string } | undefined {
  const reason = githubErrorReason(error);
  if (reason !== "rate-limit" && reason !== "secondary-rate-limit") return undefined;
  const headers =
    (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  const kind = reason === "secondary-rate-limit" ? "secondary rate limit" : "rate limit";
  const retryAfter = Number(headers["retry-after"]);
  if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0)
    return { seconds: Math.ceil(retryAfter), why: `GitHub's ${kind}: retry-after ${retryAfter} s` };
  const reset = Number(headers["x-ratelimit-reset"]);
  if (
    headers["x-ratelimit-remaining"] === "0" &&
    Number.isFinite(reset) &&
    headers["x-ratelimit-reset"] !== undefined
  )
    return {
      seconds: Math.max(0, Math.ceil(reset - nowMs / 1000) + 1),
      why: `GitHub's ${kind}: no requests left until x-ratelimit-reset ${new Date(reset * 1000).toISOString()}`,
    };
  const seconds = 60 * 2 ** attempt;
  return {
    seconds,
    why: `GitHub's ${kind} without retry-after: waiting ${seconds} s (GitHub asks for at least one minute${attempt > 0 ? ", longer on each repeat" : ""})`,
  };
}

/**
 * Waits out a rate limit on `what` if GitHub's guidance allows it within the policy: returns true after
 * the wait (retry now), false when `error` is no rate limit or the wait is over budget (too many
 * attempts, longer than `maxWaitSeconds`, or past the deadline). Says why it waits, or why it does not.
 */
export async function waitForRateLimit(
  policy: RateLimitPolicy,
  error: unknown,
  attempt: number,
  what: string,
): Promise<boolean> {
  const wait = rateLimitWaitSeconds(error, attempt, policy.now());
  if (!wait) return false;
  const ms = wait.seconds * policy.secondMs;
  const left = policy.deadline === undefined ? undefined : policy.deadline - policy.now();
  let refusal: string | undefined;
  if (attempt >= policy.maxRetries) refusal = `already waited ${attempt} times`;
  else if (wait.seconds > policy.maxWaitSeconds)
    refusal = `longer than the ${policy.maxWaitSeconds} s allowed`;
  else if (left !== undefined && ms > left)
    refusal = `the job has only ${Math.max(0, Math.floor(left / policy.secondMs))} s left before its deadline`;
  if (refusal) {
    policy.log.warning(`${what}: ${wait.why}; not waiting (${refusal}).`);
    return false;
  }
  policy.log.warning(
    `${what}: ${wait.why}; retrying in ${wait.seconds} s (attempt ${attempt + 1} of ${policy.maxRetries}).`,
  );
  await policy.sleep(ms);
  return true;
}

/** A request body that cannot be sent twice (a stream). */
function replayable(body: unknown): boolean {
  return (
    !(body && typeof body === "object" && typeof (body as { pipe?: unknown }).pipe === "function") &&
    !(body instanceof ReadableStream)
  );
}

/**
 * Octokit plugin: retries rate-limited requests (403/429 primary or secondary) after the wait GitHub
 * asks for (`waitForRateLimit`). Registered last, so it wraps plugin-retry and plugin-throttling, whose
 * own rate-limit retries are off (their waits are not bounded by a deadline nor injectable).
 */
function rateLimitWaits(
  octokit: { hook: Octokit["hook"]; request: Octokit["request"] },
  octokitOptions: Record<string, unknown>,
) {
  const policy = octokitOptions.mlopsRateLimit as RateLimitPolicy | undefined;
  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        if (!policy || !replayable(options.data)) throw error;
        const parsed = octokit.request.endpoint.parse(options);
        const what = `${parsed.method} ${parsed.url.replace(String(options.baseUrl ?? ""), "")}`;
        if (!(await waitForRateLimit(policy, error, attempt, what))) throw error;
      }
    }
  });
  return {};
}

/** Octokit with retries (5xx, network resets, timeouts), pacing, and rate-limit waits. */
export const MlopsOctokit = Octokit.plugin(retry, throttling, rateLimitWaits);
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
  /**
   * Epoch ms by which the job must be done (e.g. the job's start + its `timeout-minutes`): a rate-limit
   * wait that would end later is not taken, and the request fails with GitHub's answer instead.
   * Default: `MLOPS_DEADLINE` (ISO time or epoch ms) when set.
   */
  deadline?: number;
  /** Clock and sleep for rate-limit waits (tests inject both; default `Date.now` and `setTimeout`). */
  clock?: { now(): number; sleep(ms: number): Promise<void> };
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
  const policy: RateLimitPolicy = {
    log,
    maxRetries: options.retries ?? 3,
    maxWaitSeconds: options.maxRateLimitWaitSeconds ?? 120,
    deadline: options.deadline ?? deadlineFromEnv(),
    secondMs: options.retryBaseMs ?? 1000,
    now: options.clock ? () => options.clock?.now() ?? Date.now() : Date.now,
    sleep: options.clock ? (ms) => options.clock?.sleep(ms) ?? realSleep(ms) : realSleep,
  };
  // plugin-throttling keeps pacing writes; its own rate-limit retries are off (rateLimitWaits retries).
  const noThrottleRetry = () => false;
  const client = new MlopsOctokit({
    auth: options.token,
    baseUrl: (options.apiUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "mlops-actions",
    // Do not put `retries` here: plugin-retry reads `request.retries` on ANY error and would then retry 4xx too.
    request: { fetch: fetchWithTimeout(options.requestTimeoutMs ?? 60_000) },
    // 429 is a rate limit: waited out by rateLimitWaits (≥ 60 s without retry-after), not retried after 1 s.
    retry: {
      retries: policy.maxRetries,
      retryAfterBaseValue: options.retryBaseMs ?? 1000,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      onRateLimit: noThrottleRetry,
      onSecondaryRateLimit: noThrottleRetry,
      ...(options.pacing ? privateGroups(options.pacing) : {}),
    },
    mlopsRateLimit: policy,
    log: {
      debug: (m: string) => log.debug(m),
      info: (m: string) => log.debug(m),
      warn: (m: string) => log.warning(m),
      error: (m: string) => (isAnsweredRequestLine(m) ? log.debug(m) : log.warning(m)),
    },
  });
  policies.set(client, policy);
  return client;
}

/**
 * Octokit's request log reports every failed request as an error (`POST /repos/…/git/refs - 422 with
 * id …`). A 4xx is an answer the caller either expects (422 "Reference already exists" on an idempotent
 * re-run, 404 for "not there yet") or turns into its own error message, so that line is debug output:
 * no `⚠` for a run that went as planned. 5xx and network failures stay warnings.
 */
function isAnsweredRequestLine(line: string): boolean {
  const status = Number(/ - (\d{3}) with id /.exec(line)?.[1]);
  // 304: the answer to a conditional request (conditional-cache.ts), which Octokit reports as an error.
  return status === 304 || (status >= 400 && status < 500);
}

function deadlineFromEnv(): number | undefined {
  const text = process.env.MLOPS_DEADLINE?.trim();
  if (!text) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(value) ? value : undefined;
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
