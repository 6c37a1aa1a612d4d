/** A sweep's cells from a local folder of metrics files or downloaded train artifacts (`mlops sweep`). */
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { InputError } from "../errors.js";
import { loadMetricsSource, perExamplePath } from "../metrics/source.js";
import { parseAttemptArtifactName } from "../names/artifacts.js";
import {
  expandSweepMatrix,
  MAX_SWEEP_CELLS,
  parseSweepMatrix,
  type SweepValues,
  sweepCellOf,
} from "./matrix.js";
import type { SweepCellInput } from "./rank.js";

/** Files read as one cell's metrics (what `loadMetricsFile` reads, and `run.json`). */
const METRICS_EXTENSIONS = [".json", ".yaml", ".yml", ".csv", ".tsv"];

export interface SweepFolder {
  cells: SweepCellInput[];
  /** Notices for the report (cells in the folder that the matrix does not name). */
  notes: string[];
  /** The matrix the cells came from: `matrixText` as given, else an `include` list of the cells' values. */
  matrixText: string;
}

/**
 * The cells of a sweep from a folder: each entry is one cell — a metrics file (JSON, YAML, CSV/TSV, or a
 * `run.json`) or a downloaded train artifact (a folder holding `run.json`; of `<name>-attempt-<n>`
 * folders the newest attempt). A cell's values are the `sweep` values its `run.json` records, else
 * `{ cell: <file name without extension> }`. Hidden entries are skipped; anything else, an unreadable
 * file, two entries of one cell, no entry at all or more than GitHub's 256 cells is an `InputError`
 * naming the entry.
 *
 * With `matrixText` (the sweep's matrix, as evaluate-gate's `sweep` input) the matrix's cells come first,
 * in its order, and a cell with no entry is kept with the reason (never ranked, as the action lists a
 * cell whose training uploaded nothing); entries of cells the matrix does not name follow, with a note.
 * `perExample` (the config's `per_example`, relative to each cell's directory) is read where it exists.
 */
export function readSweepFolder(
  dir: string,
  options: { matrixText?: string | undefined; perExample?: string | undefined } = {},
): SweepFolder {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Downloaded artifacts of re-run attempts: the newest attempt of each.
  const newest = new Map<string, { name: string; attempt: number }>();
  const picked: { name: string; path: string; stem: string }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const { base, attempt } = parseAttemptArtifactName(entry.name);
      const seen = newest.get(base);
      if (!seen || attempt > seen.attempt) newest.set(base, { name: entry.name, attempt });
      continue;
    }
    if (!METRICS_EXTENSIONS.includes(extname(entry.name).toLowerCase()))
      throw new InputError(
        `${path}: expected a metrics file (${METRICS_EXTENSIONS.join(", ")}) or a train artifact's folder per sweep cell`,
      );
    picked.push({ name: entry.name, path, stem: entry.name.slice(0, -extname(entry.name).length) });
  }
  for (const [base, { name }] of newest) picked.push({ name, path: join(dir, name), stem: base });
  picked.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (picked.length === 0)
    throw new InputError(
      `${dir}: no sweep cells (expected a metrics file or a train artifact's folder per cell)`,
    );
  if (picked.length > MAX_SWEEP_CELLS)
    throw new InputError(
      `${dir}: ${picked.length} sweep cells; GitHub runs at most ${MAX_SWEEP_CELLS} jobs of one matrix`,
    );
  const byId = new Map<string, SweepCellInput & { entry: string }>();
  for (const { name, path, stem } of picked) {
    const source = loadMetricsSource(path, `sweep cell ${path}`);
    const values: SweepValues = (source.manifest?.sweep?.values as SweepValues | undefined) ?? { cell: stem };
    const cell = sweepCellOf(values);
    const twin = byId.get(cell.id);
    if (twin)
      throw new InputError(`${dir}: ${twin.entry} and ${name} hold the same sweep cell (${cell.label})`);
    const perExample = perExamplePath(source, options.perExample);
    byId.set(cell.id, {
      entry: name,
      cell,
      artifact: name,
      metrics: source.metrics,
      ...(perExample ? { perExample: { file: perExample, text: readFileSync(perExample, "utf8") } } : {}),
    });
  }
  const strip = ({ entry: _, ...cell }: SweepCellInput & { entry: string }): SweepCellInput => cell;
  if (options.matrixText === undefined) {
    const cells = [...byId.values()].map(strip);
    return { cells, notes: [], matrixText: JSON.stringify({ include: cells.map((c) => c.cell.values) }) };
  }
  const expected = expandSweepMatrix(parseSweepMatrix(options.matrixText, "--matrix"), "--matrix").map(
    sweepCellOf,
  );
  const cells: SweepCellInput[] = expected.map((cell) => {
    const found = byId.get(cell.id);
    byId.delete(cell.id);
    return found
      ? strip(found)
      : {
          cell,
          failure: `no metrics in ${dir} for this cell (its training failed, or it was not downloaded)`,
        };
  });
  const strays = [...byId.values()];
  const notes =
    strays.length > 0
      ? [
          `> [!WARNING]\n> ${strays.length} ${strays.length === 1 ? "entry" : "entries"} of ${dir} belong${strays.length === 1 ? "s" : ""} to no cell of the matrix (${strays.map((s) => s.entry).join(", ")}): listed after the matrix's cells.`,
        ]
      : [];
  return { cells: [...cells, ...strays.map(strip)], notes, matrixText: options.matrixText };
}
