/** A sweep's cells read from their train artifacts through the ArtifactStore port (the evaluate-gate action's sweep input). */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  expandSweepMatrix,
  loadMetricsSource,
  parseAttemptArtifactName,
  parseSweepMatrix,
  perExamplePath,
  readInputText,
  type SweepCell,
  type SweepCellInput,
  type SweepValues,
  sweepArtifactName,
  sweepArtifactPrefix,
  sweepCellOf,
} from "@mlops/core";
import type { ArtifactStore } from "./artifact-store.js";
import type { ActionRuntime } from "./runtime.js";
import { downloadTrainArtifact } from "./train-artifact.js";

/** How many cells' artifacts are downloaded at once. */
const DOWNLOADS_AT_ONCE = 4;

export interface SweepCells {
  cells: SweepCellInput[];
  /** Where each cell's artifact was downloaded (by cell id): its `run.json` and per-example results. */
  files: Map<string, { runJson: string; perExample?: string }>;
  /** Notices for the report (e.g. artifacts of cells the matrix does not name). */
  notes: string[];
}

/**
 * The cells of the sweep `matrixText` (the `sweep` input, the matrix the train jobs ran) and each one's
 * metrics from its `train` artifact of this run (`<base>-cell-<id>`, newest attempt). A cell without an
 * artifact (its training failed or was cancelled) or whose artifact cannot be read is kept with the reason.
 * Artifacts of cells the matrix does not name are read too, and a note says so. The run's artifacts are
 * listed once; downloads run a few at a time through the store, which retries each operation.
 */
export async function loadSweepCells(options: {
  matrixText: string;
  artifacts: ArtifactStore;
  base: string;
  runAttempt: number;
  /** Config's `per_example` (relative to the training directory): each cell's file is found (`files`). */
  perExample: string | undefined;
  /**
   * Whether the cells' per-example results are read into `cells` (`significant` rules need them; default
   * true). Without, only their paths are kept (the best cell's prediction plots read its own).
   */
  readPerExample?: boolean;
  log: ActionRuntime["log"];
}): Promise<SweepCells> {
  const { artifacts, base, runAttempt, log } = options;
  const expected = expandSweepMatrix(parseSweepMatrix(options.matrixText, "sweep")).map(sweepCellOf);
  const listed = artifacts.list ? await artifacts.list() : undefined;
  const store: ArtifactStore = listed ? { ...artifacts, list: async () => listed } : artifacts;
  const notes: string[] = [];
  const files: SweepCells["files"] = new Map();
  const expectedNames = new Set(expected.map((cell) => sweepArtifactName(base, cell)));
  const strays = [
    ...new Set(
      (listed ?? [])
        .map((a) => parseAttemptArtifactName(a.name).base)
        .filter((name) => name.startsWith(sweepArtifactPrefix(base)) && !expectedNames.has(name)),
    ),
  ].sort();

  const load = async (cell: SweepCell | undefined, name: string): Promise<SweepCellInput> => {
    const placeholder = cell ?? sweepCellOf({ artifact: name });
    try {
      const found = await downloadTrainArtifact(store, name, runAttempt);
      if (!found)
        return {
          cell: placeholder,
          failure: `training failed or was cancelled: this run has no artifact ${name}`,
        };
      const source = loadMetricsSource(found.path, `metrics of ${found.name}`);
      const sweep = source.manifest?.sweep;
      const actual = sweep ? sweepCellOf(sweep.values as SweepValues) : undefined;
      if (cell && actual && actual.id !== cell.id)
        return {
          cell,
          artifact: found.name,
          failure: `its artifact ${found.name} holds the run of another cell (${actual.label})`,
        };
      const perExample = perExamplePath(source, options.perExample);
      files.set((cell ?? actual ?? placeholder).id, {
        runJson: join(source.directory, "run.json"),
        ...(perExample ? { perExample } : {}),
      });
      return {
        cell: cell ?? actual ?? placeholder,
        artifact: found.name,
        metrics: source.metrics,
        ...(perExample && options.readPerExample !== false
          ? { perExample: { file: perExample, text: readInputText(perExample) } }
          : {}),
      };
    } catch (error) {
      if (error instanceof TypeError || error instanceof ReferenceError) throw error; // a bug, not the cell
      return {
        cell: placeholder,
        failure: `its artifact ${name} cannot be read: ${(error as Error).message}`,
      };
    }
  };

  const jobs: Array<() => Promise<SweepCellInput>> = [
    ...expected.map((cell) => () => load(cell, sweepArtifactName(base, cell))),
    ...strays.map((name) => () => load(undefined, name)),
  ];
  const cells: SweepCellInput[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(DOWNLOADS_AT_ONCE, jobs.length) }, async () => {
      while (next < jobs.length) {
        const index = next++;
        cells[index] = await (jobs[index] as () => Promise<SweepCellInput>)();
      }
    }),
  );
  if (strays.length > 0) {
    const message = `${strays.length} artifact${strays.length === 1 ? "" : "s"} of this run belong${strays.length === 1 ? "s" : ""} to no cell of the \`sweep\` matrix (${strays.join(", ")}): listed after the matrix's cells. Give the gate the same \`sweep\` as the train jobs.`;
    notes.push(`> [!WARNING]\n> ${message}`);
    log.warning(message);
  }
  const failed = cells.filter((c) => !c.metrics).length;
  log.info(
    `Sweep: ${expected.length} cells in the matrix, ${cells.length - failed} with metrics${failed > 0 ? `, ${failed} without` : ""}.`,
  );
  return { cells, notes, files };
}

/**
 * A folder of downloaded artifacts (`download-artifact` with a pattern: `<dir>/<artifact>/…`) as a read-only
 * store, for a gate given `metrics: <folder>` with `sweep` (the fork companion reads the fork run's
 * artifacts that way). `newestAttempt`: the highest `-attempt-<n>` in it (the run that uploaded them may
 * have been re-run, whatever this run's attempt is).
 */
export function folderArtifactStore(dir: string): { store: ArtifactStore; newestAttempt: number } {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  return {
    store: {
      async upload() {
        throw new Error(`${dir} is a folder of downloaded artifacts: nothing is uploaded to it`);
      },
      async download(name) {
        if (!names.includes(name)) throw new Error(`artifact ${name} not found in ${dir}`);
        return { path: join(dir, name) };
      },
      async list() {
        return names.map((name, index) => ({ id: index + 1, name, size: 0 }));
      },
    },
    newestAttempt: Math.max(1, ...names.map((name) => parseAttemptArtifactName(name).attempt)),
  };
}

/**
 * The best cell's `run.json` (and per-example results) uploaded as this run's train artifact
 * (`<base>`, `-attempt-<n>` on re-runs), as a single training uploads it: a sweep on the base branch is
 * then the `base-branch` baseline of later pull requests (the baseline reads `run.json` only, so the
 * model files are not copied). A failed upload is a warning: the report is already out.
 */
export async function uploadBestCell(options: {
  sweep: SweepCells;
  bestCellId: string;
  artifacts: ArtifactStore;
  name: string;
  log: ActionRuntime["log"];
}): Promise<void> {
  const files = options.sweep.files.get(options.bestCellId);
  if (!files) return;
  try {
    await options.artifacts.upload(
      options.name,
      [files.runJson, ...(files.perExample ? [files.perExample] : [])],
      dirname(files.runJson),
    );
    options.log.info(
      `The best cell's run.json is the artifact ${options.name} (the base-branch baseline of later pull requests).`,
    );
  } catch (error) {
    options.log.warning(
      `Could not upload the best cell's run.json as ${options.name}: ${(error as Error).message}`,
    );
  }
}
