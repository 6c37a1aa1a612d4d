import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { IntegrityError, type ModelManifest, type ModelSelector, parseModelManifest } from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { httpStatus, withGitHubErrors } from "../errors.js";
import { type GitHubLog, progressCounter, silentLog, type TransferProgress } from "../log.js";
import { assetBytesCheck, DOWNLOAD_ATTEMPTS, openAssetStream, requireAsset } from "./asset-stream.js";
import { parseSha256Sums } from "./metadata.js";
import { downloadParts } from "./parts-download.js";
import type { ReleaseAsset } from "./release.js";
import { type ResolvedModel, resolveModel } from "./resolve.js";
import { transferTimeoutMs } from "./upload.js";

export { type AssetBody, looksLikeHtml, openAssetStream } from "./asset-stream.js";

export interface DownloadModelOptions {
  owner: string;
  repo: string;
  model: string;
  /** `parseSelector`'s grammar, as text or parsed. */
  selector: string | ModelSelector;
  /** Directory the files are written to (created if needed). */
  dir: string;
  log?: GitHubLog;
  /** An earlier `resolveModel` answer for this selector: saves the two resolution calls. */
  resolved?: ResolvedModel;
  /** Told how the model files' bytes arrive (parts found verified on disk count as arrived). */
  progress?: TransferProgress;
}

export interface DownloadedModel {
  resolved: ResolvedModel;
  manifest: ModelManifest;
  /** Absolute or `dir`-relative paths of the model files written, in manifest order. */
  files: Array<{ name: string; path: string; size: number; sha256: string }>;
}

/** Streams one asset to `target` while hashing; the checks run on the stream, so memory stays flat. */
async function downloadAssetOnce(
  client: GitHubClient,
  owner: string,
  repo: string,
  asset: ReleaseAsset,
  target: string,
  onBytes: (bytes: number) => void,
): Promise<{ size: number; sha256: string }> {
  const signal = AbortSignal.timeout(transferTimeoutMs(asset.size));
  const { body, contentType } = await openAssetStream(client, owner, repo, asset, signal);
  if (/text\/html/i.test(contentType)) {
    await body.cancel().catch(() => {});
    throw new IntegrityError(
      `Download of ${asset.name} returned an HTML page (content-type ${contentType}), not the asset.`,
    );
  }
  const hash = createHash("sha256");
  let size = 0;
  const check = assetBytesCheck(asset.name, true, (chunk) => {
    size += chunk.length;
    hash.update(chunk);
    onBytes(chunk.length);
    return undefined;
  });
  await pipeline(
    Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0]),
    check,
    createWriteStream(target),
  );
  return { size, sha256: hash.digest("hex") };
}

/**
 * Downloads one asset with bounded retries of transient failures (5xx, connection reset mid-body);
 * integrity failures are not retried. Verifies size and the server `digest` (when GitHub has one).
 */
export async function downloadAsset(
  client: GitHubClient,
  owner: string,
  repo: string,
  asset: ReleaseAsset,
  target: string,
  onBytes?: (bytes: number) => void,
): Promise<{ size: number; sha256: string }> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
    let received = 0;
    try {
      const got = await downloadAssetOnce(client, owner, repo, asset, target, (bytes) => {
        received += bytes;
        onBytes?.(bytes);
      });
      if (got.size !== asset.size) {
        throw new IntegrityError(
          `${asset.name}: downloaded ${got.size} bytes, the release says ${asset.size}.`,
        );
      }
      if (asset.digest !== null && asset.digest !== `sha256:${got.sha256}`) {
        throw new IntegrityError(
          `${asset.name}: sha256:${got.sha256} does not match the release digest ${asset.digest}.`,
        );
      }
      return got;
    } catch (error) {
      onBytes?.(-received);
      await rm(target, { force: true });
      if (error instanceof IntegrityError) throw error;
      const status = httpStatus(error);
      if (status !== undefined && status < 500 && status !== 429) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * Resolves `selector` and downloads the version into `dir`: `model.json` and `SHA256SUMS` first,
 * then every file `model.json` lists, each streamed to disk while hashing (Accept:
 * application/octet-stream; a 302 is followed with a plain fetch without the auth header). Every file
 * must match its size, the asset `digest`, `model.json` and `SHA256SUMS`; an HTML page served with 200
 * or any mismatch is an IntegrityError and the bad file is removed.
 */
export async function downloadModel(
  client: GitHubClient,
  options: DownloadModelOptions,
): Promise<DownloadedModel> {
  const { owner, repo, dir } = options;
  const log = options.log ?? silentLog;
  const resolved = options.resolved ?? (await resolveModel(client, options));
  return withGitHubErrors({ operation: `download ${resolved.tag}`, owner, repo }, async () => {
    await mkdir(dir, { recursive: true });
    const manifestPath = join(dir, "model.json");
    const sumsPath = join(dir, "SHA256SUMS");
    const manifestDigest = await downloadAsset(
      client,
      owner,
      repo,
      requireAsset(resolved, "model.json"),
      manifestPath,
    );
    await downloadAsset(client, owner, repo, requireAsset(resolved, "SHA256SUMS"), sumsPath);
    const sums = parseSha256Sums(await readFile(sumsPath, "utf8"));
    if (sums.get("model.json") !== manifestDigest.sha256)
      throw new IntegrityError(`${resolved.tag}: model.json does not match SHA256SUMS.`);
    const manifest: ModelManifest = parseModelManifest(await readFile(manifestPath, "utf8"));
    if (manifest.model !== resolved.model || manifest.version !== resolved.version) {
      throw new IntegrityError(
        `${resolved.tag}: model.json describes ${manifest.model} v${manifest.version}, not this version.`,
      );
    }
    const files: DownloadedModel["files"] = [];
    const arrived = progressCounter(
      options.progress,
      "download",
      manifest.files.reduce((sum, f) => sum + f.size, 0),
    );
    for (const entry of manifest.files) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(entry.name))
        throw new IntegrityError(`${resolved.tag}: model.json lists an unsafe file name '${entry.name}'.`);
      const target = join(dir, entry.name);
      if (entry.parts) {
        const got = await downloadParts(client, {
          owner,
          repo,
          resolved,
          entry,
          sums,
          target,
          log,
          onBytes: arrived,
        });
        files.push({ name: entry.name, path: target, size: got.size, sha256: got.sha256 });
        continue;
      }
      const asset = requireAsset(resolved, entry.name);
      const partial = `${target}.partial`;
      const got = await downloadAsset(client, owner, repo, asset, partial, arrived);
      if (got.sha256 !== entry.sha256 || got.size !== entry.size || sums.get(entry.name) !== got.sha256) {
        await rm(partial, { force: true });
        throw new IntegrityError(
          `${resolved.tag}: ${entry.name} (sha256:${got.sha256}) does not match model.json / SHA256SUMS.`,
        );
      }
      await rename(partial, target);
      files.push({ name: entry.name, path: target, size: got.size, sha256: got.sha256 });
      log.debug(`${resolved.tag}: ${entry.name} verified (${got.size} bytes).`);
    }
    return { resolved, manifest, files };
  });
}
