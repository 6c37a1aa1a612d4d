import { setTimeout as sleep } from "node:timers/promises";
import { InputError } from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { httpStatus, withGitHubErrors } from "./errors.js";
import { type GitHubLog, silentLog } from "./log.js";
import type { RegisteredModel } from "./registry/register.js";

/**
 * Sends a `repository_dispatch` event (the only event a GITHUB_TOKEN can use to start other workflows).
 * Limits checked before sending: `event_type` ≤ 100 chars, `client_payload` ≤ 10 top-level keys and < 64 KB.
 *
 * At most once: GitHub keeps no list of dispatched events to look a lost one up in (the events API has
 * no `repository_dispatch` type), so the POST is never replayed blindly. Octokit's retries are off; an
 * answer with a 5xx status (GitHub said it failed) is re-sent with back-off, rate limits wait in the
 * throttling plugin; a failure without any answer after the request went out (reset, timeout) is not
 * re-sent — GitHub most likely acted — and says so in a warning.
 */
export async function dispatchEvent(
  client: GitHubClient,
  options: {
    owner: string;
    repo: string;
    eventType: string;
    clientPayload?: Record<string, unknown>;
    log?: GitHubLog;
  },
): Promise<void> {
  const { owner, repo, eventType } = options;
  const payload = options.clientPayload ?? {};
  if (eventType.length === 0 || eventType.length > 100)
    throw new InputError(`repository_dispatch event type must be 1-100 chars, got ${eventType.length}.`);
  if (Object.keys(payload).length > 10)
    throw new InputError("repository_dispatch client_payload may have at most 10 top-level keys.");
  if (Buffer.byteLength(JSON.stringify(payload)) >= 64 * 1024)
    throw new InputError("repository_dispatch client_payload must be under 64 KB.");
  const log = options.log ?? silentLog;
  await withGitHubErrors(
    { operation: `send the '${eventType}' repository_dispatch event`, owner, repo },
    async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.request("POST /repos/{owner}/{repo}/dispatches", {
            owner,
            repo,
            event_type: eventType,
            client_payload: payload,
            request: { retries: 0 },
          });
          return;
        } catch (error) {
          const answered = (error as { response?: unknown }).response !== undefined;
          const status = httpStatus(error) ?? 0;
          if (!answered && !neverSent(error)) {
            log.warning(
              `The '${eventType}' repository_dispatch event was sent but its answer was lost (${(error as Error).message}); not re-sending it, since GitHub most likely received it and a second send would start its workflows twice.`,
            );
            return;
          }
          if ((answered && status < 500) || attempt >= DISPATCH_ATTEMPTS) throw error;
          log.warning(
            `Sending the '${eventType}' repository_dispatch event failed (${answered ? status : (error as Error).message}); retrying.`,
          );
          await sleep(DISPATCH_BACKOFF_MS * attempt * attempt);
        }
      }
    },
  );
}

const DISPATCH_ATTEMPTS = 4;
const DISPATCH_BACKOFF_MS = 1000;

/** Failures before any byte reached GitHub (no connection was made): re-sending cannot duplicate. */
function neverSent(error: unknown): boolean {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT)$/.test(code))
      return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Sends `mlops.model.registered` for a version just registered (not for one that already existed): the
 * event the release workflow's deploy and the user's own workflows listen to. One payload, whether the
 * register action or `mlops registry register` registered it.
 */
export async function dispatchModelRegistered(
  client: GitHubClient,
  options: {
    owner: string;
    repo: string;
    model: string;
    registered: Pick<RegisteredModel, "version" | "tag" | "releaseUrl" | "parentVersion">;
    aliases: string[];
    commit: string;
    runId: number;
    log?: GitHubLog;
  },
): Promise<void> {
  const { registered } = options;
  await dispatchEvent(client, {
    owner: options.owner,
    repo: options.repo,
    eventType: "mlops.model.registered",
    clientPayload: {
      model: options.model,
      version: registered.version,
      tag: registered.tag,
      release_url: registered.releaseUrl,
      aliases: options.aliases,
      parent_version: registered.parentVersion,
      commit: options.commit,
      run_id: options.runId,
    },
    ...(options.log ? { log: options.log } : {}),
  });
}
