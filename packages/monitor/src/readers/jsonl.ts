/** Streaming JSON Lines reader (`.gz` included): one object per line, columns = union of the keys seen. */
import { createInterface } from "node:readline";
import { InputError } from "@mlops/core";
import { type Batch, openBytes, type ReadOptions } from "./source.js";

function cell(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  return JSON.stringify(value);
}

/** Reads a JSONL file as batches; a line that is not a JSON object is an InputError at file:line. */
export async function* readJsonl(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const batchRows = options.batchRows ?? 65536;
  const { stream, raw } = openBytes(path);
  const names: string[] = [];
  const index = new Map<string, number>();
  let columns: unknown[][] = [];
  let rows = 0;
  let startLine = 1;
  let line = 0;
  let total = 0;
  const flush = (): Batch => {
    for (const col of columns) while (col.length < rows) col.push(null);
    const batch: Batch = { columnNames: [...names], columns, startLine, rows };
    total += rows;
    columns = names.map(() => []);
    rows = 0;
    options.onBytes?.(raw.bytesRead);
    return batch;
  };
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      const reason = `not valid JSON (${(error as Error).message})`;
      if (options.skipBadRows) {
        options.onSkip?.(line, reason);
        continue;
      }
      throw new InputError(`bad JSONL row: ${reason}`, { position: { file: path, line } });
    }
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      if (options.skipBadRows) {
        options.onSkip?.(line, "not a JSON object");
        continue;
      }
      throw new InputError("bad JSONL row: expected a JSON object", { position: { file: path, line } });
    }
    if (rows === 0) startLine = line;
    for (const [key, value] of Object.entries(record)) {
      let c = index.get(key);
      if (c === undefined) {
        c = names.length;
        names.push(key);
        index.set(key, c);
        columns.push([]);
      }
      const col = columns[c] as unknown[];
      while (col.length < rows) col.push(null);
      col.push(cell(value));
    }
    rows++;
    if (rows >= batchRows) yield flush();
  }
  if (rows > 0) yield flush();
  options.onLayout?.({ file: path, format: "jsonl", columns: [...names], rows: total });
}
