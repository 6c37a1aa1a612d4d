import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ModelVersion } from "@mlops/core";

/** The idempotency-key line a version's tag message carries. */
export function tagMessage(model: string, version: ModelVersion, idempotencyKey: string): string {
  return `${model} v${version}\n\nmlops-idempotency-key: ${idempotencyKey}\n`;
}

/** The idempotency key in a tag message, if any. */
export function keyFromTagMessage(message: string): string | undefined {
  return /^mlops-idempotency-key: (.+)$/m.exec(message)?.[1]?.trim();
}

export interface FileDigest {
  name: string;
  size: number;
  sha256: string;
}

/** sha256 and size of a file, streamed (memory does not grow with the file). */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const info = await stat(path);
  if (info.size !== size) throw new Error(`${path} changed while it was hashed`);
  return { size, sha256: hash.digest("hex") };
}

/** `sha256sum`-compatible listing: `<hex>  <name>` per line, sorted by name. */
export function renderSha256Sums(files: FileDigest[]): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join("");
}

/** Parses a SHA256SUMS file into name → hex. */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) sums.set(match[2], match[1]);
  }
  return sums;
}
