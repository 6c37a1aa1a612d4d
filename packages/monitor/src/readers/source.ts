/** Opens a data file as a byte stream, gunzipping `.gz` files; reports raw bytes read for progress. */
import { isUtf8 } from "node:buffer";
import { createReadStream, type ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { describeByte, firstInvalidUtf8, InputError, NOT_UTF8_HINT } from "@mlops/core";
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

/** Bytes of the UTF-8 sequence a lead byte starts (1 for ASCII and for bytes that cannot lead one). */
function sequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** Where a UTF-8 sequence cut by the end of `chunk` starts (its length when none is cut). */
function completeEnd(chunk: Buffer, start: number): number {
  for (let k = 1; k <= 3 && chunk.length - k >= start; k++) {
    const b = chunk[chunk.length - k] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    return b >= 0xc0 && sequenceLength(b) > k ? chunk.length - k : chunk.length;
  }
  return chunk.length;
}

/** Line and column (in bytes) of the byte at `offset` of the (decompressed) file: read again, on the error path only. */
async function positionOf(path: string, offset: number): Promise<{ line: number; column: number }> {
  const { stream, raw } = openBytes(path);
  let line = 1;
  let lineStart = 0;
  let seen = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const end = Math.min(chunk.length, offset - seen);
      for (let i = chunk.indexOf(0x0a); i >= 0 && i < end; i = chunk.indexOf(0x0a, i + 1)) {
        line++;
        lineStart = seen + i + 1;
      }
      seen += chunk.length;
      if (seen >= offset) break;
    }
  } finally {
    stream.destroy();
    raw.destroy();
  }
  return { line, column: offset - lineStart + 1 };
}

async function notUtf8(path: string, offset: number, byte: number | undefined): Promise<InputError> {
  const what =
    byte === undefined ? "the file ends inside a UTF-8 sequence" : `${describeByte(byte)} is not valid UTF-8`;
  return new InputError(`${what}; ${NOT_UTF8_HINT}`, {
    position: { file: path, ...(await positionOf(path, offset)) },
  });
}

/**
 * The chunks of a text file, checked: a leading UTF-8 byte order mark is dropped (it is not part of the
 * first column's name), and bytes that are not UTF-8 (a Latin-1 or Windows-1252 export) are an InputError at
 * their line and column — they would otherwise decode to U+FFFD and be counted as other categories. The
 * check is Node's `isUtf8` per chunk, with the sequence a chunk boundary cuts carried to the next chunk.
 */
async function* utf8Chunks(path: string, chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  let offset = 0; // decompressed bytes before the current chunk
  let pending: Buffer | undefined; // the start of a sequence cut by the previous chunk's end
  for await (const raw of chunks) {
    let chunk = raw;
    const at = offset;
    offset += raw.length;
    if (at === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    let start = 0;
    if (pending) {
      const need = Math.min(sequenceLength(pending[0] as number) - pending.length, chunk.length);
      const joined = Buffer.concat([pending, chunk.subarray(0, need)]);
      if (joined.length < sequenceLength(pending[0] as number)) {
        pending = joined; // a tiny chunk: still cut
        yield chunk;
        continue;
      }
      if (!isUtf8(joined)) throw await notUtf8(path, at - pending.length, pending[0]);
      pending = undefined;
      start = need;
    }
    const end = completeEnd(chunk, start);
    if (!isUtf8(chunk.subarray(start, end))) {
      const bad = firstInvalidUtf8(chunk, start, end);
      const index = bad < 0 ? start : bad;
      throw await notUtf8(path, at + (raw.length - chunk.length) + index, chunk[index]);
    }
    if (end < chunk.length) pending = Buffer.from(chunk.subarray(end));
    yield chunk;
  }
  if (pending) throw await notUtf8(path, offset - pending.length, undefined);
}

/**
 * The bytes of a text file as chunks (checked by `utf8Chunks`: no byte order mark, UTF-8 only). Plain files are read into ONE reused buffer (far cheaper than a stream's
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
    return { chunks: utf8Chunks(path, bounded()), bytesRead: () => raw.bytesRead };
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
  return { chunks: utf8Chunks(path, chunks()), bytesRead: () => read };
}
