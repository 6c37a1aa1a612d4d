import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type ModelVersion, tryParseModelVersion } from "@mlops/core";

/** The machine-readable block in a release body: `<!-- mlops:v1 {json} -->`. */
export interface ReleaseMetadata {
  model: string;
  /** The version label (`7`, `1.4.0`); blocks written before semver support hold a number, read as its label. */
  version: ModelVersion;
  idempotencyKey: string;
  /** The version `@production` named when this one was registered. */
  parentVersion?: ModelVersion | null;
  description?: string;
  tags?: string[];
  gate?: string;
}

const BLOCK = /<!-- mlops:v1 (\{.*?\}) -->/s;

/** Renders the release body: a small human model card plus the metadata block. */
export function renderReleaseBody(meta: ReleaseMetadata, card: string): string {
  const json = JSON.stringify(meta).replaceAll("--", "\\u002d\\u002d");
  return `${card.trim()}\n\n<!-- mlops:v1 ${json} -->\n`;
}

/** The human part of a release body: everything but the metadata block. */
export function releaseCardOf(body: string): string {
  return body.replace(BLOCK, "").trim();
}

/** The metadata block of a release body, or undefined when it has none (or it is malformed). */
export function parseReleaseMetadata(body: string | null | undefined): ReleaseMetadata | undefined {
  const match = body ? BLOCK.exec(body) : null;
  if (!match?.[1]) return undefined;
  try {
    const value = JSON.parse(match[1]) as Omit<Partial<ReleaseMetadata>, "version" | "parentVersion"> & {
      version?: unknown;
      parentVersion?: unknown;
    };
    const version = labelOf(value.version);
    if (typeof value.idempotencyKey !== "string" || typeof value.model !== "string" || !version)
      return undefined;
    const { parentVersion, ...rest } = value;
    return {
      ...rest,
      model: value.model,
      idempotencyKey: value.idempotencyKey,
      version,
      ...(parentVersion !== undefined ? { parentVersion: labelOf(parentVersion) ?? null } : {}),
    };
  } catch {
    return undefined;
  }
}

/** A version label from a block: a number (older blocks) or a label string. */
function labelOf(value: unknown): ModelVersion | undefined {
  if (typeof value !== "number" && typeof value !== "string") return undefined;
  return tryParseModelVersion(String(value))?.label;
}

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
