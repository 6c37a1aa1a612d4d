/**
 * Fault injection on the Actions runtime (`/twirp/…` results service, `/_blob/…` storage): the same
 * rules as the REST routes, answered the way these services answer a transient fault.
 *
 * - Twirp (the results service): errors are `{code, msg}` JSON with the code's HTTP status — `internal`
 *   500, `unavailable` 503, `resource_exhausted` 429 (https://twitchtv.github.io/twirp/docs/spec_v7.html,
 *   "Error Codes"). A 502/504 comes from the gateway in front of the service, not from twirp: its body is
 *   not JSON. The `@actions/artifact` v6 client (`lib/internal/shared/artifact-twirp-client.js`,
 *   `isRetryableHttpStatusCode`) retries 500, 502, 503, 504 and 429 and a body it cannot parse, 5 attempts
 *   3 s × 1.5ⁿ apart; it does NOT retry ECONNRESET/ETIMEDOUT (thrown at once as `NetworkError`).
 * - Azure Blob storage: errors are `<Error><Code>…` XML with `x-ms-error-code`; transient faults and
 *   throttling are `500 InternalError`/`OperationTimedOut` and `503 ServerBusy` — Blob storage throttles
 *   with 503, never 429 (https://learn.microsoft.com/en-us/rest/api/storageservices/common-rest-api-error-codes,
 *   https://learn.microsoft.com/en-us/azure/storage/blobs/scalability-targets). `@azure/storage-blob`'s
 *   `StorageRetryPolicy` (`@azure/storage-common/dist/esm/policies/StorageRetryPolicyV2.js`) retries 500,
 *   503 and network errors (ECONNRESET …), 4 tries; the artifact download (`download-artifact.js`,
 *   `streamExtract`) retries any failure 5 times, 5 s apart.
 */
import type { ServerResponse } from "node:http";
import type { FaultRule } from "../faults.js";
import { BLOB_PREFIX, sendError as sendBlobError } from "./blob.js";
import { TWIRP_PREFIX } from "./twirp.js";

/** The route template a fault rule names for a runtime request (twirp paths are fixed; blobs are not). */
export function runtimeTemplate(pathname: string): string | undefined {
  if (pathname.startsWith(TWIRP_PREFIX)) return pathname;
  if (pathname.startsWith(BLOB_PREFIX)) return `${BLOB_PREFIX}{blob+}`;
  return undefined; // `/_emulator/actions/…`: emulator-only
}

/** Answers `rule` (5xx, 429, secondary limit) for a runtime request instead of serving it. */
export function sendRuntimeFault(res: ServerResponse, pathname: string, rule: FaultRule): number {
  const rateLimited = rule.kind === "429" || rule.kind === "secondary-rate-limit";
  if (pathname.startsWith(BLOB_PREFIX)) {
    if (!rateLimited && rule.status === 500) {
      sendBlobError(
        res,
        500,
        "InternalError",
        "The server encountered an internal error. Please retry the request.",
      );
      return 500;
    }
    sendBlobError(
      res,
      503,
      "ServerBusy",
      "The server is currently unable to receive requests. Please retry your request.",
    );
    return 503;
  }
  const status = rateLimited ? 429 : (rule.status ?? 502);
  if (status === 502 || status === 504) {
    const body = `<html><body><h1>${status} ${status === 502 ? "Bad Gateway" : "Gateway Timeout"}</h1></body></html>`;
    res.writeHead(status, { "content-type": "text/html", "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
    return status;
  }
  const code = status === 429 ? "resource_exhausted" : status === 503 ? "unavailable" : "internal";
  const body = JSON.stringify({ code, msg: `injected fault: ${code}` });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    ...(rateLimited ? { "retry-after": "1" } : {}),
  });
  res.end(body);
  return status;
}

/**
 * Lets the request be served (the write happens) but cuts the response: headers and half the body
 * (by `content-length`; one byte of a body without it), then the socket is destroyed. A reply without a
 * body is dropped before its headers: the write happened, the client sees the connection reset.
 */
export function cutMidBody(res: ServerResponse): void {
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  let sent = 0;
  let cut = false;
  const reset = () => {
    if (cut) return;
    cut = true;
    setTimeout(() => res.destroy(), 5);
  };
  const limit = () => {
    const length = Number(res.getHeader("content-length"));
    return Number.isFinite(length) && length > 1 ? Math.floor(length / 2) : 1;
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (cut) return true;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    const room = limit() - sent;
    if (bytes.length >= room) {
      if (room > 0) write(bytes.subarray(0, room));
      reset();
      return true;
    }
    sent += bytes.length;
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    const ok = write(bytes);
    callback?.();
    return ok;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk !== undefined && typeof chunk !== "function") res.write(chunk as Buffer);
    // No body to cut (a 201 to a block upload): the write happened, the client sees the connection drop.
    if (!cut) {
      cut = true;
      res.destroy();
    }
    return res;
  }) as typeof res.end;
}
