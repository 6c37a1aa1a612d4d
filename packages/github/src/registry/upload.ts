import { IntegrityError } from "@mlops/core";
import { type GitHubClient, rateLimitPolicyOf, waitForRateLimit } from "../client.js";
import { githubErrorReason } from "../errors.js";
import { listAllPages } from "../paginate.js";
import { type Release, type ReleaseAsset, toAsset } from "./release.js";
import { streamUpload } from "./stream-upload.js";

/** GitHub refuses assets of 2 GiB and more. */
export const MAX_ASSET_BYTES = 2 * 1024 ** 3 - 1;
const UPLOAD_ATTEMPTS = 4;

/** One asset to upload: a file on disk (streamed) or small in-memory content. */
export interface AssetSource {
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  /** Path of the file, streamed; or `content` for small generated files (model.json, SHA256SUMS). */
  path?: string;
  /** With `path`: the asset is bytes `offset … offset + size - 1` of the file (one part of a large file). */
  offset?: number;
  content?: Buffer;
}

/** True when an existing asset already holds exactly these bytes (server digest, or size when GitHub gave none). */
export function assetMatches(asset: ReleaseAsset, source: AssetSource): boolean {
  if (asset.state !== "uploaded" || asset.size !== source.size) return false;
  return asset.digest === null || asset.digest === `sha256:${source.sha256}`;
}

function uploadEndpoint(release: Release, name: string): string {
  return `${release.uploadUrl.replace(/\{[^}]*\}$/, "")}?name=${encodeURIComponent(name)}`;
}

async function listAssets(
  client: GitHubClient,
  owner: string,
  repo: string,
  releaseId: number,
): Promise<ReleaseAsset[]> {
  // Every page: `per_page` is at most 100, and a model sharded into more files has more assets.
  const raw = await listAllPages<Parameters<typeof toAsset>[0]>(
    client,
    "GET /repos/{owner}/{repo}/releases/{release_id}/assets",
    { owner, repo, release_id: releaseId },
  );
  return raw.map(toAsset);
}

async function deleteAsset(
  client: GitHubClient,
  owner: string,
  repo: string,
  assetId: number,
): Promise<void> {
  try {
    await client.request("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}", {
      owner,
      repo,
      asset_id: assetId,
    });
  } catch (error) {
    if (githubErrorReason(error) !== "not-found") throw error;
  }
}

/**
 * Uploads one asset to a (draft) release, streaming files from disk with an explicit Content-Length.
 * Octokit's own retry is off for this request (a consumed stream cannot be replayed); instead each
 * failed attempt is reconciled: list the assets, keep a complete identical one, delete a partial or
 * different one (GitHub answers 422 `already_exists` for a second upload with the same name, and may
 * leave a `starter` asset after a 502), then upload again. The server's `digest` must equal the local
 * sha256, else the asset is deleted and re-uploaded; still wrong after the last attempt → IntegrityError.
 */
export async function uploadAsset(
  client: GitHubClient,
  owner: string,
  repo: string,
  release: Release,
  source: AssetSource,
  onBytes?: (bytes: number) => void,
): Promise<ReleaseAsset> {
  let lastError: unknown;
  let sent = 0;
  const count = (bytes: number) => {
    sent += bytes;
    onBytes?.(bytes);
  };
  // A failed attempt's bytes are taken back from the progress before the next one.
  const takeBack = () => {
    onBytes?.(-sent);
    sent = 0;
  };
  let rateLimitWaits = 0;
  for (let attempt = 1; attempt <= UPLOAD_ATTEMPTS; attempt++) {
    const present = (attempt === 1 ? release.assets : await listAssets(client, owner, repo, release.id)).find(
      (a) => a.name === source.name,
    );
    if (present && assetMatches(present, source)) {
      takeBack();
      onBytes?.(source.size);
      return present;
    }
    if (present) await deleteAsset(client, owner, repo, present.id);
    try {
      const signal = AbortSignal.timeout(transferTimeoutMs(source.size));
      const url = uploadEndpoint(release, source.name);
      const data = source.content
        ? (
            await client.request({
              method: "POST",
              url,
              headers: { "content-type": source.contentType, "content-length": String(source.size) },
              data: source.content,
              request: { retries: 0, signal },
            })
          ).data
        : await streamUpload(
            client,
            url,
            {
              path: source.path ?? "",
              size: source.size,
              offset: source.offset ?? 0,
              contentType: source.contentType,
            },
            signal,
            count,
          );
      if (source.content) count(source.size);
      const uploaded = toAsset(data as Parameters<typeof toAsset>[0]);
      if (assetMatches(uploaded, source)) return uploaded;
      takeBack();
      lastError = new IntegrityError(
        `Uploaded asset ${source.name} does not match the local file: server has ${uploaded.size} bytes, ${uploaded.digest ?? "no digest"}; local ${source.size} bytes, sha256:${source.sha256}.`,
      );
      await deleteAsset(client, owner, repo, uploaded.id);
    } catch (error) {
      takeBack();
      const reason = githubErrorReason(error);
      if (reason === "rate-limit" || reason === "secondary-rate-limit") {
        const what = `upload of ${source.name}`;
        if (!(await waitForRateLimit(rateLimitPolicyOf(client), error, rateLimitWaits++, what))) throw error;
      } else if (reason !== "server" && reason !== "already-exists" && reason !== undefined) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/** Time allowed to move `bytes` through one request: 2 min, or more at an assumed floor of 250 KB/s. */
export function transferTimeoutMs(bytes: number): number {
  return Math.ceil(Math.max(120_000, bytes / 250));
}
