/**
 * Column profiles: small, versioned, mergeable summaries of a table. Numerical columns keep Welford/Chan
 * moments plus a deterministic bottom-k sample (exact, i.e. every value, while the column has ≤ SAMPLE_SIZE
 * values, so small-sample KS matches scipy exactly); categorical columns keep capped frequencies.
 */

/** Maximum values kept per numerical column; at or below it the sample is the whole column. */
export const SAMPLE_SIZE = 10000;
/** Maximum distinct categories kept; the rest are counted under {@link OTHER_CATEGORY}. */
export const MAX_CATEGORIES = 1000;
export const OTHER_CATEGORY = "__other__";
const NULL_TOKENS = new Set(["", "NA", "N/A", "null", "NULL", "NaN", "nan", "None"]);

export type ColumnType = "numerical" | "categorical";

export interface NumericalProfile {
  type: "numerical";
  count: number;
  nulls: number;
  min: number;
  max: number;
  mean: number;
  /** Sum of squared deviations from the mean (variance = m2 / count). */
  m2: number;
  /** Bottom-k sample as [hash, value] pairs sorted by hash; all values while count ≤ SAMPLE_SIZE. */
  sample: [number, number][];
}

export interface CategoricalProfile {
  type: "categorical";
  count: number;
  nulls: number;
  frequencies: Record<string, number>;
}

export type ColumnProfile = NumericalProfile | CategoricalProfile;

export interface Profile {
  schema_version: 1;
  rows: number;
  columns: Record<string, ColumnProfile>;
}

/** True for the spellings of a missing value (empty, NA, null, NaN, …); nulls are counted, never dropped. */
export function isNull(raw: unknown): boolean {
  return (
    raw === null ||
    raw === undefined ||
    (typeof raw === "string" && NULL_TOKENS.has(raw)) ||
    (typeof raw === "number" && Number.isNaN(raw))
  );
}

/** Deterministic 32-bit hash of (value, row ordinal) used to pick the bottom-k sample. */
function sampleHash(value: number, ordinal: number): number {
  let h = Math.imul(ordinal ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(Math.floor(value * 1e6) | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Infers a column type from raw values: numerical when every non-null value parses as a finite number. */
export function inferType(values: readonly unknown[]): ColumnType {
  let seen = 0;
  for (const v of values) {
    if (isNull(v)) continue;
    seen++;
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isFinite(n) || (typeof v === "string" && v.trim() === "")) return "categorical";
  }
  return seen > 0 ? "numerical" : "categorical";
}

function emptyColumn(type: ColumnType): ColumnProfile {
  return type === "numerical"
    ? { type, count: 0, nulls: 0, min: Infinity, max: -Infinity, mean: 0, m2: 0, sample: [] }
    : { type, count: 0, nulls: 0, frequencies: {} };
}

/** Incremental builder: feed column-major batches, then `finish()`. */
export class ProfileBuilder {
  private rows = 0;
  private readonly columns = new Map<string, ColumnProfile>();
  constructor(private readonly declaredTypes: Record<string, ColumnType> = {}) {}

  /** Adds one batch; `firstOrdinal` is the global row index of its first row (keeps sampling deterministic). */
  add(
    columnNames: readonly string[],
    columns: readonly (readonly unknown[])[],
    firstOrdinal = this.rows,
  ): void {
    const rowCount = columns[0]?.length ?? 0;
    columnNames.forEach((name, c) => {
      const values = columns[c] ?? [];
      let col = this.columns.get(name);
      if (!col) {
        col = emptyColumn(this.declaredTypes[name] ?? inferType(values));
        this.columns.set(name, col);
      }
      if (col.type === "numerical") addNumerical(col, values, firstOrdinal);
      else addCategorical(col, values);
    });
    this.rows += rowCount;
  }

  finish(): Profile {
    return { schema_version: 1, rows: this.rows, columns: Object.fromEntries(this.columns) };
  }
}

function addNumerical(col: NumericalProfile, values: readonly unknown[], firstOrdinal: number): void {
  const batch = emptyColumn("numerical") as NumericalProfile;
  const sample: [number, number][] = [];
  // only values that can enter the bottom-k need to be kept
  const cutoff =
    col.sample.length >= SAMPLE_SIZE ? (col.sample[SAMPLE_SIZE - 1] as [number, number])[0] : Infinity;
  for (let i = 0; i < values.length; i++) {
    const raw = values[i];
    if (isNull(raw)) {
      batch.nulls++;
      continue;
    }
    const x = typeof raw === "number" ? raw : Number(raw);
    if (!Number.isFinite(x)) {
      batch.nulls++;
      continue;
    }
    batch.count++;
    const delta = x - batch.mean;
    batch.mean += delta / batch.count;
    batch.m2 += delta * (x - batch.mean);
    if (x < batch.min) batch.min = x;
    if (x > batch.max) batch.max = x;
    const h = sampleHash(x, firstOrdinal + i);
    if (h <= cutoff) sample.push([h, x]);
  }
  batch.sample = sample;
  Object.assign(col, mergeNumerical(col, batch));
}

function addCategorical(col: CategoricalProfile, values: readonly unknown[]): void {
  for (const raw of values) {
    if (isNull(raw)) {
      col.nulls++;
      continue;
    }
    col.count++;
    const key = String(raw);
    if (key in col.frequencies) col.frequencies[key] = (col.frequencies[key] as number) + 1;
    else if (Object.keys(col.frequencies).length < MAX_CATEGORIES) col.frequencies[key] = 1;
    else col.frequencies[OTHER_CATEGORY] = (col.frequencies[OTHER_CATEGORY] ?? 0) + 1;
  }
}

function keepBottomK(a: readonly [number, number][], b: readonly [number, number][]): [number, number][] {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return all.slice(0, SAMPLE_SIZE);
}

/** Chan et al. parallel merge of moments; sample = bottom-k of the union (associative, deterministic). */
function mergeNumerical(a: NumericalProfile, b: NumericalProfile): NumericalProfile {
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  const mean = count === 0 ? 0 : a.mean + (delta * b.count) / count;
  const m2 = count === 0 ? 0 : a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
  return {
    type: "numerical",
    count,
    nulls: a.nulls + b.nulls,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    mean,
    m2,
    sample: keepBottomK(a.sample, b.sample),
  };
}

function mergeCategorical(a: CategoricalProfile, b: CategoricalProfile): CategoricalProfile {
  const out: CategoricalProfile = {
    type: "categorical",
    count: a.count + b.count,
    nulls: a.nulls + b.nulls,
    frequencies: { ...a.frequencies },
  };
  for (const [k, v] of Object.entries(b.frequencies)) {
    if (k in out.frequencies || Object.keys(out.frequencies).length < MAX_CATEGORIES || k === OTHER_CATEGORY)
      out.frequencies[k] = (out.frequencies[k] ?? 0) + v;
    else out.frequencies[OTHER_CATEGORY] = (out.frequencies[OTHER_CATEGORY] ?? 0) + v;
  }
  return out;
}

/**
 * Merges two profiles of disjoint row sets. Counts, nulls, min/max and categories are exact; mean/variance
 * equal the concatenation's up to floating-point rounding; the sample is the bottom-k of the union.
 */
export function mergeProfiles(a: Profile, b: Profile): Profile {
  const columns: Record<string, ColumnProfile> = { ...a.columns };
  for (const [name, col] of Object.entries(b.columns)) {
    const left = columns[name];
    if (!left) columns[name] = col;
    else if (left.type === "numerical" && col.type === "numerical") columns[name] = mergeNumerical(left, col);
    else if (left.type === "categorical" && col.type === "categorical")
      columns[name] = mergeCategorical(left, col);
    else columns[name] = col.count > left.count ? col : left;
  }
  return { schema_version: 1, rows: a.rows + b.rows, columns };
}

/** Sorted values of a numerical profile's sample. */
export function sortedSample(col: NumericalProfile): Float64Array {
  return Float64Array.from(col.sample, (p) => p[1]).sort();
}
