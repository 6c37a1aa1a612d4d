/** Parquet reader over hyparquet: one batch per row-group slice; `.parquet.gz` is gunzipped in memory. */

import { constants as bufferConstants } from "node:buffer";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { InputError } from "@mlops/core";
import { type AsyncBuffer, asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import {
  type Batch,
  formatBytes,
  isGzip,
  limitsOf,
  MAX_BATCH_CELLS,
  noRows,
  type ReadOptions,
  tooManyColumns,
} from "./source.js";

function cell(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (value !== null && typeof value === "object" && !(value instanceof Date))
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v));
  return value;
}

async function openFile(path: string, maxDecompressedBytes: number): Promise<AsyncBuffer> {
  if (!isGzip(path)) return asyncBufferFromFile(path);
  let bytes: Buffer;
  try {
    bytes = gunzipSync(await readFile(path), {
      maxOutputLength: Math.min(maxDecompressedBytes, bufferConstants.MAX_LENGTH),
    });
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    if (code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError)
      throw new InputError(
        `decompresses to more than ${maxDecompressedBytes} bytes (${formatBytes(maxDecompressedBytes)}); raise monitoring.max_decompressed_bytes (--max-decompressed-bytes) if the data really is that large`,
        { position: { file: path } },
      );
    if (!code.startsWith("Z_")) throw error;
    throw new InputError(`not a readable gzip file (${(error as Error).message})`, {
      position: { file: path },
    });
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: buffer.byteLength, slice: (start, end) => buffer.slice(start, end) };
}

type Metadata = Awaited<ReturnType<typeof parquetMetadataAsync>>;

/** The magic bytes and footer length, checked before hyparquet reads the footer: what is wrong, or undefined. */
async function footerProblem(file: AsyncBuffer): Promise<string | undefined> {
  const size = file.byteLength;
  if (size < 12)
    return `${size} bytes: too short to be a Parquet file (at least 12 bytes: PAR1, footer, length, PAR1)`;
  const head = new Uint8Array(await file.slice(0, 4));
  const tail = new DataView(await file.slice(size - 8, size));
  const magic = (bytes: Uint8Array) => String.fromCharCode(...bytes);
  if (magic(head) !== "PAR1")
    return `does not start with the Parquet magic bytes PAR1 (found ${JSON.stringify(magic(head))})`;
  const end = magic(new Uint8Array(tail.buffer, tail.byteOffset + 4, 4));
  if (end !== "PAR1")
    return `does not end with the Parquet magic bytes PAR1 (found ${JSON.stringify(end)}): the file is truncated or not Parquet`;
  const footer = tail.getUint32(0, true);
  if (footer === 0 || footer > size - 12)
    return `footer length ${footer} does not fit in the file's ${size} bytes: the footer is corrupt`;
  return undefined;
}

/** A footer value for a message: "missing" rather than JavaScript's "undefined". */
const shown = (value: unknown) => (value === undefined || value === null ? "missing" : String(value));

/** The metadata's schema, row counts and column-chunk offsets checked against the file: what is wrong, or undefined. */
function metadataProblem(metadata: Metadata, size: number): string | undefined {
  const schema = metadata.schema;
  if (!Array.isArray(schema) || schema.length < 2) return "the footer has no columns in its schema";
  if (!Array.isArray(metadata.row_groups)) return "the footer has no row groups";
  const numRows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(numRows) || numRows < 0)
    return `the footer's row count (${shown(metadata.num_rows)}) is invalid`;
  let sum = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const rows = Number(group?.num_rows);
    if (!Number.isSafeInteger(rows) || rows < 0)
      return `row group ${g + 1}: invalid row count (${shown(group?.num_rows)})`;
    sum += rows;
    if (!Array.isArray(group.columns)) return `row group ${g + 1}: no column chunks`;
    for (const [c, chunk] of group.columns.entries()) {
      const meta = chunk?.meta_data;
      const name = meta?.path_in_schema?.join(".") ?? `#${c + 1}`;
      if (!meta) return `row group ${g + 1}, column ${name}: no column metadata`;
      if (typeof meta.codec !== "string")
        return `row group ${g + 1}, column ${name}: unknown compression codec`;
      if (typeof meta.type !== "string") return `row group ${g + 1}, column ${name}: unknown physical type`;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const length = Number(meta.total_compressed_size);
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length))
        return `row group ${g + 1}, column ${name}: no valid data offset or size`;
      if (!(start >= 4 && length >= 0 && start + length <= size))
        return `row group ${g + 1}, column ${name}: data at bytes ${start}..${start + length} lies outside the file's ${size} bytes`;
    }
  }
  if (sum !== numRows) return `the row groups hold ${sum} rows but the footer says ${numRows}`;
  return undefined;
}

/** Names of the top-level fields: the flattened schema walked by num_children (iteratively, bounded). */
function topLevelNames(metadata: Metadata, path: string): string[] {
  const schema = metadata.schema;
  const out: string[] = [];
  let i = 1;
  while (i < schema.length) {
    out.push(schema[i]?.name ?? `column${i}`);
    // skip field i and its descendants: `pending` counts the elements still to skip
    let pending = 1;
    while (pending > 0) {
      if (i >= schema.length)
        throw new InputError("corrupt Parquet schema: a field's children run past the end of the schema", {
          position: { file: path },
        });
      const children = schema[i]?.num_children ?? 0;
      if (!Number.isSafeInteger(children) || children < 0 || children > schema.length)
        throw new InputError(
          `corrupt Parquet schema: field ${shown(schema[i]?.name)} has ${shown(children)} children`,
          {
            position: { file: path },
          },
        );
      pending += children - 1;
      i++;
    }
  }
  return out;
}

/** Reads a Parquet file as batches (`startLine` = 1-based row number). */
export async function* readParquet(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const limits = limitsOf(options);
  const file = await openFile(path, limits.maxDecompressedBytes);
  const footer = await footerProblem(file);
  if (footer) throw new InputError(`not a readable Parquet file: ${footer}`, { position: { file: path } });
  let metadata: Metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InputError(`not a readable Parquet file: corrupt footer (${userMessage(error)})`, {
      position: { file: path },
    });
  }
  const problem = metadataProblem(metadata, file.byteLength);
  if (problem) throw new InputError(`not a readable Parquet file: ${problem}`, { position: { file: path } });
  const topLevel = topLevelNames(metadata, path);
  if (topLevel.length > limits.maxColumns) throw tooManyColumns(path, topLevel.length, limits.maxColumns);
  const total = Number(metadata.num_rows);
  if (total === 0) throw noRows(path, "the Parquet file holds 0 rows");
  // wide files: fewer rows per batch, so a batch stays within MAX_BATCH_CELLS cells
  const batchRows = Math.min(
    options.batchRows ?? 65536,
    Math.max(64, Math.floor(MAX_BATCH_CELLS / Math.max(1, topLevel.length))),
  );
  for (let start = 0; start < total; start += batchRows) {
    const end = Math.min(total, start + batchRows);
    let objects: Record<string, unknown>[];
    try {
      objects = (await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end })) as Record<
        string,
        unknown
      >[];
    } catch (error) {
      throw new InputError(`corrupt Parquet data in rows ${start + 1}–${end} (${userMessage(error)})`, {
        position: { file: path },
      });
    }
    const columns = topLevel.map((name) => objects.map((o) => cell(o[name] ?? null)));
    const read = Math.round((end / Math.max(1, total)) * file.byteLength);
    options.onBytes?.(read);
    yield { columnNames: topLevel, columns, startLine: start + 1, rows: end - start };
  }
  options.onLayout?.({ file: path, format: "parquet", columns: topLevel, rows: total });
}

/** hyparquet's own messages are about the format; a JavaScript internal (TypeError, RangeError) is not shown. */
function userMessage(error: unknown): string {
  if (error instanceof TypeError || error instanceof RangeError || !(error instanceof Error))
    return "its bytes could not be decoded";
  return (error.message.split("\n")[0] as string).replace(/\bundefined\b/g, "missing");
}
