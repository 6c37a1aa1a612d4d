/**
 * Column profiles: small, versioned, mergeable summaries of a table.
 * - numerical: count, nulls, invalid (non-numeric values), min/max, mean and M2 (Welford/Chan), a sketch
 *   (see sketch.ts: relative bucket width ≤ 2^-12) and, while the column has ≤ EXACT_LIMIT values, every
 *   value (so small-sample KS matches scipy exactly);
 * - categorical: frequencies capped at MAX_CATEGORIES, the rest counted under OTHER_CATEGORY;
 * - datetime: count, nulls, invalid, min/max (epoch ms); text: count and nulls only (no drift test).
 */
import { InputError } from "@mlops/core";
import {
  type CodedColumn,
  type ColumnType,
  type ColumnValues,
  columnLength,
  inferType,
  isNull,
  parseDatetime,
  toNumber,
} from "./columns.js";
import { mergePerformance, type PerformanceState } from "./performance.js";
import { KeyCounter, mergeSketches, type Sketch, sketchFromMap } from "./sketch.js";

export type { ColumnType } from "./columns.js";
export { inferType, isNull } from "./columns.js";

/** Values kept exactly per numerical column; above it only the sketch is kept. */
export const EXACT_LIMIT = 10000;
/** Maximum distinct categories kept; the rest are counted under {@link OTHER_CATEGORY}. */
export const MAX_CATEGORIES = 1000;
export const OTHER_CATEGORY = "__other__";
export const PROFILE_SCHEMA_VERSION = 1;
/** The release asset holding a version's reference profile (`register` attaches it, `reference: registry` reads it). */
export const REFERENCE_PROFILE_ASSET = "reference-profile.json";

export interface NumericalProfile {
  type: "numerical";
  count: number;
  nulls: number;
  /** Non-null values that are not numbers (counted, not tested). */
  invalid: number;
  min: number | null;
  max: number | null;
  mean: number;
  /** Sum of squared deviations from the mean (variance = m2 / count). */
  m2: number;
  /** Every value, ascending, while count ≤ EXACT_LIMIT; null above. */
  values: number[] | null;
  sketch: Sketch;
}

export interface CategoricalProfile {
  type: "categorical";
  count: number;
  nulls: number;
  frequencies: Record<string, number>;
}

export interface DatetimeProfile {
  type: "datetime";
  count: number;
  nulls: number;
  invalid: number;
  min: number | null;
  max: number | null;
}

export interface TextProfile {
  type: "text";
  count: number;
  nulls: number;
}

export type ColumnProfile = NumericalProfile | CategoricalProfile | DatetimeProfile | TextProfile;

export interface Profile {
  schema_version: 1;
  rows: number;
  columns: Record<string, ColumnProfile>;
  /** Label/prediction state when the data had them (see performance.ts). */
  performance?: PerformanceState;
}

interface NumericalState {
  type: "numerical";
  count: number;
  nulls: number;
  invalid: number;
  min: number;
  max: number;
  mean: number;
  m2: number;
  values: number[] | null;
  sketch: KeyCounter;
}
interface CategoricalState {
  type: "categorical";
  count: number;
  nulls: number;
  frequencies: Map<string, number>;
  other: number;
}
interface DatetimeState {
  type: "datetime";
  count: number;
  nulls: number;
  invalid: number;
  min: number;
  max: number;
}
interface TextState {
  type: "text";
  count: number;
  nulls: number;
}
type ColumnState = NumericalState | CategoricalState | DatetimeState | TextState;

function newState(type: ColumnType): ColumnState {
  switch (type) {
    case "numerical":
      return {
        type,
        count: 0,
        nulls: 0,
        invalid: 0,
        min: Infinity,
        max: -Infinity,
        mean: 0,
        m2: 0,
        values: [],
        sketch: new KeyCounter(),
      };
    case "categorical":
      return { type, count: 0, nulls: 0, frequencies: new Map(), other: 0 };
    case "datetime":
      return { type, count: 0, nulls: 0, invalid: 0, min: Infinity, max: -Infinity };
    default:
      return { type: "text", count: 0, nulls: 0 };
  }
}

/** Incremental builder: feed column-major batches, then `finish()`. */
export class ProfileBuilder {
  private rows = 0;
  private readonly columns = new Map<string, ColumnState>();
  constructor(private readonly declaredTypes: Record<string, ColumnType> = {}) {}

  /** The type each column got (declared, or inferred from its first batch). */
  types(): Record<string, ColumnType> {
    return Object.fromEntries([...this.columns].map(([n, s]) => [n, s.type]));
  }

  /** Adds one batch of columns (all the same length); `invalid[c]` counts unparsable values a reader saw. */
  add(columnNames: readonly string[], columns: readonly ColumnValues[], invalid?: ArrayLike<number>): void {
    const rowCount = columns[0] ? columnLength(columns[0]) : 0;
    columnNames.forEach((name, c) => {
      const values = columns[c] ?? [];
      let col = this.columns.get(name);
      if (!col) {
        col = newState(this.declaredTypes[name] ?? inferType(values));
        col.nulls += this.rows; // a column first seen now was absent (null) in the rows before
        this.columns.set(name, col);
      }
      if (col.type === "numerical") {
        addNumerical(col, values, invalid?.[c] ?? 0);
      } else if (col.type === "categorical") addCategorical(col, values);
      else if (col.type === "datetime") addDatetime(col, values);
      else addText(col, values);
    });
    this.rows += rowCount;
  }

  finish(): Profile {
    const columns: Record<string, ColumnProfile> = {};
    for (const [name, s] of this.columns) columns[name] = finishColumn(s);
    return { schema_version: 1, rows: this.rows, columns };
  }
}

function finishColumn(s: ColumnState): ColumnProfile {
  switch (s.type) {
    case "numerical":
      return {
        type: "numerical",
        count: s.count,
        nulls: s.nulls,
        invalid: s.invalid,
        min: s.count ? s.min : null,
        max: s.count ? s.max : null,
        mean: s.mean,
        m2: s.m2,
        values: s.values ? [...s.values].sort((a, b) => a - b) : null,
        sketch: sketchFromMap(s.sketch),
      };
    case "categorical": {
      const frequencies = Object.fromEntries(s.frequencies);
      if (s.other) frequencies[OTHER_CATEGORY] = (frequencies[OTHER_CATEGORY] ?? 0) + s.other;
      return { type: "categorical", count: s.count, nulls: s.nulls, frequencies };
    }
    case "datetime":
      return {
        type: "datetime",
        count: s.count,
        nulls: s.nulls,
        invalid: s.invalid,
        min: s.count ? s.min : null,
        max: s.count ? s.max : null,
      };
    default:
      return { type: "text", count: s.count, nulls: s.nulls };
  }
}

/** Moments of one batch (two-pass, then merged with Chan's formula) plus sketch counts. */
function addNumerical(col: NumericalState, column: ColumnValues, readerInvalid: number): void {
  const n = columnLength(column);
  let bad = readerInvalid;
  const xs =
    column instanceof Float64Array
      ? column
      : Float64Array.from({ length: n }, (_, i) => {
          const raw = Array.isArray(column) ? (column as unknown[])[i] : numberOfCoded(column, i);
          if (isNull(raw)) return Number.NaN;
          const x = toNumber(raw);
          if (!Number.isFinite(x)) {
            bad++;
            return Number.NaN;
          }
          return x;
        });
  let count = 0;
  let sum = 0;
  let min = col.min;
  let max = col.max;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    if (Number.isNaN(x)) continue; // NaN = null
    count++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  col.sketch.addAll(xs);
  col.invalid += bad;
  col.nulls += n - count - bad;
  if (count === 0) return;
  const mean = sum / count;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    if (!Number.isNaN(x)) m2 += (x - mean) * (x - mean);
  }
  const total = col.count + count;
  const delta = mean - col.mean;
  col.m2 += m2 + (delta * delta * col.count * count) / total;
  col.mean += (delta * count) / total;
  col.count = total;
  col.min = min;
  col.max = max;
  if (col.values) {
    if (total > EXACT_LIMIT) col.values = null;
    else for (let i = 0; i < n; i++) if (!Number.isNaN(xs[i] as number)) col.values.push(xs[i] as number);
  }
}

function numberOfCoded(column: ColumnValues, i: number): unknown {
  const coded = column as CodedColumn;
  const code = coded.codes[i] as number;
  return code < 0 ? null : coded.dictionary[code];
}

function addCategorical(col: CategoricalState, column: ColumnValues): void {
  const bump = (key: string, by: number) => {
    const had = col.frequencies.get(key);
    if (had !== undefined) col.frequencies.set(key, had + by);
    else if (col.frequencies.size < MAX_CATEGORIES) col.frequencies.set(key, by);
    else col.other += by;
  };
  if (column instanceof Float64Array) {
    for (const x of column) {
      if (Number.isNaN(x)) col.nulls++;
      else {
        col.count++;
        bump(String(x), 1);
      }
    }
    return;
  }
  if (!Array.isArray(column)) {
    const coded = column as CodedColumn;
    const counts = new Float64Array(coded.dictionary.length);
    let nulls = 0;
    const codes = coded.codes;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i] as number;
      if (code < 0) nulls++;
      else counts[code] = (counts[code] as number) + 1;
    }
    col.nulls += nulls;
    col.count += coded.codes.length - nulls;
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k] as number;
      if (c === 0) continue;
      const key = coded.dictionary[k] as string;
      if (isNull(key)) {
        col.nulls += c;
        col.count -= c;
      } else bump(key, c);
    }
    return;
  }
  for (const raw of column as readonly unknown[]) {
    if (isNull(raw)) col.nulls++;
    else {
      col.count++;
      bump(String(raw), 1);
    }
  }
}

/** The i-th value of a column batch, whatever its representation (numbers, values, or coded categories). */
function valueAt(column: ColumnValues, i: number): unknown {
  if (column instanceof Float64Array) return column[i];
  return Array.isArray(column) ? (column as unknown[])[i] : numberOfCoded(column, i);
}

function addDatetime(col: DatetimeState, column: ColumnValues): void {
  const n = columnLength(column);
  for (let i = 0; i < n; i++) {
    const raw = valueAt(column, i);
    if (isNull(raw)) {
      col.nulls++;
      continue;
    }
    const t = typeof raw === "number" ? raw : parseDatetime(raw);
    if (!Number.isFinite(t)) {
      col.invalid++;
      continue;
    }
    col.count++;
    if (t < col.min) col.min = t;
    if (t > col.max) col.max = t;
  }
}

function addText(col: TextState, column: ColumnValues): void {
  const n = columnLength(column);
  for (let i = 0; i < n; i++) {
    const raw = valueAt(column, i);
    if (isNull(raw)) col.nulls++;
    else col.count++;
  }
}

/** Chan et al. parallel merge of moments; exact values kept while the union is small; sketches add. */
function mergeNumerical(a: NumericalProfile, b: NumericalProfile): NumericalProfile {
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  const mean = count === 0 ? 0 : a.mean + (delta * b.count) / count;
  const m2 = count === 0 ? 0 : a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
  const minOf = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.min(x, y));
  const maxOf = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.max(x, y));
  return {
    type: "numerical",
    count,
    nulls: a.nulls + b.nulls,
    invalid: a.invalid + b.invalid,
    min: minOf(a.min, b.min),
    max: maxOf(a.max, b.max),
    mean,
    m2,
    values:
      a.values && b.values && count <= EXACT_LIMIT ? [...a.values, ...b.values].sort((x, y) => x - y) : null,
    sketch: mergeSketches(a.sketch, b.sketch),
  };
}

function mergeCategorical(a: CategoricalProfile, b: CategoricalProfile): CategoricalProfile {
  const out: CategoricalProfile = {
    type: "categorical",
    count: a.count + b.count,
    nulls: a.nulls + b.nulls,
    frequencies: { ...a.frequencies },
  };
  let kept = Object.keys(out.frequencies).filter((k) => k !== OTHER_CATEGORY).length;
  for (const [k, v] of Object.entries(b.frequencies)) {
    if (k in out.frequencies || k === OTHER_CATEGORY) out.frequencies[k] = (out.frequencies[k] ?? 0) + v;
    else if (kept < MAX_CATEGORIES) {
      out.frequencies[k] = v;
      kept++;
    } else out.frequencies[OTHER_CATEGORY] = (out.frequencies[OTHER_CATEGORY] ?? 0) + v;
  }
  return out;
}

function mergeColumn(a: ColumnProfile, b: ColumnProfile): ColumnProfile {
  if (a.type === "numerical" && b.type === "numerical") return mergeNumerical(a, b);
  if (a.type === "categorical" && b.type === "categorical") return mergeCategorical(a, b);
  if (a.type === "datetime" && b.type === "datetime") {
    const min = [a.min, b.min].filter((x): x is number => x !== null);
    const max = [a.max, b.max].filter((x): x is number => x !== null);
    return {
      type: "datetime",
      count: a.count + b.count,
      nulls: a.nulls + b.nulls,
      invalid: a.invalid + b.invalid,
      min: min.length ? Math.min(...min) : null,
      max: max.length ? Math.max(...max) : null,
    };
  }
  if (a.type === "text" && b.type === "text")
    return { type: "text", count: a.count + b.count, nulls: a.nulls + b.nulls };
  throw new TypeError(`cannot merge a ${a.type} column with a ${b.type} one`);
}

/**
 * Merges two profiles of disjoint row sets. Counts, nulls, min/max, sketches and categories (below the
 * cap) are exact; mean/variance equal the concatenation's up to floating-point rounding. Shards whose
 * types disagree for a column keep the type with more values.
 */
export function mergeProfiles(a: Profile, b: Profile): Profile {
  const columns: Record<string, ColumnProfile> = { ...a.columns };
  for (const [name, col] of Object.entries(b.columns)) {
    const left = columns[name];
    if (!left) columns[name] = col;
    else if (left.type === col.type) columns[name] = mergeColumn(left, col);
    else columns[name] = col.count > left.count ? col : left;
  }
  const performance = mergePerformance(a.performance, b.performance);
  return { schema_version: 1, rows: a.rows + b.rows, columns, ...(performance ? { performance } : {}) };
}

/** Parses and checks a profile JSON (as written by `mlops profile` or attached to a release). */
export function parseProfile(text: string, file: string): Profile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`not valid JSON (${(error as Error).message})`, { position: { file } });
  }
  const p = value as Partial<Profile> | null;
  if (
    !p ||
    typeof p !== "object" ||
    typeof p.columns !== "object" ||
    p.columns === null ||
    typeof p.rows !== "number"
  )
    throw new InputError("not a profile: expected {schema_version, rows, columns}", { position: { file } });
  if (p.schema_version !== PROFILE_SCHEMA_VERSION)
    throw new InputError(
      `unsupported profile schema_version ${String(p.schema_version)} (expected ${PROFILE_SCHEMA_VERSION})`,
      {
        position: { file },
      },
    );
  for (const [name, col] of Object.entries(p.columns))
    if (!col || !["numerical", "categorical", "datetime", "text"].includes((col as ColumnProfile).type))
      throw new InputError(`column "${name}" has no valid type`, { position: { file } });
  return p as Profile;
}
