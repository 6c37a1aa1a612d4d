/** Opens a data file as a byte stream, gunzipping `.gz` files; reports raw bytes read for progress. */
import { createReadStream, type ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError } from "@mlops/core";
import type { ColumnType, ColumnValues } from "../columns.js";

/** Default bound on one line (CSV record, JSONL row) in bytes: 16 MiB. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Default bound on the bytes a `.gz` file decompresses to: 8 GiB. */
export const MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024 * 1024;
/** Default bound on the columns of one file. */
export const MAX_COLUMNS = 2000;
/** Nesting depth of JSON values (objects and arrays) a JSONL cell may have. */
export const MAX_JSON_DEPTH = 64;
/** Cells (columns × rows) of one typed batch: bounds a batch's memory (≤ 8 bytes a cell) whatever the width. */
export const MAX_BATCH_CELLS = 1 << 24;

/** The size bounds of a read (see {@link ReadOptions}), defaults filled in. */
export function limitsOf(options: ReadOptions): {
  maxLineBytes: number;
  maxDecompressedBytes: number;
  maxColumns: number;
} {
  return {
    maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES,
    maxDecompressedBytes: options.maxDecompressedBytes ?? MAX_DECOMPRESSED_BYTES,
    maxColumns: options.maxColumns ?? MAX_COLUMNS,
  };
}

/** Bytes in people's units (exact MiB/GiB when round). */
export function formatBytes(n: number): string {
  const GiB = 1024 ** 3;
  const MiB = 1024 ** 2;
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  return `${n} bytes`;
}

/** "line N longer than … bytes": one line with the limit and how to raise it. */
export function lineTooLong(file: string, line: number, limit: number): InputError {
  return new InputError(
    `line ${line} longer than ${limit} bytes (${formatBytes(limit)}) without a line end; raise monitoring.max_line_bytes (--max-line-bytes) if the data really has such lines`,
    { position: { file, line } },
  );
}

/** More columns than the limit: one line with the limit and how to raise it. */
export function tooManyColumns(file: string, found: number, limit: number, line?: number): InputError {
  return new InputError(
    `${found} columns, more than the limit of ${limit}; raise monitoring.max_columns (--max-columns) to read them all (memory grows with the column count)`,
    { position: line === undefined ? { file } : { file, line } },
  );
}

/** No data rows: profiling nothing would compare nothing. */
export function noRows(file: string, what: string): InputError {
  return new InputError(`no data rows (${what})`, { position: { file } });
}

/** Column-major batch. `startLine` is the 1-based file line (or row number) of the batch's first row. */
export interface Batch {
  columnNames: string[];
  columns: ColumnValues[];
  /** Per column: values a typed fast path could not parse as its type (they are NaN / null in `columns`). */
  invalid?: Int32Array;
  startLine: number;
  rows: number;
}

/** What a reader made of a file: told to the caller, so "nothing could be compared" can say what was read. */
export interface TableLayout {
  file: string;
  format: "csv" | "jsonl" | "parquet";
  /** CSV: the delimiter used (one character, or "whitespace"). */
  delimiter?: string;
  /** CSV: whether the first line was read as the header (false: declared header-less). */
  header?: boolean;
  columns: string[];
  rows: number;
}

export interface ReadOptions {
  /**
   * CSV: the field delimiter — one character (default ",", or a tab for `.tsv`), or "whitespace": runs of
   * spaces and tabs, leading and trailing ones ignored (numpy's `savetxt`/`loadtxt`, pandas' `sep=r"\s+"`).
   * When not given, a file that reads as one column but splits evenly on another delimiter is refused.
   */
  delimiter?: string;
  /**
   * CSV: true = the first line is the header; false = there is none (names from `columnNames`, else
   * column_1, column_2, …). Not given: the first line is the header, and a first line of numbers only
   * (other than 0..n-1 or 1..n) is refused as a likely data row.
   */
  header?: boolean;
  /** CSV without a header: the column names, in file order. */
  columnNames?: string[];
  /** Called once per file, after its last row, with what was read. */
  onLayout?: (layout: TableLayout) => void;
  /** Rows per batch (default 65536). */
  batchRows?: number;
  /** Skip rows with the wrong field count (or unparsable JSON) instead of throwing; each goes to `onSkip`. */
  skipBadRows?: boolean;
  onSkip?: (line: number, reason: string) => void;
  /**
   * Called once with the first batch (raw strings); the answer lets the reader parse the rest of the
   * file straight into typed columns (CSV fast path). Without it every batch holds raw values.
   */
  resolveTypes?: (first: Batch) => ColumnType[];
  /**
   * Reuse the typed column buffers from batch to batch (less garbage on big files): a batch is then only
   * valid until the next one is requested. Default false.
   */
  reuseBuffers?: boolean;
  /** Bytes of the file read so far (compressed bytes for `.gz`), called once per batch. */
  onBytes?: (bytesRead: number) => void;
  /** Longest line (CSV record, JSONL row) read, in bytes (default {@link MAX_LINE_BYTES}). */
  maxLineBytes?: number;
  /** Most bytes a `.gz` file may decompress to (default {@link MAX_DECOMPRESSED_BYTES}). */
  maxDecompressedBytes?: number;
  /** Most columns a file may have (default {@link MAX_COLUMNS}). */
  maxColumns?: number;
}

export function isGzip(path: string): boolean {
  return path.toLowerCase().endsWith(".gz");
}

/** The file as a stream of Buffers (gunzipped when `.gz`) and the raw stream (for `bytesRead`). */
export function openBytes(path: string): { stream: Readable; raw: ReadStream } {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return { stream: isGzip(path) ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw, raw };
}

/** Size of the buffer plain files are read into. */
const CHUNK_BYTES = 1 << 22;

/**
 * The bytes of a file as chunks. Plain files are read into ONE reused buffer (far cheaper than a stream's
 * fresh Buffer per chunk): a chunk is only valid until the next one is requested, so callers copy what
 * they keep. `.gz` files go through a gunzip stream. `bytesRead()` counts raw (compressed) bytes.
 */
export function readChunks(
  path: string,
  maxDecompressedBytes = MAX_DECOMPRESSED_BYTES,
): { chunks: AsyncIterable<Buffer>; bytesRead: () => number } {
  if (isGzip(path)) {
    const { stream, raw } = openBytes(path);
    async function* bounded(): AsyncIterable<Buffer> {
      let out = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          out += chunk.length;
          if (out > maxDecompressedBytes)
            throw new InputError(
              `decompresses to more than ${maxDecompressedBytes} bytes (${formatBytes(maxDecompressedBytes)}); raise monitoring.max_decompressed_bytes (--max-decompressed-bytes) if the data really is that large`,
              { position: { file: path } },
            );
          yield chunk;
        }
      } catch (error) {
        if (error instanceof InputError || !String((error as NodeJS.ErrnoException).code).startsWith("Z_"))
          throw error;
        // zlib's "incorrect header check", "unexpected end of file": a broken .gz file
        throw new InputError(`not a readable gzip file (${(error as Error).message})`, {
          position: { file: path },
        });
      } finally {
        stream.destroy();
        raw.destroy();
      }
    }
    return { chunks: bounded(), bytesRead: () => raw.bytesRead };
  }
  let read = 0;
  async function* chunks(): AsyncIterable<Buffer> {
    const handle = await open(path);
    try {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
        if (bytesRead === 0) return;
        read += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
  return { chunks: chunks(), bytesRead: () => read };
}
