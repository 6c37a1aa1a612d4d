import { createReadStream } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { GitHubClient } from "../client.js";

/** An HTTP failure shaped like Octokit's RequestError, so `httpStatus`/`translateGitHubError` read it. */
export class UploadHttpError extends Error {
  readonly status: number;
  readonly response: { headers: Record<string, string>; data: unknown } | undefined;
  constructor(
    message: string,
    status: number,
    response?: { headers: Record<string, string>; data: unknown },
  ) {
    super(message);
    this.status = status;
    this.response = response;
  }
}

async function tokenOf(client: GitHubClient): Promise<string | undefined> {
  const auth = (await client.auth()) as { token?: string };
  return auth.token;
}

async function readJson(response: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * POSTs a file (or the byte range `offset … offset + size - 1` of it) to a release `upload_url` with
 * node:http, piping the file with backpressure.
 * (Node 20's fetch/undici reads a streamed request body ahead without bound: a 512 MiB upload
 * through fetch peaked at ~590 MiB RSS, through node:http at ~85 MiB.) No retries here: the caller
 * reconciles. Network failures surface as status 500, like Octokit's.
 */
export async function streamUpload(
  client: GitHubClient,
  url: string,
  file: { path: string; size: number; contentType: string; offset?: number },
  signal: AbortSignal,
  /** Told the byte count of each chunk as it is read for sending. */
  onBytes?: (bytes: number) => void,
): Promise<unknown> {
  const token = await tokenOf(client);
  const target = new URL(url);
  const request = (target.protocol === "https:" ? httpsRequest : httpRequest)(target, {
    method: "POST",
    signal,
    headers: {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "mlops-actions",
      "content-type": file.contentType,
      "content-length": String(file.size),
      ...(token ? { authorization: `token ${token}` } : {}),
    },
  });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    request.once("response", resolve);
    request.once("error", reject);
  });
  try {
    // One part of a large file: only its byte range is read (never the whole file, never a copy on disk).
    const offset = file.offset ?? 0;
    const source = createReadStream(file.path, { start: offset, end: offset + file.size - 1 });
    if (onBytes) {
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          onBytes(chunk.length);
          done(null, chunk);
        },
      });
      await pipeline(source, count, request);
    } else await pipeline(source, request);
    const response = await answered;
    const data = await readJson(response);
    const status = response.statusCode ?? 500;
    if (status >= 400) {
      const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)]));
      const message = (data as { message?: string } | null)?.message ?? `upload failed with ${status}`;
      throw new UploadHttpError(message, status, { headers, data });
    }
    return data;
  } catch (error) {
    answered.catch(() => {});
    if (error instanceof UploadHttpError) throw error;
    throw new UploadHttpError(`upload of ${file.path} failed: ${(error as Error).message}`, 500);
  }
}
