import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attemptArtifactNames } from "@mlops/core";
import type { ArtifactStore } from "./artifact-store.js";

/**
 * Downloads this run's newest `train` artifact (`base` = `mlops-<model>` unless renamed) into a fresh
 * temporary directory, through the store (whose operations are retried); undefined when the run has none.
 * The store's list names the artifacts of the run in one call; a store without one is asked name by
 * name, and only "not found" answers count as absent — any other failure is thrown, never read as "none".
 */
export async function downloadTrainArtifact(
  artifacts: ArtifactStore,
  base: string,
  runAttempt: number,
): Promise<{ name: string; path: string } | undefined> {
  const names = attemptArtifactNames(base, runAttempt);
  const listed = artifacts.list ? new Set((await artifacts.list()).map((a) => a.name)) : undefined;
  for (const name of names) {
    if (listed && !listed.has(name)) continue;
    const dir = await mkdtemp(join(tmpdir(), "mlops-train-artifact-"));
    try {
      return { name, path: (await artifacts.download(name, dir)).path };
    } catch (error) {
      if (listed || !/not found|no such file|ENOENT/i.test((error as Error).message)) throw error;
    }
  }
  return undefined;
}
