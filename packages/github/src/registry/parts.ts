import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

/**
 * Files larger than this are stored as numbered parts. GitHub: "Each file included in a release must be
 * under 2 GiB" (docs "About releases", https://docs.github.com/en/repositories/releasing-projects-on-github/about-releases);
 * an exactly-2 GiB file fails with an opaque 500 (community discussion #61733), so parts stay at 2,000,000,000
 * bytes (decimal 2 GB), well below the limit.
 */
export const DEFAULT_PART_BYTES = 2_000_000_000;

/** GitHub: at most 1,000 assets per release (docs "About releases"; 422 "file_count limited to 1000 assets per release"). */
export const MAX_RELEASE_ASSETS = 1000;

/** One numbered part of a file: bytes `offset … offset + size - 1`, uploaded as asset `name`. */
export interface FilePart {
  name: string;
  offset: number;
  size: number;
  sha256: string;
}

/** A file's size and sha256, and its parts when it is larger than the part size. */
export interface PartedDigest {
  size: number;
  sha256: string;
  parts?: FilePart[];
}

/** `model.bin.part-0001-of-0003`: 1-based, zero-padded to at least 4 digits so names sort in order. */
export function partName(name: string, index: number, count: number): string {
  const width = Math.max(4, String(count).length);
  const pad = (n: number) => String(n).padStart(width, "0");
  return `${name}.part-${pad(index + 1)}-of-${pad(count)}`;
}

/** How many parts a file of `size` bytes takes (1 = stored whole). */
export function partCount(size: number, partBytes: number): number {
  return size > partBytes ? Math.ceil(size / partBytes) : 1;
}

/**
 * sha256 of the whole file and, when it is larger than `partBytes`, of each part — in one streamed pass
 * (memory does not grow with the file; nothing is written to disk).
 */
export async function hashFileInParts(
  path: string,
  name: string,
  partBytes: number,
  onBytes?: (bytes: number) => void,
): Promise<PartedDigest> {
  if (!Number.isSafeInteger(partBytes) || partBytes < 1)
    throw new Error(`part size must be a positive whole number of bytes, got ${partBytes}`);
  const { size: expected } = await stat(path);
  const count = partCount(expected, partBytes);
  const whole = createHash("sha256");
  const parts: FilePart[] = [];
  let part = count > 1 ? createHash("sha256") : undefined;
  let partStart = 0;
  let partFill = 0;
  let size = 0;
  const closePart = () => {
    if (!part) return;
    parts.push({
      name: partName(name, parts.length, count),
      offset: partStart,
      size: partFill,
      sha256: part.digest("hex"),
    });
    partStart += partFill;
    partFill = 0;
    part = createHash("sha256");
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const buffer = chunk as Buffer;
    whole.update(buffer);
    size += buffer.length;
    onBytes?.(buffer.length);
    if (!part) continue;
    let at = 0;
    while (at < buffer.length) {
      const take = Math.min(buffer.length - at, partBytes - partFill);
      part.update(buffer.subarray(at, at + take));
      partFill += take;
      at += take;
      if (partFill === partBytes) closePart();
    }
  }
  if (size !== expected) throw new Error(`${path} changed while it was hashed`);
  if (partFill > 0) closePart();
  return { size, sha256: whole.digest("hex"), ...(count > 1 ? { parts } : {}) };
}
