import { setTimeout as sleep } from "node:timers/promises";

/** Where runs keep files for later steps and later runs: the Actions artifact service, or a folder. */
export interface ArtifactStore {
  /** Set when artifacts cannot work here (GitHub Enterprise Server): why, in one line. */
  unavailable?: string;
  upload(name: string, files: string[], rootDirectory: string): Promise<{ id: number; size: number }>;
  /** Downloads an artifact of this run (by name), or of another run when `from` is given. */
  download(name: string, directory: string, from?: ArtifactSource): Promise<{ path: string }>;
  /** Names (and ids) of the artifacts of this run, or of another run when `from` is given. */
  list?(from?: ArtifactSource): Promise<Array<{ id: number; name: string; size: number }>>;
}

/** Another workflow run to read artifacts from (cross-run download needs a token with `actions: read`). */
export interface ArtifactSource {
  runId: number;
  owner: string;
  repo: string;
  token: string;
}

/** Where the real client looks for another run's artifacts (`undefined`: this run). */
function findByOf(from: ArtifactSource | undefined) {
  return from
    ? { token: from.token, workflowRunId: from.runId, repositoryOwner: from.owner, repositoryName: from.repo }
    : undefined;
}

export interface ArtifactRetryOptions {
  /** Attempts of each operation (default 4). */
  attempts?: number;
  /** Back-off base: waits are base × attempt (default 2000 ms); a rate limit waits its `retry-after`. */
  backoffMs?: number;
  /**
   * Longest wait for one attempt (default 30 min): a backstop for a client that never settles while other
   * work keeps the process busy (otherwise `beforeExit` ends the attempt at once).
   */
  attemptTimeoutMs?: number;
  /** Where retries are reported (a warning line each). */
  warn?: (message: string) => void;
}

/**
 * The real service through the unmodified `@actions/artifact` client. It is imported lazily: it reads
 * `GITHUB_API_URL` at module load, and only steps that use artifacts should pay for loading it.
 *
 * Every operation is retried as a whole (`withArtifactRetries`): the client retries only some transient
 * faults itself. An upload whose earlier attempt may have created the artifact deletes it first (the
 * service refuses a second artifact of the same name in a run).
 */
export function createActionsArtifactStore(retry: ArtifactRetryOptions = {}): ArtifactStore {
  const client = async () => {
    const { DefaultArtifactClient } = await import("@actions/artifact");
    return new DefaultArtifactClient();
  };
  return {
    async upload(name, files, rootDirectory) {
      let attempted = false;
      const result = await withArtifactRetries(`upload the artifact '${name}'`, retry, async () => {
        const artifacts = await client();
        if (attempted) await artifacts.deleteArtifact(name).catch(() => undefined); // nothing to delete
        attempted = true;
        return artifacts.uploadArtifact(name, files, rootDirectory);
      });
      return { id: result.id ?? 0, size: result.size ?? 0 };
    },
    async download(name, directory, from) {
      const findBy = findByOf(from);
      return withArtifactRetries(`download the artifact '${name}'`, retry, async () => {
        const artifacts = await client();
        const { artifact } = await artifacts.getArtifact(name, findBy ? { findBy } : undefined);
        const result = await artifacts.downloadArtifact(artifact.id, {
          path: directory,
          ...(findBy ? { findBy } : {}),
        });
        if (result.digestMismatch) throw new Error(`Artifact ${name} failed its digest check after download`);
        return { path: result.downloadPath ?? directory };
      });
    },
    async list(from) {
      const findBy = findByOf(from);
      const { artifacts } = await withArtifactRetries("list the artifacts", retry, async () =>
        (await client()).listArtifacts(findBy ? { findBy } : {}),
      );
      return artifacts.map((a) => ({ id: a.id, name: a.name, size: a.size }));
    },
  };
}

/** Failures a retry cannot fix: no such artifact, bad names or paths, storage quota used up. */
const PERMANENT =
  /ArtifactNotFoundError|InvalidResponseError|FilesNotFoundError|GHESNotSupportedError|UsageError|not found|invalid artifact name|storage quota/i;

/**
 * Runs one artifact-client operation, retrying it as a whole. The unmodified `@actions/artifact` v6 client
 * retries 500/502/503/504/429 on its twirp calls (`artifact-twirp-client.js`) and `@azure/storage-blob`
 * retries 500/503 and some socket errors, but neither retries: ECONNRESET on a twirp call (thrown as
 * `NetworkError`), a blob answer cut mid-body ("Error reading response as text: aborted"), a cross-run
 * REST lookup refused by a secondary rate limit (its Octokit never retries 403). And when the results
 * service's connection drops mid-answer, `@actions/http-client`'s `readBody` (it listens for 'data' and
 * 'end' only) never settles: the process runs out of work and would exit as if done. So an attempt also
 * ends when the event loop has nothing left to do but wait for it (`beforeExit`), or after
 * `attemptTimeoutMs`.
 * After the last attempt the error names the operation and the attempts.
 */
export async function withArtifactRetries<T>(
  operation: string,
  options: ArtifactRetryOptions,
  run: () => Promise<T>,
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 2000;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 30 * 60_000;
  for (let attempt = 1; ; attempt++) {
    let onIdle: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      onIdle = () =>
        reject(new Error("the connection dropped mid-answer and the artifact client never noticed"));
      process.once("beforeExit", onIdle);
      timer = setTimeout(
        () => reject(new Error(`no answer within ${Math.round(attemptTimeoutMs / 1000)} s`)),
        attemptTimeoutMs,
      );
      timer.unref(); // must not keep the process alive: `beforeExit` is the quick way out
    });
    hung.catch(() => undefined);
    try {
      return await Promise.race([run(), hung]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const name = error instanceof Error ? error.name : "";
      if (PERMANENT.test(`${name} ${message}`) || attempt >= attempts)
        throw new Error(`Cannot ${operation} after ${attempt} attempt${attempt > 1 ? "s" : ""}: ${message}`, {
          cause: error,
        });
      const wait = retryAfterMs(error) ?? backoffMs * attempt;
      options.warn?.(
        `Attempt ${attempt} of ${attempts} to ${operation} failed (${message}); retrying in ${Math.round(wait / 1000)} s.`,
      );
      await sleep(wait);
    } finally {
      if (onIdle) process.off("beforeExit", onIdle);
      clearTimeout(timer);
    }
  }
}

/** A rate limit's `retry-after` (or GitHub's advice of 60 s for a secondary limit without one). */
function retryAfterMs(error: unknown): number | undefined {
  const response = (error as { response?: { headers?: Record<string, string | undefined> } }).response;
  const after = Number(response?.headers?.["retry-after"]);
  if (Number.isFinite(after) && after > 0) return after * 1000;
  if (/secondary rate limit/i.test(error instanceof Error ? error.message : "")) return 60_000;
  return undefined;
}
