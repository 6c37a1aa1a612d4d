/** Streaming CSV reader (RFC 4180 quoting, embedded newlines, `.gz`), yielding column-major batches. */
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { InputError } from "@mlops/core";

/** Column-major batch of raw values. `startLine` is the 1-based file line of the batch's first row. */
export interface Batch {
  columnNames: string[];
  columns: unknown[][];
  startLine: number;
  rows: number;
}

export interface ReadOptions {
  /** Rows per batch (default 65536). */
  batchRows?: number;
  /** Skip rows with the wrong field count instead of throwing; they are counted in `skipped`. */
  skipBadRows?: boolean;
  onSkip?: (line: number, reason: string) => void;
}

/** Splits CSV text into records; handles quotes, doubled quotes and newlines inside quotes. */
function* parseRecords(text: string, state: { line: number }): Generator<{ fields: string[]; line: number }> {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const line = state.line;
    const fields: string[] = [];
    for (;;) {
      let value = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new InputError("unterminated quoted field", { position: { file: "", line } });
          value += text.slice(i, q);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) state.line++;
          if (text[q + 1] === '"') {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      } else {
        let j = i;
        while (j < n && text[j] !== "," && text[j] !== "\n" && text[j] !== "\r") j++;
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "\r") i++;
      if (text[i] === "\n") i++;
      state.line++;
      break;
    }
    yield { fields, line };
  }
}

/** Fast path for chunks without any quote character: plain line/field splitting. */
function* splitUnquoted(
  text: string,
  state: { line: number },
): Generator<{ fields: string[]; line: number }> {
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = n;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    yield { fields: text.slice(start, lineEnd).split(","), line: state.line++ };
    start = end + 1;
  }
}

/** Reads a CSV (optionally gzip) file as batches of ~`batchRows` rows. Bad rows → InputError with file:line. */
export async function* readCsv(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const batchRows = options.batchRows ?? 65536;
  const raw = createReadStream(path);
  const stream = path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding("utf8");
  let carry = "";
  let header: string[] | undefined;
  let columns: unknown[][] = [];
  let startLine = 2;
  let rows = 0;
  const state = { line: 1 };
  const flush = (): Batch => {
    const batch = { columnNames: header ?? [], columns, startLine, rows };
    columns = (header ?? []).map(() => []);
    rows = 0;
    return batch;
  };
  const consume = function* (text: string): Generator<Batch> {
    for (const rec of header && !text.includes('"')
      ? splitUnquoted(text, state)
      : parseRecords(text, state)) {
      if (!header) {
        header = rec.fields;
        columns = header.map(() => []);
        continue;
      }
      if (rec.fields.length === 1 && rec.fields[0] === "") continue;
      if (rec.fields.length !== header.length) {
        const reason = `expected ${header.length} fields, found ${rec.fields.length}`;
        if (options.skipBadRows) {
          options.onSkip?.(rec.line, reason);
          continue;
        }
        throw new InputError(`bad CSV row: ${reason}`, { position: { file: path, line: rec.line } });
      }
      if (rows === 0) startLine = rec.line;
      for (let c = 0; c < rec.fields.length; c++) (columns[c] as unknown[]).push(rec.fields[c]);
      rows++;
      if (rows >= batchRows) yield flush();
    }
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = carry + chunk;
    // cut at the last newline that is outside quotes (even number of quotes before it)
    let cut = text.lastIndexOf("\n");
    while (cut >= 0) {
      let quotes = 0;
      for (let k = text.indexOf('"'); k >= 0 && k <= cut; k = text.indexOf('"', k + 1)) quotes++;
      if (quotes % 2 === 0) break;
      cut = text.lastIndexOf("\n", cut - 1);
    }
    if (cut < 0) {
      carry = text;
      continue;
    }
    carry = text.slice(cut + 1);
    yield* consume(text.slice(0, cut + 1));
  }
  if (carry) yield* consume(`${carry}\n`);
  if (rows > 0) yield flush();
}
