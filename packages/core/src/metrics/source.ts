import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { readInputText } from "../input/limits.js";
import { parseRunManifest } from "../manifest/parse.js";
import type { RunManifest } from "../manifest/schemas.js";
import { parseAttemptArtifactName } from "../names/artifacts.js";
import type { MetricValues } from "../types.js";
import { loadMetricsFile, type NonNumericLeaf } from "./load.js";

/** Metrics read from a metrics file or a `run.json` manifest, with where per-example files are looked for. */
export interface LoadedMetricsSource {
  metrics: MetricValues;
  /** Leaves of a metrics file that are not finite numbers (`"NaN"`, `null`, text), with the file: named when a rule uses one. */
  nonNumeric?: { file: string; leaves: NonNumericLeaf[] };
  manifest?: RunManifest;
  /** Directory that relative per-example paths of the config resolve against. */
  directory: string;
}

/** True when the text is a `run.json` manifest written by `train` (not just any JSON metrics file). */
function looksLikeRunManifest(path: string, text: string): boolean {
  if (basename(path) === "run.json") return true;
  if (!path.endsWith(".json")) return false;
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    return data.schema_version === 1 && typeof data.run === "object" && typeof data.metrics === "object";
  } catch {
    return false;
  }
}

/**
 * The `run.json` in a folder of downloaded artifacts (`<dir>/run.json`, or `<dir>/<artifact>/run.json`
 * as `download-artifact` with a pattern writes them): the newest attempt's, of `artifactName` when given.
 */
export function runManifestIn(dir: string, artifactName: string | undefined): string {
  if (existsSync(join(dir, "run.json"))) return join(dir, "run.json");
  const candidates = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "run.json")))
    .map((entry) => ({ name: entry.name, ...parseAttemptArtifactName(entry.name) }))
    .filter((c) => artifactName === undefined || c.base === artifactName);
  const bases = [...new Set(candidates.map((c) => c.base))];
  if (bases.length === 0)
    throw new InputError(
      `no run.json in ${dir}${artifactName ? ` or its ${artifactName} folder` : " or its subfolders"}`,
    );
  if (bases.length > 1)
    throw new InputError(`${dir} holds the runs of several models (${bases.join(", ")}): set 'model-name'`);
  const newest = candidates.sort((a, b) => b.attempt - a.attempt)[0] as { name: string };
  return join(dir, newest.name, "run.json");
}

/**
 * Loads the metrics of `path`: a metrics file in any supported format, a `run.json`, or a folder of
 * downloaded `train` artifacts (see `runManifestIn`).
 */
export function loadMetricsSource(path: string, what: string, artifactName?: string): LoadedMetricsSource {
  if (!existsSync(path)) throw new InputError(`${what} not found: ${path}`);
  if (statSync(path).isDirectory()) return loadMetricsSource(runManifestIn(path, artifactName), what);
  const text = readInputText(path);
  if (looksLikeRunManifest(path, text)) {
    const manifest = parseRunManifest(text, path);
    return { metrics: manifest.metrics, manifest, directory: dirname(path) };
  }
  const loaded = loadMetricsFile(path);
  return {
    metrics: loaded.metrics,
    ...(loaded.nonNumeric.length > 0 ? { nonNumeric: { file: path, leaves: loaded.nonNumeric } } : {}),
    directory: dirname(path),
  };
}

/** The per-example CSV next to the metrics (or at `explicit`), when it exists. */
export function perExamplePath(
  source: LoadedMetricsSource,
  configured: string | undefined,
  explicit?: string,
): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new InputError(`per-example file not found: ${explicit}`);
    return explicit;
  }
  if (!configured) return undefined;
  const path = resolve(source.directory, configured);
  return existsSync(path) ? path : undefined;
}
