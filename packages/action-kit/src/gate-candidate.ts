/**
 * What the evaluate-gate action judges, from its inputs: one candidate's metrics (a file, or this run's
 * train artifact) or a sweep's cells (this run's cell artifacts, or a folder of downloaded ones).
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InputError, type MetricValues, readModelConfig } from "@mlops/core";
import type { ArtifactStore } from "./artifact-store.js";
import type { Logger } from "./runtime.js";
import { folderArtifactStore, loadSweepCells, type SweepCells } from "./sweep-artifacts.js";
import { downloadCandidateArtifact } from "./train-artifact.js";

/** The gate's inputs that say where the candidate is. */
export interface GateCandidateInputs {
  metrics: string | undefined;
  /** The `sweep` matrix (JSON), when the gate ranks a sweep. */
  sweep: string | undefined;
  config: string;
  modelName: string | undefined;
  artifactName: string | undefined;
}

/**
 * Where the candidate's metrics are, before anything else is read: `metrics` as given; none given, this
 * run's train artifact (downloaded); with `sweep`, nothing (the cells are read later) or, `metrics` given,
 * the folder of downloaded cell artifacts it must name.
 */
export async function locateGateCandidate(options: {
  inputs: GateCandidateInputs;
  cwd: string;
  artifacts: ArtifactStore;
  runAttempt: number;
  log: Pick<Logger, "info">;
}): Promise<{ metricsPath?: string; sweepFolder?: string }> {
  const { inputs, cwd } = options;
  if (inputs.sweep !== undefined) {
    if (inputs.metrics === undefined) return {};
    const sweepFolder = resolve(cwd, inputs.metrics);
    if (!(existsSync(sweepFolder) && statSync(sweepFolder).isDirectory()))
      throw new InputError(
        `metrics: with 'sweep', expected a folder of downloaded train artifacts (<artifact-name>-cell-<id>/run.json), got ${inputs.metrics}`,
      );
    return { sweepFolder };
  }
  if (inputs.metrics !== undefined) return { metricsPath: resolve(cwd, inputs.metrics) };
  return {
    metricsPath: await downloadCandidateArtifact({
      artifacts: options.artifacts,
      model:
        inputs.modelName ??
        readModelConfig(resolve(cwd, inputs.config), inputs.config, undefined).model?.name,
      configFile: inputs.config,
      artifactName: inputs.artifactName,
      runAttempt: options.runAttempt,
      log: options.log,
    }),
  };
}

/**
 * A sweep's cells, from a folder of downloaded cell artifacts (`sweepFolder`) or this run's artifacts
 * (refused in one line where artifacts cannot be read). `fromFolder`: the cells were not this run's (so the
 * best cell is not uploaded again as the model's train artifact).
 */
export async function readGateSweep(options: {
  matrixText: string;
  sweepFolder: string | undefined;
  artifacts: ArtifactStore;
  /** The train artifact's name without the attempt suffix (`mlops-<model>`). */
  base: string;
  runAttempt: number;
  /** Config's `per_example`: each cell's file is found (the best cell's plots). */
  perExample: string | undefined;
  /** Whether the cells' per-example results are read (`significant` rules need them). */
  readPerExample: boolean;
  log: Logger;
}): Promise<SweepCells & { matrixText: string; fromFolder: boolean }> {
  const { sweepFolder } = options;
  if (sweepFolder === undefined && options.artifacts.unavailable)
    throw new InputError(
      `sweep: the cells' train artifacts cannot be read: ${options.artifacts.unavailable}`,
    );
  const folder = sweepFolder !== undefined ? folderArtifactStore(sweepFolder) : undefined;
  const cells = await options.log.group("Sweep cells", () =>
    loadSweepCells({
      matrixText: options.matrixText,
      artifacts: folder?.store ?? options.artifacts,
      base: options.base,
      runAttempt: folder?.newestAttempt ?? options.runAttempt,
      perExample: options.perExample,
      readPerExample: options.readPerExample,
      log: options.log,
    }),
  );
  return { ...cells, matrixText: options.matrixText, fromFolder: folder !== undefined };
}

/** A candidate the report draws plots for: its metrics, the folder of its files, its per-example results. */
export interface PlottedCandidate {
  metrics: MetricValues;
  directory: string | undefined;
  perExample: string | undefined;
}

/** The sweep cell `cellId` (the best one) as a candidate to draw plots for; undefined without metrics. */
export function sweepCellPlotted(
  sweep: SweepCells,
  cellId: string | undefined,
): PlottedCandidate | undefined {
  const cell = sweep.cells.find((c) => c.cell.id === cellId);
  if (!cell?.metrics) return undefined;
  const files = sweep.files.get(cell.cell.id);
  return {
    metrics: cell.metrics,
    directory: files ? dirname(files.runJson) : undefined,
    perExample: files?.perExample,
  };
}
