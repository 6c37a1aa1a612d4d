import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attemptArtifactNames, InputError, trainArtifactBase } from "@mlops/core";
import type { ArtifactStore } from "./artifact-store.js";
import type { Logger } from "./runtime.js";

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

/**
 * A gate given no `metrics`: this run's `train` artifact of `model` (newest attempt), downloaded through the
 * artifact store, whose operations are retried as a whole — a separate `download-artifact` step has only its
 * client's own retries, and an answer cut mid-body leaves that client waiting forever. Returns its folder.
 */
export async function downloadCandidateArtifact(options: {
  artifacts: ArtifactStore;
  /** The model (`model-name`, else the config's only model); undefined: none known. */
  model: string | undefined;
  /** The config file as given, named when no model is known. */
  configFile: string;
  /** The `artifact-name` input (default `mlops-<model>`). */
  artifactName: string | undefined;
  runAttempt: number;
  log: Pick<Logger, "info">;
}): Promise<string> {
  const { artifacts, model } = options;
  if (!model)
    throw new InputError(
      `'metrics' or 'model-name' is required when ${options.configFile} does not name one model`,
    );
  const base = trainArtifactBase(model, options.artifactName);
  if (artifacts.unavailable)
    throw new InputError(`metrics: none given, and ${artifacts.unavailable} Give 'metrics' (a file).`);
  const found = await downloadTrainArtifact(artifacts, base, options.runAttempt);
  if (!found)
    throw new InputError(
      `metrics: none given, and this run has no train artifact ${base}: run the train action in an earlier job of this run, or give 'metrics'`,
    );
  options.log.info(`Candidate: the train artifact ${found.name} of this run.`);
  return found.path;
}
