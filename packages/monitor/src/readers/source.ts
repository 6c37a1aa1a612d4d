/** Opens a data file as a byte stream, gunzipping `.gz` files; reports raw bytes read for progress. */
import { createReadStream, type ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { ColumnType, ColumnValues } from "../columns.js";

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
export function readChunks(path: string): { chunks: AsyncIterable<Buffer>; bytesRead: () => number } {
  if (isGzip(path)) {
    const { stream, raw } = openBytes(path);
    return { chunks: stream as AsyncIterable<Buffer>, bytesRead: () => raw.bytesRead };
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
