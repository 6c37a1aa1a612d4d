/**
 * Streaming CSV reader (`.gz` included). Two paths:
 * - a byte-level fast path for chunks without any quote character, used once the column types are known:
 *   numbers are parsed straight from the bytes into Float64Arrays and categories are hashed into codes
 *   (no string per value);
 * - the RFC 4180 path (quotes, doubled quotes, newlines inside quotes, CRLF) for the first batch and for
 *   any chunk holding a quote.
 * A row with the wrong number of fields is an InputError at file:line (or skipped with `skipBadRows`).
 */
import { InputError } from "@mlops/core";
import { type ColumnType, type ColumnValues, isNull, toNumber } from "../columns.js";
import { type Batch, type ReadOptions, readChunks } from "./source.js";

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;
/** Rows of the first batch, from which column types are inferred. */
export const TYPE_SAMPLE_ROWS = 8192;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Splits CSV text into records; handles quotes, doubled quotes and newlines inside quotes. */
function* parseRecords(
  text: string,
  state: { line: number },
  file: string,
): Generator<{ fields: string[]; line: number }> {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const line = state.line;
    const fields: string[] = [];
    for (;;) {
      let value = "";
      if (text.charCodeAt(i) === QUOTE) {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new InputError("unterminated quoted field", { position: { file, line } });
          value += text.slice(i, q);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === LF) state.line++;
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      } else {
        let j = i;
        while (j < n) {
          const ch = text.charCodeAt(j);
          if (ch === COMMA || ch === LF || (ch === CR && text.charCodeAt(j + 1) === LF)) break;
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (text.charCodeAt(i) === COMMA) {
        i++;
        continue;
      }
      if (text.charCodeAt(i) === CR) i++;
      if (text.charCodeAt(i) === LF) i++;
      state.line++;
      break;
    }
    yield { fields, line };
  }
}

/** Index just after the last newline that is outside quotes, or -1. */
function cutOutsideQuotes(buf: Buffer): number {
  let cut = buf.lastIndexOf(LF);
  while (cut >= 0) {
    let quotes = 0;
    for (let k = buf.indexOf(QUOTE); k >= 0 && k <= cut; k = buf.indexOf(QUOTE, k + 1)) quotes++;
    if (quotes % 2 === 0) return cut + 1;
    cut = cut > 0 ? buf.lastIndexOf(LF, cut - 1) : -1;
  }
  return -1;
}

/**
 * Dictionary of one categorical column: codes by byte hash in an open-addressing table (each hit checked
 * against the stored bytes, so a collision only costs a lookup by string), and by string.
 */
class Dictionary {
  readonly values: string[] = [];
  private readonly bytes: Buffer[] = [];
  private readonly byString = new Map<string, number>();
  private hashes = new Int32Array(64).fill(-1);
  private codes = new Int32Array(64);
  private used = 0;

  codeOfString(s: string): number {
    let code = this.byString.get(s);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(s);
      this.bytes.push(Buffer.from(s, "utf8"));
      this.byString.set(s, code);
    }
    return code;
  }

  codeOfBytes(buf: Buffer, start: number, end: number, hash: number): number {
    const mask = this.hashes.length - 1;
    let i = hash & mask;
    for (;;) {
      const h = this.hashes[i] as number;
      if (h === -1) break;
      if (h === hash) {
        const code = this.codes[i] as number;
        const known = this.bytes[code] as Buffer;
        const len = end - start;
        if (known.length === len) {
          let k = 0;
          while (k < len && known[k] === buf[start + k]) k++;
          if (k === len) return code;
        }
        return this.codeOfString(buf.toString("utf8", start, end)); // hash collision: by string
      }
      i = (i + 1) & mask;
    }
    const fresh = this.codeOfString(buf.toString("utf8", start, end));
    this.hashes[i] = hash;
    this.codes[i] = fresh;
    if (++this.used * 2 > this.hashes.length) this.grow();
    return fresh;
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldCodes = this.codes;
    this.hashes = new Int32Array(oldHashes.length * 2).fill(-1);
    this.codes = new Int32Array(oldHashes.length * 2);
    const mask = this.hashes.length - 1;
    for (let j = 0; j < oldHashes.length; j++) {
      const h = oldHashes[j] as number;
      if (h === -1) continue;
      let i = h & mask;
      while ((this.hashes[i] as number) !== -1) i = (i + 1) & mask;
      this.hashes[i] = h;
      this.codes[i] = oldCodes[j] as number;
    }
  }
}

const NUM = 0;
const CAT = 1;
const RAW = 2;

/**
 * Builds one typed batch; rows come from the byte path or from parsed string records. Numbers and codes
 * live in one strided buffer each (column c at offset c·capacity), so the hot loop indexes one typed array.
 */
class TypedBatch {
  rows = 0;
  startLine = 0;
  readonly numbers: Float64Array;
  readonly codes: Int32Array;
  readonly raws: (string[] | null)[];
  readonly invalid: Int32Array;
  constructor(
    readonly kinds: Int8Array,
    readonly dicts: (Dictionary | null)[],
    readonly capacity: number,
    reuse?: TypedBatch,
  ) {
    const n = kinds.length;
    // typed buffers are reused batch after batch when asked: a batch is then only valid until the next one
    this.numbers = reuse?.numbers ?? new Float64Array(n * capacity);
    this.codes = reuse?.codes ?? new Int32Array(n * capacity);
    this.raws = Array.from({ length: n }, (_, c) => (kinds[c] === RAW ? new Array<string>(capacity) : null));
    this.invalid = new Int32Array(n);
  }

  /** Writes field c of the current row from a string (RFC 4180 path and the fast path's rare cases). */
  setString(c: number, value: string): void {
    const kind = this.kinds[c];
    const at = c * this.capacity + this.rows;
    if (kind === NUM) {
      const x = toNumber(value);
      if (!Number.isFinite(x) && !isNull(value)) this.invalid[c] = (this.invalid[c] as number) + 1;
      this.numbers[at] = Number.isFinite(x) ? x : Number.NaN;
    } else if (kind === CAT) this.codes[at] = (this.dicts[c] as Dictionary).codeOfString(value);
    else (this.raws[c] as string[])[this.rows] = value;
  }

  batch(columnNames: string[]): Batch {
    const n = this.rows;
    const cap = this.capacity;
    const columns: ColumnValues[] = Array.from(this.kinds, (kind, c) =>
      kind === NUM
        ? this.numbers.subarray(c * cap, c * cap + n)
        : kind === CAT
          ? {
              kind: "coded" as const,
              codes: this.codes.subarray(c * cap, c * cap + n),
              dictionary: (this.dicts[c] as Dictionary).values,
            }
          : (this.raws[c] as string[]).slice(0, n),
    );
    return { columnNames, columns, invalid: this.invalid, startLine: this.startLine, rows: n };
  }
}

function badRow(file: string, line: number, expected: number, found: number): InputError {
  return new InputError(`bad CSV row: expected ${expected} fields, found ${found}`, {
    position: { file, line },
  });
}

/** Position of the delimiter (comma, LF or CR) ending the field that starts at p. */
function fieldEnd(buf: Buffer, p: number, end: number): number {
  while (p < end) {
    const b = buf[p] as number;
    if (b === COMMA || b === LF || b === CR) return p;
    p++;
  }
  return p;
}

/**
 * Parses rows from buf[p, end) (complete lines, no quotes) into `t` until the batch is full; returns the
 * position after the last row read. Numbers are parsed from the bytes (≤ 15 significant digits exactly:
 * mantissa / 10^k is correctly rounded, as Number() would give); other spellings go through Number().
 */
function parseRows(
  buf: Buffer,
  start: number,
  end: number,
  t: TypedBatch,
  batchRows: number,
  state: { line: number },
  path: string,
  options: ReadOptions,
): number {
  const k = t.kinds;
  const ncols = k.length;
  const numbers = t.numbers;
  const codes = t.codes;
  const cap = t.capacity;
  const dicts = t.dicts;
  const raws = t.raws;
  let p = start;
  while (p < end && t.rows < batchRows) {
    let b = buf[p] as number;
    if (b === LF || (b === CR && buf[p + 1] === LF)) {
      p += b === CR ? 2 : 1;
      state.line++;
      continue;
    }
    const row = t.rows;
    const lineStart = p;
    let ok = true;
    for (let c = 0, at = row; c < ncols; c++, at += cap) {
      const s = p;
      const kind = k[c];
      if (kind === NUM) {
        let neg = false;
        b = buf[p] as number;
        if (b === 45) {
          neg = true;
          b = buf[++p] as number;
        } else if (b === 43) b = buf[++p] as number;
        let mant = 0;
        let digits = 0;
        let frac = 0;
        while (b >= 48 && b <= 57) {
          mant = mant * 10 + (b - 48);
          digits++;
          b = buf[++p] as number;
        }
        if (b === 46) {
          b = buf[++p] as number;
          while (b >= 48 && b <= 57) {
            mant = mant * 10 + (b - 48);
            digits++;
            frac++;
            b = buf[++p] as number;
          }
        }
        if ((b === COMMA || b === LF || b === CR || p >= end) && digits > 0 && digits <= 15) {
          const x = frac ? mant / (POW10[frac] as number) : mant;
          numbers[at] = neg ? -x : x;
        } else {
          p = fieldEnd(buf, p, end);
          t.setString(c, buf.toString("utf8", s, p));
        }
      } else if (kind === CAT) {
        let h = 0x811c9dc5;
        while (p < end) {
          b = buf[p] as number;
          if (b === COMMA || b === LF || b === CR) break;
          h = Math.imul(h ^ b, 16777619);
          p++;
        }
        codes[at] = (dicts[c] as Dictionary).codeOfBytes(buf, s, p, h & 0x3fffffff);
      } else {
        p = fieldEnd(buf, p, end);
        (raws[c] as string[])[row] = buf.toString("utf8", s, p);
      }
      b = buf[p] as number;
      if (c < ncols - 1) {
        if (b !== COMMA) {
          ok = false;
          break;
        }
        p++;
      } else if (b === COMMA) ok = false;
    }
    if (!ok) {
      let lineEnd = buf.indexOf(LF, lineStart);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      let found = 1;
      for (let q = lineStart; q < lineEnd; q++) if (buf[q] === COMMA) found++;
      if (!options.skipBadRows) throw badRow(path, state.line, ncols, found);
      options.onSkip?.(state.line, `expected ${ncols} fields, found ${found}`);
      p = lineEnd + 1; // the row slot is overwritten by the next row
      state.line++;
      continue;
    }
    if (buf[p] === CR) p++;
    p++; // LF
    if (row === 0) t.startLine = state.line;
    state.line++;
    t.rows++;
  }
  return p;
}

/** Reads a CSV (optionally gzip) file as batches of ~`batchRows` rows. */
export async function* readCsv(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  const batchRows = options.batchRows ?? 65536;
  const { chunks, bytesRead } = readChunks(path);
  const state = { line: 1 };
  let header: string[] | undefined;
  // untyped first batch
  let rawColumns: string[][] = [];
  let rawRows = 0;
  let rawStart = 2;
  // typed mode
  let kinds: Int8Array | undefined;
  let dicts: (Dictionary | null)[] = [];
  let typed: TypedBatch | undefined;
  const firstRows = options.resolveTypes ? Math.min(batchRows, TYPE_SAMPLE_ROWS) : batchRows;

  const report = () => options.onBytes?.(bytesRead());
  const flushRaw = (): Batch => {
    const batch: Batch = {
      columnNames: header ?? [],
      columns: rawColumns,
      startLine: rawStart,
      rows: rawRows,
    };
    rawColumns = (header ?? []).map(() => []);
    rawRows = 0;
    if (options.resolveTypes && !kinds) {
      const types: ColumnType[] = options.resolveTypes(batch);
      kinds = Int8Array.from(types, (t) => (t === "numerical" ? NUM : t === "categorical" ? CAT : RAW));
      dicts = types.map((t) => (t === "categorical" ? new Dictionary() : null));
      typed = new TypedBatch(kinds, dicts, batchRows);
    }
    report();
    return batch;
  };
  const flushTyped = (): Batch => {
    const batch = (typed as TypedBatch).batch(header ?? []);
    typed = new TypedBatch(kinds as Int8Array, dicts, batchRows, options.reuseBuffers ? typed : undefined);
    report();
    return batch;
  };

  /** RFC 4180 path over decoded text. */
  const consumeText = function* (text: string): Generator<Batch> {
    for (const rec of parseRecords(text, state, path)) {
      if (!header) {
        header = rec.fields;
        rawColumns = header.map(() => []);
        continue;
      }
      if (rec.fields.length === 1 && rec.fields[0] === "") continue;
      if (rec.fields.length !== header.length) {
        if (options.skipBadRows) {
          options.onSkip?.(rec.line, `expected ${header.length} fields, found ${rec.fields.length}`);
          continue;
        }
        throw badRow(path, rec.line, header.length, rec.fields.length);
      }
      if (typed) {
        if (typed.rows === 0) typed.startLine = rec.line;
        for (let c = 0; c < rec.fields.length; c++) typed.setString(c, rec.fields[c] as string);
        typed.rows++;
        if (typed.rows >= batchRows) yield flushTyped();
      } else {
        if (rawRows === 0) rawStart = rec.line;
        for (let c = 0; c < rec.fields.length; c++) (rawColumns[c] as string[]).push(rec.fields[c] as string);
        rawRows++;
        if (rawRows >= firstRows || (kinds === undefined && rawRows >= batchRows)) yield flushRaw();
      }
    }
  };

  /** Byte fast path over complete lines buf[0, end) without quotes. */
  const consumeBytes = function* (buf: Buffer, end: number): Generator<Batch> {
    let p = 0;
    while (p < end) {
      p = parseRows(buf, p, end, typed as TypedBatch, batchRows, state, path, options);
      if ((typed as TypedBatch).rows >= batchRows) yield flushTyped();
    }
  };

  let carry: Buffer | undefined;
  // chunks may share one buffer: whatever outlives a chunk (the carried partial line) is copied
  for await (const chunk of chunks) {
    let buf = chunk;
    if (typed && carry?.length && carry.indexOf(QUOTE) < 0 && chunk.indexOf(QUOTE) < 0) {
      // finish the carried partial line on its own, so the big chunk is not copied
      const firstLf = chunk.indexOf(LF);
      if (firstLf < 0) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const head = Buffer.concat([carry, chunk.subarray(0, firstLf + 1)]);
      carry = undefined;
      if (head.indexOf(QUOTE) < 0) yield* consumeBytes(head, head.length);
      else yield* consumeText(head.toString("utf8"));
      buf = chunk.subarray(firstLf + 1);
    } else if (carry?.length) buf = Buffer.concat([carry, chunk]);
    if (!typed && options.resolveTypes && buf.indexOf(QUOTE) < 0) {
      // only the lines of the first batch go through the text path; the rest of the chunk takes the byte path
      let pos = 0;
      for (let k = firstRows - rawRows + (header ? 0 : 1); k > 0 && pos >= 0; k--) {
        const lf = buf.indexOf(LF, pos);
        pos = lf < 0 ? -1 : lf + 1;
      }
      if (pos > 0) {
        yield* consumeText(buf.toString("utf8", 0, pos));
        buf = buf.subarray(pos);
      }
    }
    if (typed && buf.indexOf(QUOTE) < 0) {
      const cut = buf.lastIndexOf(LF) + 1;
      carry = Buffer.from(buf.subarray(cut));
      if (cut > 0) yield* consumeBytes(buf, cut);
      continue;
    }
    const cut = cutOutsideQuotes(buf);
    if (cut < 0) {
      carry = Buffer.from(buf);
      continue;
    }
    carry = Buffer.from(buf.subarray(cut));
    yield* consumeText(buf.toString("utf8", 0, cut));
  }
  if (carry?.length) {
    const tail = Buffer.concat([carry, Buffer.from("\n")]);
    if (typed && tail.indexOf(QUOTE) < 0) yield* consumeBytes(tail, tail.length);
    else yield* consumeText(tail.toString("utf8"));
  }
  if (typed && typed.rows > 0) yield flushTyped();
  else if (!typed && rawRows > 0) yield flushRaw();
  else if (!header) return;
}
