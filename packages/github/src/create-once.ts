import { httpStatus } from "./errors.js";

/**
 * Creates something at most once although the transport may fail after GitHub acted (a reset
 * connection, a 5xx after the write): the create runs with Octokit retries off, and after each
 * transient failure `find` looks for what an earlier attempt may have created before trying again.
 * Non-transient failures (4xx other than 409/422/429) are thrown at once.
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
      const status = httpStatus(error);
      if (status !== undefined && status < 500 && status !== 409 && status !== 422 && status !== 429)
        throw error;
      lastError = error;
    }
  }
  throw lastError;
}
