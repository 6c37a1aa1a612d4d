/** Convenience entry point for the CLI/action: profile files (or use a stored profile) and compare. */
import { Worker } from "node:worker_threads";
import { type CompareOptions, compareProfiles, type MonitoringReport } from "./compare.js";
import { type Profile, ProfileBuilder } from "./profile.js";
import { readCsv } from "./read-csv.js";

/** Profiles CSV files (plain or .gz) in one streaming pass; `onProgress` receives rows processed so far. */
export async function profileFiles(
  paths: readonly string[],
  onProgress?: (rows: number) => void,
): Promise<Profile> {
  const builder = new ProfileBuilder();
  let rows = 0;
  for (const path of paths)
    for await (const batch of readCsv(path)) {
      builder.add(batch.columnNames, batch.columns, rows);
      rows += batch.rows;
      onProgress?.(rows);
    }
  return builder.finish();
}

/**
 * Profiles files in a worker thread (so reference and current use both cores). Needs the worker module
 * next to this one (`profile-worker.js` in a bundle; the bench bundles both with esbuild).
 */
export function profileFilesInWorker(
  paths: readonly string[],
  onProgress?: (rows: number) => void,
): Promise<Profile> {
  return new Promise((resolve, reject) => {
    const fromSource = import.meta.url.endsWith(".ts");
    const entry = new URL(`./profile-worker${fromSource ? ".ts" : ".js"}`, import.meta.url);
    const worker = new Worker(entry, { workerData: { paths: [...paths] } });
    worker.on("message", (m: { rows?: number; profile?: Profile }) => {
      if (m.profile) resolve(m.profile);
      else if (m.rows !== undefined) onProgress?.(m.rows);
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (code !== 0) reject(new Error(`profile worker exited with code ${code}`));
    });
  });
}

export interface MonitorOptions extends CompareOptions {
  /** Profile reference and current in parallel worker threads (default false). */
  workers?: boolean;
}

/** Compares current files against reference files or a stored reference profile; progress = total rows read. */
export async function monitor(
  reference: readonly string[] | Profile,
  currentPaths: readonly string[],
  options: MonitorOptions = {},
  onProgress?: (rows: number) => void,
): Promise<{ report: MonitoringReport; reference: Profile; current: Profile }> {
  const seen = [0, 0];
  const progress = (side: 0 | 1) => (rows: number) => {
    seen[side] = rows;
    onProgress?.((seen[0] as number) + (seen[1] as number));
  };
  const profile = options.workers ? profileFilesInWorker : profileFiles;
  const [ref, current] = await Promise.all([
    Array.isArray(reference) ? profile(reference as string[], progress(0)) : (reference as Profile),
    profile(currentPaths, progress(1)),
  ]);
  return { report: compareProfiles(ref, current, options), reference: ref, current };
}
