import { Transform } from "node:stream";
import { GitHubError, IntegrityError } from "@mlops/core";
import type { GitHubClient } from "../client.js";
import type { ReleaseAsset } from "./release.js";
import type { ResolvedModel } from "./resolve.js";

/** Attempts per asset (and per part of a large file) before a transient failure is final. */
export const DOWNLOAD_ATTEMPTS = 4;

/** True when the first bytes of a body look like an HTML page (an error page served with 200). */
export function looksLikeHtml(firstBytes: Buffer): boolean {
  const head = firstBytes.subarray(0, 512).toString("utf8").trimStart().toLowerCase();
  return head.startsWith("<!doctype") || head.startsWith("<html");
}

/**
 * The pass-through every downloaded asset byte goes through: when `sniff`, the first chunk is refused if it
 * is an HTML page (an error page served with 200) instead of the asset; every chunk then goes to `onChunk`,
 * which may refuse it by returning the reason (an IntegrityError).
 */
export function assetBytesCheck(
  assetName: string,
  sniff: boolean,
  onChunk: (chunk: Buffer) => string | undefined,
): Transform {
  let sniffed = !sniff;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!sniffed) {
        sniffed = true;
        if (looksLikeHtml(chunk)) {
          done(new IntegrityError(`Download of ${assetName} returned an HTML page, not the asset.`));
          return;
        }
      }
      const refused = onChunk(chunk);
      if (refused !== undefined) done(new IntegrityError(refused));
      else done(null, chunk);
    },
  });
}

/** An opened asset body; `status` 206 (with `contentRange`) when a byte range was asked for and granted. */
export interface AssetBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  status: number;
  /** The `Content-Range` header of a 206 answer (`bytes 100-199/200`). */
  contentRange?: string;
}

/**
 * The response body of an asset: the API answers either 200 with the bytes or 302 to a storage URL.
 * `fromByte` > 0 asks for the rest of the asset with `Range: bytes=N-` (RFC 9110 §14.2); a server that
 * ignores it answers 200 with every byte, which the caller must handle.
 */
export async function openAssetStream(
  client: GitHubClient,
  owner: string,
  repo: string,
  asset: ReleaseAsset,
  signal: AbortSignal,
  fromByte = 0,
): Promise<AssetBody> {
  const range: Record<string, string> = fromByte > 0 ? { range: `bytes=${fromByte}-` } : {};
  const response = await client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner,
    repo,
    asset_id: asset.id,
    headers: { accept: "application/octet-stream", ...range },
    request: { redirect: "manual", parseSuccessResponseBody: false, signal },
  });
  const headers = response.headers as Record<string, string | undefined>;
  const status = response.status as number;
  if (status >= 300 && status < 400) {
    await (response.data as unknown as ReadableStream | null)?.cancel().catch(() => {});
    const location = headers.location;
    if (!location)
      throw new GitHubError(
        `Downloading ${asset.name}: GitHub answered ${status} without a Location header.`,
        { status },
      );
    // The storage URL is pre-signed: follow it without our Authorization header.
    const followed = await fetch(location, { signal, headers: range });
    if (!followed.ok || !followed.body) {
      await followed.body?.cancel().catch(() => {});
      // A throttled storage answer (429, or any status with Retry-After) is transient: wait, then retry.
      const retryAfter = Number(followed.headers.get("retry-after"));
      const throttled =
        followed.status === 429 || (followed.headers.has("retry-after") && Number.isFinite(retryAfter));
      if (throttled)
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(Number.isFinite(retryAfter) ? retryAfter : 1, 60) * 1000),
        );
      throw Object.assign(
        new Error(`Downloading ${asset.name} from storage failed with ${followed.status}`),
        { status: throttled ? 503 : followed.status },
      );
    }
    const contentRange = followed.headers.get("content-range");
    return {
      body: followed.body,
      contentType: followed.headers.get("content-type") ?? "",
      status: followed.status,
      ...(contentRange ? { contentRange } : {}),
    };
  }
  return {
    body: response.data as unknown as ReadableStream<Uint8Array>,
    contentType: headers["content-type"] ?? "",
    status,
    ...(headers["content-range"] ? { contentRange: headers["content-range"] } : {}),
  };
}

export function requireAsset(resolved: ResolvedModel, name: string): ReleaseAsset {
  const asset = resolved.release.assets.find((a) => a.name === name);
  if (!asset)
    throw new IntegrityError(
      `${resolved.tag} has no ${name} asset; it was not registered by mlops-actions or is incomplete.`,
    );
  return asset;
}
