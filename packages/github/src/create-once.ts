import { githubErrorReason, isTransientGitHubError } from "./errors.js";

/**
 * Creates something at most once although the transport may fail after GitHub acted (a reset
 * connection, a 5xx after the write): the create runs with Octokit retries off, and after each
 * transient failure `find` looks for what an earlier attempt may have created before trying again.
 * Other failures (permission, validation, ruleset refusals, not found) are thrown at once.
 */
export async function createOnce<T>(options: {
  create: () => Promise<T>;
  find: () => Promise<T | undefined>;
  attempts?: number;
}): Promise<T> {
  const attempts = options.attempts ?? 4;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      const found = await options.find();
      if (found !== undefined) return found;
    }
    try {
      return await options.create();
    } catch (error) {
      // Worth another look-and-try: a transient failure (5xx, network, rate limit) or a clash with what an
      // earlier attempt may have written (409, 422 already_exists). Anything else is final.
      const reason = githubErrorReason(error);
      if (
        !isTransientGitHubError(error) &&
        reason !== "conflict" &&
        reason !== "already-exists" &&
        reason !== undefined
      )
        throw error;
      lastError = error;
    }
  }
  throw lastError;
}
