/** Column kinds and the value containers readers hand to the profile builder. */

export type ColumnType = "numerical" | "categorical" | "datetime" | "text";

/** Strings coded against a dictionary that grows across batches of one reader; code -1 = null. */
export interface CodedColumn {
  kind: "coded";
  codes: Int32Array;
  dictionary: readonly string[];
}

/**
 * One column of a batch: raw values (strings, numbers, booleans, null), parsed numbers (NaN = null), or
 * coded strings. Readers produce the typed forms on their fast paths.
 */
export type ColumnValues = readonly unknown[] | Float64Array | CodedColumn;

const NULL_TOKENS = new Set(["", "NA", "N/A", "null", "NULL", "NaN", "nan", "None"]);

/** True for the spellings of a missing value (empty, NA, null, NaN, …); nulls are counted, never dropped. */
export function isNull(raw: unknown): boolean {
  return (
    raw === null ||
    raw === undefined ||
    (typeof raw === "string" && NULL_TOKENS.has(raw.trim())) ||
    (typeof raw === "number" && Number.isNaN(raw))
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch milliseconds of an ISO-8601 date/time string or Date, else NaN. */
export function parseDatetime(raw: unknown): number {
  if (raw instanceof Date) return raw.getTime();
  if (typeof raw === "bigint") return Number(raw);
  if (typeof raw !== "string" || !ISO_DATE.test(raw.trim())) return Number.NaN;
  const text = raw.trim();
  // date-only and zone-less strings are read as UTC so results do not depend on the machine
  const iso = /[Zz]|[+-]\d{2}:?\d{2}$/.test(text) || text.length === 10 ? text : `${text.replace(" ", "T")}Z`;
  return Date.parse(iso);
}

/** A finite number for a raw value, NaN when it is not numeric. */
export function toNumber(raw: unknown): number {
  if (typeof raw === "number") return raw;
  if (typeof raw === "bigint") return Number(raw);
  if (typeof raw === "string") {
    const t = raw.trim();
    return t === "" ? Number.NaN : Number(t);
  }
  return Number.NaN;
}

/**
 * Infers a column type from a sample of raw values: numerical when every non-null value is a finite
 * number, datetime when every one is an ISO date/time, text when most values contain spaces and nearly
 * all are distinct, categorical otherwise (also for an all-null sample).
 */
export function inferType(values: ColumnValues): ColumnType {
  if (values instanceof Float64Array) return "numerical";
  if (!Array.isArray(values)) return "categorical";
  const all = values as readonly unknown[];
  let nonNull = 0;
  let numbers = 0;
  for (const v of all) {
    if (isNull(v)) continue;
    nonNull++;
    if (typeof v === "boolean" || !Number.isFinite(toNumber(v))) break;
    numbers++;
  }
  if (nonNull > 0 && numbers === nonNull) return "numerical";
  let seen = 0;
  let numeric = 0;
  let dates = 0;
  let spaced = 0;
  for (const v of values as readonly unknown[]) {
    if (isNull(v)) continue;
    seen++;
    if (Number.isFinite(toNumber(v)) && typeof v !== "boolean") numeric++;
    // once a value is neither a number nor a date, the column is no datetime: stop parsing dates
    else if (dates + numeric === seen - 1 && (v instanceof Date || Number.isFinite(parseDatetime(v))))
      dates++;
    if (/\s/.test(String(v).trim())) spaced++;
  }
  if (seen === 0) return "categorical";
  if (numeric === seen) return "numerical";
  if (dates === seen) return "datetime";
  if (seen >= 20 && spaced * 2 > seen) {
    // text: mostly spaced and nearly all distinct
    const distinct = new Set<string>();
    for (const v of values as readonly unknown[])
      if (!isNull(v) && distinct.size < 100000) distinct.add(String(v));
    if (distinct.size * 10 > seen * 9) return "text";
  }
  return "categorical";
}

/** The raw value at row `i` of a column (null for nulls), whatever container holds it. */
export function valueAt(column: ColumnValues, i: number): unknown {
  if (column instanceof Float64Array) {
    const x = column[i] as number;
    return Number.isNaN(x) ? null : x;
  }
  if (Array.isArray(column)) return (column as readonly unknown[])[i];
  const coded = column as CodedColumn;
  const code = coded.codes[i] as number;
  return code < 0 ? null : coded.dictionary[code];
}

/** Number of rows in a column container. */
export function columnLength(column: ColumnValues): number {
  return column instanceof Float64Array || Array.isArray(column)
    ? (column as ArrayLike<unknown>).length
    : (column as CodedColumn).codes.length;
}
