import { type ModelVersion, tryParseModelVersion } from "./model-version.js";

/**
 * The machine-readable block in a release body: `<!-- mlops:v1 {json} -->`. The one release-metadata format:
 * `@mlops/github` writes it into every release it creates and reads it back to find versions, parents and
 * idempotency keys, so existing releases must stay readable.
 */
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
  /**
   * The version's metrics (the same as its `model.json`), so a trend reads them with the one release
   * request it makes anyway. Left out when they would take more than {@link MAX_METADATA_METRICS_CHARS};
   * readers then read `model.json`.
   */
  metrics?: Record<string, number>;
}

/** Metrics longer than this (as JSON) stay out of the metadata block (and are read from `model.json`). */
export const MAX_METADATA_METRICS_CHARS = 8_000;

/** `metrics` when their JSON is short enough for the metadata block, else undefined. */
export function metadataMetrics(metrics: Record<string, number>): Record<string, number> | undefined {
  const finite = Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
  return JSON.stringify(finite).length <= MAX_METADATA_METRICS_CHARS ? finite : undefined;
}

const BLOCK = /<!-- mlops:v1 (\{.*?\}) -->/s;

/**
 * Renders the release body: a small human model card plus the metadata block. `--` in the JSON is written as
 * `\u002d\u002d` so strings containing `-->` cannot end the comment early.
 */
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
    const { parentVersion, metrics, ...rest } = value;
    const numbers =
      metrics && typeof metrics === "object" && !Array.isArray(metrics)
        ? Object.fromEntries(
            Object.entries(metrics).filter(([, v]) => typeof v === "number" && Number.isFinite(v)),
          )
        : undefined;
    return {
      ...rest,
      ...(numbers ? { metrics: numbers } : {}),
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
