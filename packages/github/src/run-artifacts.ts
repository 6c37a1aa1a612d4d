import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { GitHubError, IntegrityError } from "@mlops/core";
import unzip from "unzip-stream";
import {
  ARTIFACT_EXPIRED,
  type ArtifactSource,
  listRunArtifacts,
  type RunArtifact,
  type RunArtifactReader,
} from "./baseline.js";
import type { GitHubClient } from "./client.js";
import { httpStatus, withGitHubErrors } from "./errors.js";

const expired = (name: string, runId: number) =>
  new GitHubError(`Cannot download the artifact ${name} of run ${runId}: it ${ARTIFACT_EXPIRED}.`, {
    status: 410,
    reason: "other",
  });

/**
 * Another run's artifacts read over REST, for where there is no Actions artifact service (`mlops gate
 * --baseline base-branch` on a laptop); a job reads them through `@actions/artifact` instead. Listing is
 * left to `listRunArtifacts` (it knows which artifacts expired).
 *
 * `download` takes the run's newest unexpired artifact of that name (`GET …/runs/{run_id}/artifacts?name=`),
 * asks for its zip (`GET …/actions/artifacts/{artifact_id}/zip`: REST "Download an artifact" answers 302
 * with a `Location` that "expires after 1 minute", and 410 Gone once the artifact expired), fetches that
 * signed storage URL at once and without the token (it is another host), checks the bytes against the
 * artifact's `digest` (`sha256:<hex>`, set for uploads by upload-artifact v4 and later), and unzips it into
 * `directory` with unzip-stream, the reader `@actions/artifact` itself downloads with.
 */
export function restRunArtifactReader(client: GitHubClient): RunArtifactReader {
  return {
    async download(name: string, directory: string, from: ArtifactSource): Promise<{ path: string }> {
      const { owner, repo, runId } = from;
      const all = await listRunArtifacts(client, { owner, repo }, runId, name);
      const artifact = all.filter((a) => !a.expired).sort((a, b) => b.id - a.id)[0];
      if (!artifact) {
        if (all.length > 0) throw expired(name, runId);
        throw new GitHubError(
          `Cannot download the artifact ${name} of run ${runId}: the run has no such artifact.`,
          {
            status: 404,
            reason: "not-found",
          },
        );
      }
      const operation = `download the artifact ${name} of run ${runId}`;
      const location = await withGitHubErrors({ operation, owner, repo }, async () => {
        try {
          const { headers } = await client.request(
            "GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}",
            { owner, repo, artifact_id: artifact.id, archive_format: "zip", request: { redirect: "manual" } },
          );
          return headers.location;
        } catch (error) {
          if (httpStatus(error) === 410) throw expired(name, runId);
          throw error;
        }
      });
      if (!location)
        throw new GitHubError(`Cannot ${operation}: GitHub's answer had no Location to download from.`);
      const scratch = await mkdtemp(join(tmpdir(), "mlops-artifact-"));
      try {
        const zip = join(scratch, "artifact.zip");
        const sha256 = await fetchTo(location, zip, operation);
        checkDigest(artifact, sha256, name, runId);
        await mkdir(directory, { recursive: true });
        await extractZip(zip, directory, `the artifact ${name} of run ${runId}`);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      return { path: directory };
    },
  };
}

/** Streams `url` (a signed storage URL: no token sent) to `path`; the bytes' sha256 in hex. */
async function fetchTo(url: string, path: string, operation: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new GitHubError(
      `Cannot ${operation}: the artifact storage did not answer (${(error as Error).message}).`,
      {
        reason: "server",
        cause: error,
      },
    );
  }
  if (!response.ok || !response.body)
    throw new GitHubError(`Cannot ${operation}: the artifact storage answered ${response.status}.`, {
      status: response.status,
      reason: response.status >= 500 ? "server" : "other",
    });
  const hash = createHash("sha256");
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
    createWriteStream(path),
  );
  return hash.digest("hex");
}

function checkDigest(artifact: RunArtifact, sha256: string, name: string, runId: number): void {
  if (artifact.digest && artifact.digest !== `sha256:${sha256}`)
    throw new IntegrityError(
      `The artifact ${name} of run ${runId} does not match its digest: GitHub lists ${artifact.digest}, the downloaded zip is sha256:${sha256}.`,
    );
}

/** Writes the zip's files under `directory` (and waits until the last one is closed). */
function extractZip(zip: string, directory: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) =>
      reject(new IntegrityError(`Cannot unzip ${what}: ${error.message}`, { cause: error }));
    const extract = unzip.Extract({ path: directory });
    extract.on("close", () => resolve());
    extract.on("error", fail);
    createReadStream(zip).on("error", fail).pipe(extract);
  });
}
