/** Parquet reader over hyparquet: one batch per row-group slice; `.parquet.gz` is gunzipped in memory. */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { InputError } from "@mlops/core";
import { type AsyncBuffer, asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { type Batch, isGzip, type ReadOptions } from "./source.js";

function cell(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (value !== null && typeof value === "object" && !(value instanceof Date))
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v));
  return value;
}

async function openFile(path: string): Promise<AsyncBuffer> {
  if (!isGzip(path)) return asyncBufferFromFile(path);
  const bytes = gunzipSync(await readFile(path));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: buffer.byteLength, slice: (start, end) => buffer.slice(start, end) };
}

/** Reads a Parquet file as batches (`startLine` = 1-based row number). */
export async function* readParquet(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const batchRows = options.batchRows ?? 65536;
  const file = await openFile(path);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InputError(`not a Parquet file (${(error as Error).message})`, { position: { file: path } });
  }
  // top-level fields: walk the flattened schema by num_children
  const topLevel = (() => {
    const out: string[] = [];
    let i = 1;
    const skip = (at: number): number => {
      const n = metadata.schema[at]?.num_children ?? 0;
      let next = at + 1;
      for (let k = 0; k < n; k++) next = skip(next);
      return next;
    };
    while (i < metadata.schema.length) {
      out.push(metadata.schema[i]?.name ?? `column${i}`);
      i = skip(i);
    }
    return out;
  })();
  const total = Number(metadata.num_rows);
  for (let start = 0; start < total; start += batchRows) {
    const end = Math.min(total, start + batchRows);
    const objects = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end });
    const columns = topLevel.map((name) =>
      objects.map((o) => cell((o as Record<string, unknown>)[name] ?? null)),
    );
    const read = Math.round((end / Math.max(1, total)) * file.byteLength);
    options.onBytes?.(read);
    yield { columnNames: topLevel, columns, startLine: start + 1, rows: end - start };
  }
  options.onLayout?.({ file: path, format: "parquet", columns: topLevel, rows: total });
}
