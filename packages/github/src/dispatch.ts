import { InputError } from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { withGitHubErrors } from "./errors.js";

/**
 * Sends a `repository_dispatch` event (the only event a GITHUB_TOKEN can use to start other workflows).
 * Limits checked before sending: `event_type` ≤ 100 chars, `client_payload` ≤ 10 top-level keys and < 64 KB.
 */
export async function dispatchEvent(
  client: GitHubClient,
  options: { owner: string; repo: string; eventType: string; clientPayload?: Record<string, unknown> },
): Promise<void> {
  const { owner, repo, eventType } = options;
  const payload = options.clientPayload ?? {};
  if (eventType.length === 0 || eventType.length > 100)
    throw new InputError(`repository_dispatch event type must be 1-100 chars, got ${eventType.length}.`);
  if (Object.keys(payload).length > 10)
    throw new InputError("repository_dispatch client_payload may have at most 10 top-level keys.");
  if (Buffer.byteLength(JSON.stringify(payload)) >= 64 * 1024)
    throw new InputError("repository_dispatch client_payload must be under 64 KB.");
  await withGitHubErrors(
    { operation: `send the '${eventType}' repository_dispatch event`, owner, repo },
    () =>
      client.request("POST /repos/{owner}/{repo}/dispatches", {
        owner,
        repo,
        event_type: eventType,
        client_payload: payload,
      }),
  );
}
