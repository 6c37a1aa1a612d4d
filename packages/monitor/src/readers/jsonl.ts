/** Streaming JSON Lines reader (`.gz` included): one object per line, columns = union of the keys seen. */
import { InputError } from "@mlops/core";
import {
  type Batch,
  limitsOf,
  lineTooLong,
  MAX_BATCH_CELLS,
  MAX_JSON_DEPTH,
  noRows,
  type ReadOptions,
  readChunks,
  tooManyColumns,
} from "./source.js";

/** True when `value` nests objects/arrays deeper than `max` (iterative: no stack to overflow). */
function deeperThan(value: object, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > max) return true;
    for (const child of Object.values(v as object))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/** Lines of a byte stream (LF or CRLF), each at most `maxLineBytes` long, with their 1-based numbers. */
async function* lines(
  path: string,
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<[string, number]> {
  let carry: Buffer | undefined;
  let line = 0;
  const text = (buf: Buffer, start: number, end: number) =>
    buf.toString("utf8", start, end > start && buf[end - 1] === 13 ? end - 1 : end);
  for await (const chunk of chunks) {
    // plain-file chunks share one buffer: the partial line carried over is a copy
    const buf = carry?.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let lf = buf.indexOf(10); lf >= 0; lf = buf.indexOf(10, start)) {
      line++;
      if (lf - start > maxLineBytes) throw lineTooLong(path, line, maxLineBytes);
      yield [text(buf, start, lf), line];
      start = lf + 1;
    }
    carry = Buffer.from(buf.subarray(start));
    if (carry.length > maxLineBytes) throw lineTooLong(path, line + 1, maxLineBytes);
  }
  if (carry?.length) yield [text(carry, 0, carry.length), line + 1];
}

/** A cell: scalars as they are, objects and arrays as their JSON text. */
function cell(value: unknown, path: string, line: number, key: string): unknown {
  if (value === null || typeof value !== "object") return value;
  if (deeperThan(value, MAX_JSON_DEPTH))
    throw new InputError(
      `bad JSONL row: the value of "${key}" nests objects/arrays more than ${MAX_JSON_DEPTH} levels deep`,
      { position: { file: path, line } },
    );
  return JSON.stringify(value);
}

/** Reads a JSONL file as batches; a line that is not a JSON object is an InputError at file:line. */
export async function* readJsonl(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const batchRows = options.batchRows ?? 65536;
  const limits = limitsOf(options);
  const names: string[] = [];
  const index = new Map<string, number>();
  let columns: unknown[][] = [];
  let rows = 0;
  let startLine = 1;
  let total = 0;
  let skipped = 0;
  const flush = (): Batch => {
    for (const col of columns) while (col.length < rows) col.push(null);
    const batch: Batch = { columnNames: [...names], columns, startLine, rows };
    total += rows;
    columns = names.map(() => []);
    rows = 0;
    options.onBytes?.(bytesRead());
    return batch;
  };
  const { chunks, bytesRead } = readChunks(path, limits.maxDecompressedBytes);
  for await (const [text, line] of lines(path, chunks, limits.maxLineBytes)) {
    if (text.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      const reason = `not valid JSON (${(error as Error).message})`;
      if (options.skipBadRows) {
        skipped++;
        options.onSkip?.(line, reason);
        continue;
      }
      throw new InputError(`bad JSONL row: ${reason}`, { position: { file: path, line } });
    }
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      if (options.skipBadRows) {
        skipped++;
        options.onSkip?.(line, "not a JSON object");
        continue;
      }
      throw new InputError("bad JSONL row: expected a JSON object", { position: { file: path, line } });
    }
    if (rows === 0) startLine = line;
    for (const [key, value] of Object.entries(record)) {
      let c = index.get(key);
      if (c === undefined) {
        if (names.length >= limits.maxColumns)
          throw tooManyColumns(path, names.length + 1, limits.maxColumns, line);
        c = names.length;
        names.push(key);
        index.set(key, c);
        columns.push([]);
      }
      const col = columns[c] as unknown[];
      while (col.length < rows) col.push(null);
      col.push(cell(value, path, line, key));
    }
    rows++;
    // wide rows: fewer per batch, so a batch stays within MAX_BATCH_CELLS cells
    if (rows >= batchRows || rows * names.length >= MAX_BATCH_CELLS) yield flush();
  }
  if (rows > 0) yield flush();
  if (total === 0)
    throw noRows(path, skipped ? "none left after skipping bad rows" : "no JSON object in the file");
  options.onLayout?.({ file: path, format: "jsonl", columns: [...names], rows: total });
}
