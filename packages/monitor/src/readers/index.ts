/** Picks the reader by file name: `.csv`, `.jsonl`/`.ndjson`, `.parquet`, each optionally `.gz`. */
import { InputError } from "@mlops/core";
import { readCsv } from "./csv.js";
import { readJsonl } from "./jsonl.js";
import { readParquet } from "./parquet.js";
import type { Batch, ReadOptions } from "./source.js";

export { readCsv, TYPE_SAMPLE_ROWS } from "./csv.js";
export { readJsonl } from "./jsonl.js";
export { readParquet } from "./parquet.js";
export type { Batch, ReadOptions } from "./source.js";

export type DataFormat = "csv" | "jsonl" | "parquet";

export function formatOf(path: string): DataFormat {
  const name = path.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  if (name.endsWith(".parquet") || name.endsWith(".pq")) return "parquet";
  if (name.endsWith(".csv") || name.endsWith(".txt")) return "csv";
  throw new InputError(
    `${path}: unknown data format (expected .csv, .jsonl, .ndjson or .parquet, optionally .gz)`,
  );
}

/** Streams any supported data file as column-major batches. */
export function readTable(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const format = formatOf(path);
  if (format === "jsonl") return readJsonl(path, options);
  if (format === "parquet") return readParquet(path, options);
  return readCsv(path, options);
}
