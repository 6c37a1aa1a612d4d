import { ConfigError } from "@mlops/core";
import type { Json } from "./expressions.js";

/** GitHub's most jobs one matrix generates. */
export const MAX_MATRIX_JOBS = 256;

export type MatrixValues = Record<string, Json>;

export interface Strategy {
  /** One entry per job instance; `[undefined]` when the job has no matrix. */
  combinations: Array<MatrixValues | undefined>;
  failFast: boolean;
  maxParallel?: number;
}

function isRecord(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function subsetMatches(combination: MatrixValues, filter: MatrixValues): boolean {
  return Object.entries(filter).every(
    ([key, value]) => JSON.stringify(combination[key]) === JSON.stringify(value),
  );
}

/**
 * Expands an evaluated `strategy:` as GitHub does: the cartesian product of the matrix keys, minus
 * `exclude` entries (partial matches), then each `include` entry is added to every combination whose
 * original values it does not overwrite, or appended as a new combination when it matches none.
 */
export function expandStrategy(strategy: Json | undefined, where: string): Strategy {
  if (!isRecord(strategy)) return { combinations: [undefined], failFast: true };
  const failFast = strategy["fail-fast"] === undefined ? true : strategy["fail-fast"] !== false;
  const result: Strategy = { combinations: [undefined], failFast };
  if (typeof strategy["max-parallel"] === "number") result.maxParallel = strategy["max-parallel"];
  const matrix = strategy.matrix;
  if (matrix === undefined || matrix === null) return result;
  if (!isRecord(matrix)) throw new ConfigError(`${where}: strategy.matrix must be a mapping`);
  const keys = Object.keys(matrix).filter((key) => key !== "include" && key !== "exclude");
  let combinations: MatrixValues[] = [{}];
  for (const key of keys) {
    const values = matrix[key];
    if (!Array.isArray(values)) throw new ConfigError(`${where}: matrix '${key}' must be a list`);
    if (values.length === 0)
      throw new ConfigError(`${where}: Matrix vector '${key}' does not contain any values`);
    const next: MatrixValues[] = [];
    for (const combination of combinations)
      for (const value of values) next.push({ ...combination, [key]: value });
    combinations = next;
  }
  if (keys.length === 0) combinations = [];
  const excludes = Array.isArray(matrix.exclude) ? matrix.exclude.filter(isRecord) : [];
  combinations = combinations.filter(
    (combination) => !excludes.some((exclude) => subsetMatches(combination, exclude)),
  );
  // include entries merge into the original combinations only, never into appended ones
  const originals = combinations.map((combination) => ({ ...combination }));
  const includes = Array.isArray(matrix.include) ? matrix.include.filter(isRecord) : [];
  for (const include of includes) {
    let added = false;
    originals.forEach((original, index) => {
      const overwritesOriginal = Object.entries(include).some(
        ([key, value]) => key in original && JSON.stringify(original[key]) !== JSON.stringify(value),
      );
      if (!overwritesOriginal) {
        Object.assign(combinations[index] ?? {}, include);
        added = true;
      }
    });
    if (!added) combinations.push({ ...include });
  }
  if (combinations.length === 0) throw new ConfigError(`${where}: the matrix has no combinations left`);
  // docs "Running variations of jobs in a workflow": "A matrix will generate a maximum of 256 jobs per
  // workflow run" (https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations)
  if (combinations.length > MAX_MATRIX_JOBS)
    throw new ConfigError(
      `${where}: Strategy expansion exceeded ${MAX_MATRIX_JOBS} results (${combinations.length} combinations)`,
    );
  result.combinations = combinations;
  return result;
}

/** "name (a, b)" as GitHub names matrix job instances. */
export function instanceName(name: string, values: MatrixValues | undefined): string {
  if (!values || Object.keys(values).length === 0) return name;
  const parts = Object.values(values).map((value) =>
    typeof value === "object" ? JSON.stringify(value) : String(value),
  );
  return `${name} (${parts.join(", ")})`;
}
