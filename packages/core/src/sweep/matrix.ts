import { createHash } from "node:crypto";
import { InputError } from "../errors.js";

/** A JSON value of a matrix cell (GitHub allows any JSON value in a matrix vector). */
export type SweepValue = string | number | boolean | null | SweepValue[] | { [key: string]: SweepValue };

/** The values of one matrix combination: `{ "lr": 0.1, "depth": 3 }`. */
export type SweepValues = Record<string, SweepValue>;

/**
 * GitHub's most jobs one matrix generates (docs "Running variations of jobs in a workflow": "A matrix will
 * generate a maximum of 256 jobs per workflow run").
 */
export const MAX_SWEEP_CELLS = 256;

const isRecord = (value: unknown): value is Record<string, SweepValue> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Canonical JSON: keys sorted at every depth, so equal values give equal text whatever the key order. */
export function canonicalJson(value: SweepValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(",")}}`;
  return JSON.stringify(value ?? null);
}

/** Whether every key of `partial` has the same value in `values` (GitHub's partial match of `exclude`). */
function matchesPartially(values: SweepValues, partial: SweepValues): boolean {
  return Object.entries(partial).every(
    ([key, value]) => key in values && canonicalJson(values[key]) === canonicalJson(value),
  );
}

/**
 * The sweep's matrix from its JSON text (the `sweep` input): a mapping of parameter → list of values, with
 * optional `include` / `exclude` lists, exactly as `strategy.matrix` takes it. Bad JSON or shape → one
 * `InputError` naming `what` and what was expected.
 */
export function parseSweepMatrix(text: string, what = "sweep"): SweepValues {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `${what}: expected a JSON matrix such as {"lr": [0.1, 0.01], "depth": [3, 5]} (${(error as Error).message})`,
    );
  }
  if (!isRecord(parsed))
    throw new InputError(
      `${what}: expected a JSON object (a matrix such as {"lr": [0.1, 0.01]}), got ${Array.isArray(parsed) ? "a list" : typeof parsed}`,
    );
  return parsed;
}

/**
 * Expands a sweep matrix as GitHub expands `strategy.matrix` (docs "Running variations of jobs in a
 * workflow", https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations):
 * the cartesian product of the vectors in key order; minus every combination an `exclude` entry matches
 * partially; then each `include` entry is added to every original combination whose original values it
 * does not overwrite (added keys may be overwritten by later entries), or appended as a new combination
 * when it fits none. At most {@link MAX_SWEEP_CELLS} combinations.
 *
 * The gate expands the matrix itself to know which cells to expect, so a cell whose training failed (and
 * uploaded nothing) is listed as such. Written independently of the workflow runner's expansion (the
 * test stand-in for GitHub), so that a misreading of GitHub's rules cannot cancel itself out.
 */
export function expandSweepMatrix(matrix: SweepValues, what = "sweep"): SweepValues[] {
  const keys = Object.keys(matrix).filter((key) => key !== "include" && key !== "exclude");
  let cells: SweepValues[] = keys.length > 0 ? [{}] : [];
  for (const key of keys) {
    const vector = matrix[key];
    if (!Array.isArray(vector))
      throw new InputError(
        `${what}: "${key}" must be a list of values (e.g. "${key}": [${JSON.stringify(vector ?? null)}])`,
      );
    if (vector.length === 0) throw new InputError(`${what}: "${key}" has no values`);
    cells = cells.flatMap((cell) => vector.map((value) => ({ ...cell, [key]: value })));
    if (cells.length > MAX_SWEEP_CELLS * 64)
      throw new InputError(`${what}: the matrix has more than ${MAX_SWEEP_CELLS} cells`);
  }
  const entries = (name: "include" | "exclude"): SweepValues[] => {
    const list = matrix[name];
    if (list === undefined) return [];
    if (!Array.isArray(list) || !list.every(isRecord))
      throw new InputError(`${what}: "${name}" must be a list of objects`);
    return list as SweepValues[];
  };
  const excludes = entries("exclude");
  cells = cells.filter((cell) => !excludes.some((exclude) => matchesPartially(cell, exclude)));
  const originals = cells.map((cell) => ({ ...cell }));
  for (const include of entries("include")) {
    let added = false;
    originals.forEach((original, index) => {
      const overwrites = Object.entries(include).some(
        ([key, value]) => key in original && canonicalJson(original[key]) !== canonicalJson(value),
      );
      if (overwrites) return;
      Object.assign(cells[index] as SweepValues, include);
      added = true;
    });
    if (!added) cells.push({ ...include });
  }
  if (cells.length === 0) throw new InputError(`${what}: the matrix has no cells`);
  if (cells.length > MAX_SWEEP_CELLS)
    throw new InputError(
      `${what}: the matrix has ${cells.length} cells; GitHub runs at most ${MAX_SWEEP_CELLS} jobs of one matrix`,
    );
  return cells;
}

/**
 * The cell a matrix job trains, from the JSON of its values (`${{ toJSON(matrix) }}`, the `sweep-cell`
 * input of `train`). Not a JSON object → one `InputError` naming `what`.
 */
export function parseSweepCell(text: string, what = "sweep-cell"): SweepCell {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `${what}: expected the JSON of the cell's matrix values, e.g. \${{ toJSON(matrix) }} (${(error as Error).message})`,
    );
  }
  if (!isRecord(parsed) || Object.keys(parsed).length === 0)
    throw new InputError(
      `${what}: expected a JSON object of the cell's matrix values, e.g. {"lr": 0.1, "depth": 3}`,
    );
  return sweepCellOf(parsed);
}

/** One cell of a sweep: its values, a stable id, and a label for people. */
export interface SweepCell {
  /**
   * Stable id, the same whatever the key order: a readable slug of the values and 8 hex digits of the
   * sha256 of their canonical JSON, e.g. `depth-3-lr-0.1.1a2b3c4d`. Safe in artifact names.
   */
  id: string;
  /** `lr=0.1, depth=3` (the values in their order). */
  label: string;
  values: SweepValues;
}

const labelValue = (value: SweepValue) => (typeof value === "string" ? value : JSON.stringify(value));

/** The cell of `values`: its id and label (see {@link SweepCell}). */
export function sweepCellOf(values: SweepValues): SweepCell {
  const json = canonicalJson(values);
  const hash = createHash("sha256").update(json).digest("hex").slice(0, 8);
  const slug = Object.keys(values)
    .sort()
    .map((key) => `${key}-${labelValue(values[key] as SweepValue)}`)
    .join("-")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+/, "")
    .slice(0, 48)
    .replace(/[._-]+$/, "");
  const label = Object.entries(values)
    .map(([key, value]) => `${key}=${labelValue(value)}`)
    .join(", ");
  return { id: slug ? `${slug}.${hash}` : hash, label: label || "(no values)", values };
}

/**
 * Environment of a cell's training command: `MLOPS_SWEEP_CELL` (the id), `MLOPS_SWEEP_PARAMS` (the
 * values as JSON) and one `MLOPS_PARAM_<KEY>` per scalar value (key upper-cased, other characters `_`),
 * e.g. `python train.py --lr "$MLOPS_PARAM_LR"`. Two keys that map to one variable → `InputError`.
 */
export function sweepCellEnv(cell: SweepCell, what = "sweep-cell"): Record<string, string> {
  const env: Record<string, string> = {
    MLOPS_SWEEP_CELL: cell.id,
    MLOPS_SWEEP_PARAMS: JSON.stringify(cell.values),
  };
  const from = new Map<string, string>();
  for (const [key, value] of Object.entries(cell.values)) {
    const name = `MLOPS_PARAM_${key.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`;
    const other = from.get(name);
    if (other !== undefined)
      throw new InputError(`${what}: the keys "${other}" and "${key}" both become ${name}; rename one`);
    from.set(name, key);
    if (value === null || typeof value !== "object") env[name] = String(value);
  }
  return env;
}
