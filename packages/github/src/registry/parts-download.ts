import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, rm, stat, truncate } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { IntegrityError, type ModelManifest } from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { httpStatus } from "../errors.js";
import type { GitHubLog } from "../log.js";
import { assetBytesCheck, DOWNLOAD_ATTEMPTS, openAssetStream, requireAsset } from "./asset-stream.js";
import type { ReleaseAsset } from "./release.js";
import type { ResolvedModel } from "./resolve.js";
import { transferTimeoutMs } from "./upload.js";

type ManifestFile = ModelManifest["files"][number];
type ManifestPart = NonNullable<ManifestFile["parts"]>[number];

export interface DownloadPartsOptions {
  owner: string;
  repo: string;
  resolved: ResolvedModel;
  /** The `model.json` entry of the file (with its parts). */
  entry: ManifestFile;
  /** SHA256SUMS of the version, name → hex. */
  sums: Map<string, string>;
  /** The final path of the reassembled file. */
  target: string;
  log: GitHubLog;
  /** Called with the number of bytes each time some arrive or are found verified on disk. */
  onBytes?: (bytes: number) => void;
}

/** The file being reassembled: named after the whole file's sha256, so a leftover of another version is never reused. */
export function reassemblyPath(target: string, sha256: string): string {
  return `${target}.${sha256.slice(0, 16)}.partial`;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Feeds bytes `start … start + length - 1` of `path` to the hashes (streamed). */
async function hashRange(path: string, start: number, length: number, hashes: Hash[]): Promise<void> {
  if (length <= 0) return;
  for await (const chunk of createReadStream(path, {
    start,
    end: start + length - 1,
    highWaterMark: 1024 * 1024,
  }))
    for (const hash of hashes) hash.update(chunk as Buffer);
}

/** The start byte a 206 answer's `Content-Range: bytes START-END/TOTAL` says it carries. */
function rangeStart(contentRange: string | undefined): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange?.trim() ?? "");
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Streams the asset of `part` from byte `have` of the part into the reassembly file at
 * `part.offset + have`, feeding every byte written to the hashes. Asks for the rest with a Range request
 * when `have` > 0; a server that ignores it (200, every byte) restarts the part from its first byte.
 * Returns the byte of the part the written bytes started at (`have`, or 0 after a restart).
 */
async function fetchPart(
  client: GitHubClient,
  options: DownloadPartsOptions,
  asset: ReleaseAsset,
  part: ManifestPart,
  path: string,
  have: number,
  hashesFor: (startedAt: number) => Hash[],
  onBytes: (bytes: number) => void,
): Promise<number> {
  const { owner, repo } = options;
  const signal = AbortSignal.timeout(transferTimeoutMs(part.size - have));
  const answer = await openAssetStream(client, owner, repo, asset, signal, have);
  if (/text\/html/i.test(answer.contentType)) {
    await answer.body.cancel().catch(() => {});
    throw new IntegrityError(
      `Download of ${asset.name} returned an HTML page (content-type ${answer.contentType}), not the asset.`,
    );
  }
  let startedAt = 0;
  if (have > 0 && answer.status === 206) {
    const start = rangeStart(answer.contentRange);
    if (start !== have) {
      await answer.body.cancel().catch(() => {});
      throw new IntegrityError(
        `${asset.name}: asked for bytes ${have}- and got Content-Range '${answer.contentRange ?? ""}'.`,
      );
    }
    startedAt = have;
  } else if (have > 0) {
    options.log.debug(`${asset.name}: the server ignored the Range request; downloading the part again.`);
  }
  // Bytes after the part's end must not reach the next part: the file is cut at the part's start first.
  await truncate(path, part.offset + startedAt);
  const hashes = hashesFor(startedAt);
  let written = startedAt;
  const check = assetBytesCheck(asset.name, startedAt === 0 && part.offset === 0, (chunk) => {
    written += chunk.length;
    if (written > part.size) return `${asset.name}: the server sent more than the part's ${part.size} bytes.`;
    for (const hash of hashes) hash.update(chunk);
    onBytes(chunk.length);
    return undefined;
  });
  await pipeline(
    Readable.fromWeb(answer.body as Parameters<typeof Readable.fromWeb>[0]),
    check,
    createWriteStream(path, { flags: "r+", start: part.offset + startedAt }),
  );
  if (written !== part.size)
    throw Object.assign(new Error(`${asset.name}: the answer ended after ${written} of ${part.size} bytes`), {
      status: 502,
    });
  return startedAt;
}

/**
 * Downloads a file stored as numbered parts and reassembles it at `target`, streamed (memory does not
 * grow with the file; the parts are written straight into one file at their offsets, never kept twice).
 * Every part must match its sha256 in `model.json` and `SHA256SUMS` (and the release's asset digest);
 * the whole file must match its own sha256 too. Resumable: the file under reassembly keeps its name
 * (`<target>.<sha256 prefix>.partial`) across attempts and runs; complete parts already in it with the
 * right sha256 are kept, a part cut short resumes with a Range request (or starts over when the server
 * ignores Range), and a part whose bytes are wrong after a resume is downloaded again from its start.
 * A part that is still wrong when downloaded whole is an IntegrityError (the good parts stay on disk).
 */
export async function downloadParts(
  client: GitHubClient,
  options: DownloadPartsOptions,
): Promise<{ size: number; sha256: string }> {
  const { resolved, entry, sums, target, log } = options;
  const parts = entry.parts ?? [];
  if (sums.get(entry.name) !== entry.sha256)
    throw new IntegrityError(
      `${resolved.tag}: ${entry.name} does not match between model.json and SHA256SUMS.`,
    );
  const assets = parts.map((part) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(part.name))
      throw new IntegrityError(`${resolved.tag}: model.json lists an unsafe part name '${part.name}'.`);
    const asset = requireAsset(resolved, part.name);
    if (sums.get(part.name) !== part.sha256)
      throw new IntegrityError(
        `${resolved.tag}: ${part.name} does not match between model.json and SHA256SUMS.`,
      );
    if (asset.size !== part.size)
      throw new IntegrityError(
        `${resolved.tag}: ${part.name} is ${asset.size} bytes on the release, model.json says ${part.size}.`,
      );
    if (asset.digest !== null && asset.digest !== `sha256:${part.sha256}`)
      throw new IntegrityError(
        `${resolved.tag}: ${part.name} has release digest ${asset.digest}, model.json says sha256:${part.sha256}.`,
      );
    return asset;
  });
  const path = reassemblyPath(target, entry.sha256);
  if ((await sizeOf(path)) > entry.size) await rm(path, { force: true });
  await (await open(path, "a")).close(); // exists from here on: parts are written into it with r+
  let whole = createHash("sha256");
  for (const [index, part] of parts.entries()) {
    const asset = assets[index] as ReleaseAsset;
    const atPartStart = whole.copy();
    let lastError: unknown;
    let verified: Hash | undefined;
    let fullDownloads = 0;
    for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS && !verified; attempt++) {
      // What of this part is on disk already (an earlier attempt or run), hashed from the file itself.
      const have = Math.min(Math.max((await sizeOf(path)) - part.offset, 0), part.size);
      let wholeHere = atPartStart.copy();
      let partHash = createHash("sha256");
      let reported = 0;
      const report = (bytes: number) => {
        reported += bytes;
        options.onBytes?.(bytes);
      };
      const takeBack = () => report(-reported);
      await hashRange(path, part.offset, have, [wholeHere, partHash]);
      if (have === part.size) {
        if (partHash.digest("hex") === part.sha256) {
          log.debug(`${part.name}: already on disk and verified.`);
          report(part.size);
          verified = wholeHere;
          break;
        }
        log.debug(`${part.name}: the bytes on disk are not the part; downloading it again.`);
        await truncate(path, part.offset);
        continue;
      }
      report(have);
      try {
        const startedAt = await fetchPart(
          client,
          options,
          asset,
          part,
          path,
          have,
          (from) => {
            if (from === have) return [wholeHere, partHash];
            takeBack();
            wholeHere = atPartStart.copy();
            partHash = createHash("sha256");
            return [wholeHere, partHash];
          },
          report,
        );
        if (startedAt === 0) fullDownloads += 1;
        const digest = partHash.digest("hex");
        if (digest === part.sha256) {
          verified = wholeHere;
          break;
        }
        takeBack();
        await truncate(path, part.offset);
        if (fullDownloads > 0)
          throw new IntegrityError(
            `${resolved.tag}: part ${part.name} of ${entry.name} downloaded as sha256:${digest}, model.json and SHA256SUMS say ${part.sha256}; refused.`,
          );
        log.debug(`${part.name}: the resumed part does not match; downloading it again from its start.`);
      } catch (error) {
        takeBack();
        if (error instanceof IntegrityError) throw error;
        const status = httpStatus(error);
        if (status !== undefined && status < 500 && status !== 429) throw error;
        log.debug(`${part.name}: ${(error as Error).message}; resuming (attempt ${attempt + 1}).`);
        lastError = error;
      }
    }
    if (!verified) throw lastError ?? new IntegrityError(`${resolved.tag}: could not download ${part.name}.`);
    whole = verified;
  }
  const size = await sizeOf(path);
  const sha256 = whole.digest("hex");
  if (size !== entry.size || sha256 !== entry.sha256) {
    await rm(path, { force: true });
    throw new IntegrityError(
      `${resolved.tag}: ${entry.name} reassembled to ${size} bytes, sha256:${sha256}; model.json says ${entry.size} bytes, sha256:${entry.sha256}.`,
    );
  }
  await rename(path, target);
  log.debug(
    `${resolved.tag}: ${entry.name} reassembled from ${parts.length} parts and verified (${size} bytes).`,
  );
  return { size, sha256 };
}
