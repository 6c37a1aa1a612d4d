/**
 * Picks the reader by file name: `.csv`/`.txt`/`.dat` (comma unless declared), `.tsv`/`.tab` (tab),
 * `.jsonl`/`.ndjson`, `.parquet`, each optionally `.gz`.
 */
import { InputError } from "@mlops/core";
import { readCsv } from "./csv.js";
import { readJsonl } from "./jsonl.js";
import type { Batch, ReadOptions } from "./source.js";

export {
  delimiterLabel,
  delimiterOf,
  normalizeDelimiter,
  readCsv,
  TYPE_SAMPLE_ROWS,
  WHITESPACE,
} from "./csv.js";
export { readJsonl } from "./jsonl.js";
export type { Batch, ReadOptions, TableLayout } from "./source.js";

export type DataFormat = "csv" | "jsonl" | "parquet";

export function formatOf(path: string): DataFormat {
  const name = path.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  if (name.endsWith(".parquet") || name.endsWith(".pq")) return "parquet";
  if ([".csv", ".txt", ".tsv", ".tab", ".dat"].some((ext) => name.endsWith(ext))) return "csv";
  throw new InputError(
    `${path}: unknown data format (expected .csv, .tsv, .txt, .dat, .jsonl, .ndjson or .parquet, optionally .gz)`,
  );
}

/** Streams any supported data file as column-major batches. */
export function readTable(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const format = formatOf(path);
  if (format === "jsonl") return readJsonl(path, options);
  if (format === "parquet") return readParquetLazily(path, options);
  return readCsv(path, options);
}

/** The Parquet reader (and hyparquet) loaded on first use: CSV runs do not pay for compiling it. */
export async function* readParquetLazily(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const { readParquet } = await import("./parquet.js");
  yield* readParquet(path, options);
}
