/**
 * Streaming CSV reader (`.gz` included), for any one-byte delimiter or runs of whitespace. Two paths:
 * - a byte-level fast path for chunks without any quote character, used once the column types are known:
 *   numbers are parsed straight from the bytes into Float64Arrays and categories are hashed into codes
 *   (no string per value);
 * - the RFC 4180 path (quotes, doubled quotes, newlines inside quotes, CRLF) for the first batch and for
 *   any chunk holding a quote.
 * A row with the wrong number of fields is an InputError at file:line (or skipped with `skipBadRows`).
 * Unless declared, the layout is checked on the first lines: a file that reads as one column but splits
 * evenly on another delimiter, or whose header line is all numbers, is refused with what to declare.
 */
import { InputError } from "@mlops/core";
import { type ColumnType, type ColumnValues, isNull, toNumber } from "../columns.js";
import {
  type Batch,
  limitsOf,
  lineTooLong,
  MAX_BATCH_CELLS,
  noRows,
  type ReadOptions,
  readChunks,
  tooManyColumns,
} from "./source.js";

const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
/** Rows of the first batch, from which column types are inferred. */
export const TYPE_SAMPLE_ROWS = 8192;
/** Exact powers of ten (10^22 is the largest exact double power of ten). */
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The delimiter value meaning "runs of spaces and tabs". */
export const WHITESPACE = "whitespace";

const DELIMITER_NAMES: Record<string, string> = {
  whitespace: WHITESPACE,
  "\\s+": WHITESPACE,
  tab: "\t",
  "\\t": "\t",
  comma: ",",
  semicolon: ";",
  pipe: "|",
  space: " ",
};

/** A delimiter as spelled in mlops.yml or on the command line → one ASCII character or "whitespace". */
export function normalizeDelimiter(raw: string, where = "delimiter"): string {
  const named = DELIMITER_NAMES[raw];
  if (named) return named;
  const code = raw.charCodeAt(0);
  if (raw.length === 1 && code < 128 && code !== QUOTE && code !== LF && code !== CR) return raw;
  throw new InputError(
    `${where}: expected one character such as ",", ";", "|" or a tab, or "whitespace", got ${JSON.stringify(raw)}`,
  );
}

/** How a delimiter is shown to people. */
export function delimiterLabel(delimiter: string): string {
  return delimiter === "\t" ? "tab" : delimiter === WHITESPACE ? WHITESPACE : JSON.stringify(delimiter);
}

/** The delimiter for a file: the declared one, else a tab for `.tsv`/`.tab`, else a comma. */
export function delimiterOf(path: string, declared: string | undefined): string {
  if (declared !== undefined) return normalizeDelimiter(declared);
  return /\.(tsv|tab)(\.gz)?$/i.test(path) ? "\t" : ",";
}

/** Splits CSV text into records; handles quotes, doubled quotes and newlines inside quotes. */
function* parseRecords(
  text: string,
  state: { line: number },
  file: string,
  delim: number,
  ws: boolean,
): Generator<{ fields: string[]; line: number }> {
  let i = 0;
  const n = text.length;
  const blank = (ch: number) => ch === SPACE || ch === TAB;
  while (i < n) {
    const line = state.line;
    const fields: string[] = [];
    if (ws) while (i < n && blank(text.charCodeAt(i))) i++;
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
          if (ch === delim || ch === LF || (ch === CR && text.charCodeAt(j + 1) === LF) || (ws && ch === TAB))
            break;
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      let ch = text.charCodeAt(i);
      if (ws) {
        // a run of blanks separates two fields, unless the line ends after it
        let j = i;
        while (j < n && blank(text.charCodeAt(j))) j++;
        const next = text.charCodeAt(j);
        const lineEnds = j >= n || next === LF || (next === CR && text.charCodeAt(j + 1) === LF);
        const separated = j > i;
        i = j;
        if (separated && !lineEnds) continue;
        ch = next;
      } else if (ch === delim) {
        i++;
        continue;
      }
      if (ch === CR) i++;
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

/** Multiplier of the short-category table's hash (Fibonacci hashing). */
const SHORT_HASH = 0x9e3779b1;

/**
 * Dictionary of one categorical column. A category of at most three bytes is its own key (length and bytes
 * packed in an int) in a small open-addressing table: one multiply, one compare. Longer ones are keyed by
 * a byte hash, the length and the first four bytes packed, and confirmed by comparing the rest of their
 * bytes with a copy kept in a pool.
 */
class Dictionary {
  readonly values: string[] = [];
  private readonly byString = new Map<string, number>();
  /** Keys of the short categories ((len << 24) | bytes) and their codes; read inline by parseRows. */
  shortKeys = new Int32Array(64).fill(-1);
  shortCodes = new Int32Array(64);
  private shortUsed = 0;
  private hashes = new Int32Array(64).fill(-1);
  private codes = new Int32Array(64);
  private lengths = new Int32Array(64);
  private packs = new Int32Array(64);
  private used = 0;
  /** Bytes of every category, one after the other; category c starts at offsets[c]. */
  private pool = new Uint8Array(1024);
  private offsets = new Int32Array(64);
  private poolLength = 0;

  codeOfString(s: string): number {
    let code = this.byString.get(s);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(s);
      this.byString.set(s, code);
      const bytes = Buffer.from(s, "utf8");
      if (this.poolLength + bytes.length > this.pool.length) {
        const pool = new Uint8Array(Math.max(this.pool.length * 2, this.poolLength + bytes.length));
        pool.set(this.pool);
        this.pool = pool;
      }
      if (code >= this.offsets.length) {
        const offsets = new Int32Array(this.offsets.length * 2);
        offsets.set(this.offsets);
        this.offsets = offsets;
      }
      this.pool.set(bytes, this.poolLength);
      this.offsets[code] = this.poolLength;
      this.poolLength += bytes.length;
    }
    return code;
  }

  /** Code of buf[start, end) (any length). */
  codeOfBytes(buf: Buffer, start: number, end: number): number {
    const len = end - start;
    if (len <= 3) {
      // the bytes are the key: (len << 24) | b0 << 16 | b1 << 8 | b2
      let key = len << 24;
      for (let k = 0; k < len; k++) key |= (buf[start + k] as number) << (16 - 8 * k);
      const keys = this.shortKeys;
      const mask = keys.length - 1;
      let i = (Math.imul(key, SHORT_HASH) >>> 20) & mask;
      for (;;) {
        const known = keys[i] as number;
        if (known === key) return this.shortCodes[i] as number;
        if (known === -1) break;
        i = (i + 1) & mask;
      }
      const code = this.codeOfString(buf.toString("utf8", start, end));
      if (!this.sameBytes(code, buf, start, end)) return code;
      keys[i] = key;
      this.shortCodes[i] = code;
      if (++this.shortUsed * 2 > keys.length) this.growShort();
      return code;
    }
    let hash = 0x811c9dc5;
    for (let k = start; k < end; k++) hash = Math.imul(hash ^ (buf[k] as number), 16777619);
    hash &= 0x3fffffff;
    const pack =
      ((buf[start] as number) << 24) |
      ((buf[start + 1] as number) << 16) |
      ((buf[start + 2] as number) << 8) |
      (buf[start + 3] as number);
    const hashes = this.hashes;
    const mask = hashes.length - 1;
    let i = hash & mask;
    for (;;) {
      const h = hashes[i] as number;
      if (h === -1) break;
      if (h === hash && this.lengths[i] === len && this.packs[i] === pack) {
        const code = this.codes[i] as number;
        if (len <= 4) return code;
        const pool = this.pool;
        const at = (this.offsets[code] as number) - start;
        let k = start + 4;
        while (k < end && pool[at + k] === buf[k]) k++;
        if (k === end) return code;
      }
      i = (i + 1) & mask;
    }
    // not in the table (new, or first seen on the string path): a slot of its own, unless its bytes are
    // not those of its string (invalid UTF-8 decodes lossily) — such values always go by string
    const code = this.codeOfString(buf.toString("utf8", start, end));
    if (!this.sameBytes(code, buf, start, end)) return code;
    hashes[i] = hash;
    this.codes[i] = code;
    this.lengths[i] = len;
    this.packs[i] = pack;
    if (++this.used * 2 > hashes.length) this.grow();
    return code;
  }

  /** True when category `code` is exactly the bytes buf[start, end) (false for invalid UTF-8, decoded lossily). */
  private sameBytes(code: number, buf: Buffer, start: number, end: number): boolean {
    const from = this.offsets[code] as number;
    const to = code + 1 < this.values.length ? (this.offsets[code + 1] as number) : this.poolLength;
    if (to - from !== end - start) return false;
    for (let k = 0; k < end - start; k++) if (this.pool[from + k] !== buf[start + k]) return false;
    return true;
  }

  private growShort(): void {
    const keys = this.shortKeys;
    const codes = this.shortCodes;
    this.shortKeys = new Int32Array(keys.length * 2).fill(-1);
    this.shortCodes = new Int32Array(keys.length * 2);
    const mask = this.shortKeys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j] as number;
      if (key === -1) continue;
      let i = (Math.imul(key, SHORT_HASH) >>> 20) & mask;
      while ((this.shortKeys[i] as number) !== -1) i = (i + 1) & mask;
      this.shortKeys[i] = key;
      this.shortCodes[i] = codes[j] as number;
    }
  }

  private grow(): void {
    const old = { hashes: this.hashes, codes: this.codes, lengths: this.lengths, packs: this.packs };
    const size = old.hashes.length * 2;
    this.hashes = new Int32Array(size).fill(-1);
    this.codes = new Int32Array(size);
    this.lengths = new Int32Array(size);
    this.packs = new Int32Array(size);
    const mask = size - 1;
    for (let j = 0; j < old.hashes.length; j++) {
      const h = old.hashes[j] as number;
      if (h === -1) continue;
      let i = h & mask;
      while ((this.hashes[i] as number) !== -1) i = (i + 1) & mask;
      this.hashes[i] = h;
      this.codes[i] = old.codes[j] as number;
      this.lengths[i] = old.lengths[j] as number;
      this.packs[i] = old.packs[j] as number;
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

function badRow(file: string, line: number, expected: number, found: number, names?: string[]): InputError {
  const declared = names ? ` (the declared columns ${names.join(", ")})` : "";
  return new InputError(`bad CSV row: expected ${expected} fields${declared}, found ${found}`, {
    position: { file, line },
  });
}

/** Position of the byte ending the field that starts at p (delimiter, CR or LF). */
function fieldEnd(buf: Buffer, p: number, end: number, delim: number, ws: boolean): number {
  while (p < end) {
    const b = buf[p] as number;
    if (b === delim || b === LF || b === CR || (ws && b === TAB)) return p;
    p++;
  }
  return p;
}

/** Fields of the line buf[start, end) (for the message about a bad row). */
function countFields(buf: Buffer, start: number, end: number, delim: number, ws: boolean): number {
  let n = ws ? 0 : 1;
  let inField = false;
  for (let q = start; q < end; q++) {
    const b = buf[q] as number;
    if (!ws) {
      if (b === delim) n++;
      continue;
    }
    const isBlank = b === SPACE || b === TAB || b === CR;
    if (!isBlank && !inField) n++;
    inField = !isBlank;
  }
  return n;
}

/**
 * Parses rows from buf[start, end) (complete lines — the last byte is LF —, no quotes) into `t` until the
 * batch is full; returns the position after the last row read. Numbers are parsed from the bytes when
 * they have ≤ 15 significant digits and a power of ten ≤ 22 (then mantissa × or ÷ 10^k is one correctly
 * rounded operation: the value Number() gives); other spellings go through Number(). An empty field is a
 * null. Categories are hashed byte by byte into their column's dictionary code.
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
  delim: number,
  ws: boolean,
): number {
  const k = t.kinds;
  const ncols = k.length;
  const numbers = t.numbers;
  const codes = t.codes;
  const cap = t.capacity;
  const dicts = t.dicts;
  const raws = t.raws;
  const last = ncols - 1;
  let line = state.line;
  let rows = t.rows;
  let p = start;
  while (p < end && rows < batchRows) {
    let b = buf[p] as number;
    if (ws) while (b === SPACE || b === TAB) b = buf[++p] as number;
    if (b === LF || (b === CR && buf[p + 1] === LF)) {
      p += b === CR ? 2 : 1;
      line++;
      continue;
    }
    const row = rows;
    const lineStart = p;
    let ok = true;
    for (let c = 0, at = row; c < ncols; c++, at += cap) {
      const s = p;
      const kind = k[c];
      b = buf[p] as number;
      if (kind === NUM) {
        let neg = false;
        if (b === 45) {
          neg = true;
          b = buf[++p] as number;
        } else if (b === 43) b = buf[++p] as number;
        let mant = 0;
        const d0 = p;
        while (b >= 48 && b <= 57) {
          mant = mant * 10 + (b - 48);
          b = buf[++p] as number;
        }
        let digits = p - d0;
        let exp = 0;
        if (b === 46) {
          const f0 = ++p;
          b = buf[p] as number;
          while (b >= 48 && b <= 57) {
            mant = mant * 10 + (b - 48);
            b = buf[++p] as number;
          }
          exp = f0 - p;
          digits -= exp;
        }
        if ((b === 101 || b === 69) && digits > 0) {
          b = buf[++p] as number;
          let eneg = false;
          if (b === 45) {
            eneg = true;
            b = buf[++p] as number;
          } else if (b === 43) b = buf[++p] as number;
          let e = 0;
          const e0 = p;
          while (b >= 48 && b <= 57 && e < 1000) {
            e = e * 10 + (b - 48);
            b = buf[++p] as number;
          }
          if (p === e0) digits = 0; // "1e" is not a number: the string path decides
          exp += eneg ? -e : e;
        }
        if (
          (b === delim || b === LF || b === CR || (ws && b === TAB)) &&
          digits > 0 &&
          digits <= 15 &&
          exp >= -22 &&
          exp <= 22
        ) {
          const x = exp < 0 ? mant / (POW10[-exp] as number) : exp > 0 ? mant * (POW10[exp] as number) : mant;
          numbers[at] = neg ? -x : x;
        } else if (p === s && (b === delim || b === LF || b === CR)) {
          numbers[at] = Number.NaN; // empty field: a null
        } else {
          p = fieldEnd(buf, p, end, delim, ws);
          t.rows = row;
          t.setString(c, buf.toString("utf8", s, p));
        }
      } else if (kind === CAT) {
        // the region ends with LF, so the scan needs no bounds check; a category of ≤ 3 bytes is looked
        // up here by its packed bytes (the common case), others by the dictionary
        let key = 0;
        while (b !== delim && b !== LF && b !== CR && !(ws && b === TAB)) {
          key = (key << 8) | b;
          b = buf[++p] as number;
        }
        const dict = dicts[c] as Dictionary;
        const len = p - s;
        let code = -1;
        if (len <= 3) {
          key |= len << 24;
          const keys = dict.shortKeys;
          const mask = keys.length - 1;
          for (let i = (Math.imul(key, SHORT_HASH) >>> 20) & mask; ; i = (i + 1) & mask) {
            const known = keys[i] as number;
            if (known === key) {
              code = dict.shortCodes[i] as number;
              break;
            }
            if (known === -1) break;
          }
        }
        codes[at] = code >= 0 ? code : dict.codeOfBytes(buf, s, p);
      } else {
        p = fieldEnd(buf, p, end, delim, ws);
        (raws[c] as string[])[row] = buf.toString("utf8", s, p);
      }
      b = buf[p] as number;
      if (ws) {
        let more = b === SPACE || b === TAB;
        if (more) {
          do b = buf[++p] as number;
          while (b === SPACE || b === TAB);
          more = b !== LF && b !== CR;
        }
        if (c < last ? !more : more) {
          ok = false;
          break;
        }
      } else if (b === delim) {
        p++;
        if (c === last) {
          ok = false;
          break;
        }
      } else if (c !== last) {
        ok = false;
        break;
      }
    }
    if (!ok) {
      let lineEnd = buf.indexOf(LF, lineStart);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      const found = countFields(buf, lineStart, lineEnd, delim, ws);
      if (!options.skipBadRows) throw badRow(path, line, ncols, found, options.columnNames);
      options.onSkip?.(line, `expected ${ncols} fields, found ${found}`);
      p = lineEnd + 1; // the row slot is overwritten by the next row
      line++;
      continue;
    }
    if (buf[p] === CR) p++;
    p++; // LF
    if (row === 0) t.startLine = line;
    line++;
    rows++;
  }
  t.rows = rows;
  state.line = line;
  return p;
}

/** True when a header line's fields are all numbers (but not 0..n-1 or 1..n, e.g. pandas' column numbers). */
function looksLikeData(fields: string[]): boolean {
  // pandas writes the index column's header as an empty name: ",0,1,2"
  const named = fields.length > 1 && (fields[0] as string).trim() === "" ? fields.slice(1) : fields;
  const values = named.map((f) => toNumber(f));
  if (!values.length || !values.every((x) => Number.isFinite(x))) return false;
  if (values.length < 2) return true;
  return !values.every((x, i) => x === i) && !values.every((x, i) => x === i + 1);
}

const CANDIDATES = ["\t", ";", "|", WHITESPACE];

function splitNaive(line: string, delimiter: string): string[] {
  return delimiter === WHITESPACE ? line.trim().split(/[ \t]+/) : line.split(delimiter);
}

const shorten = (s: string, max = 40) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const placeholderNames = (n: number) =>
  Array.from({ length: Math.min(n, 4) }, (_, i) => `c${i + 1}`).join(", ") + (n > 4 ? ", …" : "");

/**
 * Checks the first lines of a file whose layout was not declared: one column that splits evenly on another
 * delimiter (tab, ";", "|", whitespace) is refused, saying which delimiter to declare.
 */
function sniffDelimiter(path: string, lines: string[], delimiter: string, headerless: boolean): void {
  const first = lines[0];
  if (first === undefined || first.includes('"') || splitNaive(first, delimiter).length > 1) return;
  for (const candidate of CANDIDATES) {
    if (candidate === delimiter) continue;
    const counts = lines.map((l) => splitNaive(l, candidate).length);
    const k = counts[0] as number;
    if (k < 2 || !counts.every((n) => n === k)) continue;
    const numeric = !headerless && looksLikeData(splitNaive(first, candidate));
    const label = delimiterLabel(candidate);
    const yaml = `delimiter: ${candidate === WHITESPACE ? WHITESPACE : JSON.stringify(candidate)}${numeric ? `, header: false, columns: [${placeholderNames(k)}]` : ""}`;
    const flags = `--delimiter ${candidate === "\t" ? "tab" : candidate === WHITESPACE ? WHITESPACE : `'${candidate}'`}${numeric ? ` --no-header --columns ${placeholderNames(k).replace(/, /g, ",")}` : ""}`;
    throw new InputError(
      `read with delimiter ${delimiterLabel(delimiter)} as 1 column ("${shorten(first)}"), but its first ${lines.length} line(s) each split into ${k} fields on ${label}` +
        (numeric ? ", and its first line is numbers: the file likely has no header" : ""),
      {
        position: { file: path },
        details: `Declare the layout in mlops.yml's monitoring section (${yaml}) or pass ${flags}.`,
      },
    );
  }
}

/** Reads a CSV (optionally gzip) file as batches of ~`batchRows` rows. */
export async function* readCsv(path: string, options: ReadOptions = {}): AsyncIterable<Batch> {
  let batchRows = options.batchRows ?? 65536;
  const limits = limitsOf(options);
  const delimiter = delimiterOf(path, options.delimiter);
  const ws = delimiter === WHITESPACE;
  const delim = ws ? SPACE : delimiter.charCodeAt(0);
  const headerless = options.header === false;
  if (options.columnNames && !headerless)
    throw new InputError("column names are declared for header-less files: also declare header: false", {
      position: { file: path },
    });
  const { chunks, bytesRead } = readChunks(path, limits.maxDecompressedBytes);
  const state = { line: 1 };
  let header: string[] | undefined;
  let sniffed = options.delimiter !== undefined || /\.(tsv|tab)(\.gz)?$/i.test(path);
  let rowsRead = 0;
  // untyped first batch
  let rawColumns: string[][] = [];
  let rawRows = 0;
  let rawStart = headerless ? 1 : 2;
  // typed mode
  let kinds: Int8Array | undefined;
  let dicts: (Dictionary | null)[] = [];
  let typed: TypedBatch | undefined;
  let firstRows = options.resolveTypes ? Math.min(batchRows, TYPE_SAMPLE_ROWS) : batchRows;

  const report = () => options.onBytes?.(bytesRead());
  const flushRaw = (): Batch => {
    const batch: Batch = {
      columnNames: header ?? [],
      columns: rawColumns,
      startLine: rawStart,
      rows: rawRows,
    };
    const sample = rawColumns;
    rawColumns = (header ?? []).map(() => []);
    rawRows = 0;
    if (options.resolveTypes && !kinds) {
      const types: ColumnType[] = options.resolveTypes(batch);
      kinds = Int8Array.from(types, (t) => (t === "numerical" ? NUM : t === "categorical" ? CAT : RAW));
      dicts = types.map((t) => (t === "categorical" ? new Dictionary() : null));
      // the sample goes out typed too, so consumers see one representation per column
      const first = new TypedBatch(kinds, dicts, batchRows);
      first.startLine = batch.startLine;
      for (let r = 0; r < batch.rows; r++) {
        for (let c = 0; c < sample.length; c++) first.setString(c, (sample[c] as string[])[r] as string);
        first.rows++;
      }
      typed = first;
      return flushTyped();
    }
    rowsRead += batch.rows;
    report();
    return batch;
  };
  const flushTyped = (): Batch => {
    const batch = (typed as TypedBatch).batch(header ?? []);
    rowsRead += batch.rows;
    typed = new TypedBatch(kinds as Int8Array, dicts, batchRows, options.reuseBuffers ? typed : undefined);
    report();
    return batch;
  };

  /** The header (or, header-less, the column names) from the first record. */
  const takeHeader = (fields: string[], line: number): boolean => {
    const width = headerless ? (options.columnNames?.length ?? fields.length) : fields.length;
    if (width > limits.maxColumns) throw tooManyColumns(path, width, limits.maxColumns, line);
    // wide files: fewer rows per batch, so a typed batch stays within MAX_BATCH_CELLS cells
    batchRows = Math.min(batchRows, Math.max(64, Math.floor(MAX_BATCH_CELLS / width)));
    firstRows = Math.min(firstRows, batchRows);
    if (headerless) {
      const names = options.columnNames ?? fields.map((_, i) => `column_${i + 1}`);
      header = names;
      rawColumns = header.map(() => []);
      return false; // the record is data
    }
    if (options.header === undefined && looksLikeData(fields)) {
      const shown = fields.slice(0, 3).map((f) => shorten(f, 24));
      throw new InputError(
        `line 1 looks like data, not a header: ${fields.length === 1 ? "its one field is a number" : `all ${fields.length} fields are numbers`} (${shown.join(", ")}${fields.length > 3 ? ", …" : ""})`,
        {
          position: { file: path, line },
          details: `If the file has no header, declare it in mlops.yml's monitoring section (header: false, columns: [${placeholderNames(fields.length)}]) or pass --no-header --columns ${placeholderNames(fields.length).replace(/, /g, ",")}; if that line is the header, declare header: true (--header).`,
        },
      );
    }
    const seen = new Map<string, number>();
    for (const [i, name] of fields.entries()) {
      const first = seen.get(name);
      if (first !== undefined)
        throw new InputError(
          `the header names column "${shorten(name, 40)}" twice (fields ${first + 1} and ${i + 1}): every column needs its own name`,
          { position: { file: path, line } },
        );
      seen.set(name, i);
    }
    header = fields;
    rawColumns = header.map(() => []);
    return true;
  };

  /** RFC 4180 path over decoded text. */
  const consumeText = function* (text: string): Generator<Batch> {
    for (const rec of parseRecords(text, state, path, delim, ws)) {
      if (rec.fields.length === 1 && rec.fields[0] === "") continue;
      if (!header && takeHeader(rec.fields, rec.line)) continue;
      const width = (header as string[]).length;
      if (rec.fields.length !== width) {
        if (options.skipBadRows) {
          options.onSkip?.(rec.line, `expected ${width} fields, found ${rec.fields.length}`);
          continue;
        }
        throw badRow(path, rec.line, width, rec.fields.length, options.columnNames);
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
      p = parseRows(buf, p, end, typed as TypedBatch, batchRows, state, path, options, delim, ws);
      if ((typed as TypedBatch).rows >= batchRows) yield flushTyped();
    }
  };

  let carry: Buffer | undefined;
  // a partial line longer than the limit: stop (once per chunk, not per byte)
  const checkCarry = () => {
    if (carry && carry.length > limits.maxLineBytes) throw lineTooLong(path, state.line, limits.maxLineBytes);
  };
  // chunks may share one buffer: whatever outlives a chunk (the carried partial line) is copied
  for await (const chunk of chunks) {
    checkCarry();
    let buf = chunk;
    if (!sniffed) {
      // the first lines (of the first 64 KiB) decide whether the layout needs declaring
      sniffed = true;
      const head = buf.toString("utf8", 0, Math.min(buf.length, 1 << 16)).split(/\r?\n/);
      const complete = head.length > 1 && buf.length > 1 << 16 ? head.slice(0, -1) : head;
      sniffDelimiter(path, complete.filter((l) => l.trim() !== "").slice(0, 20), delimiter, headerless);
    }
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
      for (let k = firstRows - rawRows + (header || headerless ? 0 : 1); k > 0 && pos >= 0; k--) {
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
  checkCarry();
  if (carry?.length) {
    const tail = Buffer.concat([carry, Buffer.from("\n")]);
    if (typed && tail.indexOf(QUOTE) < 0) yield* consumeBytes(tail, tail.length);
    else yield* consumeText(tail.toString("utf8"));
  }
  if (typed && typed.rows > 0) yield flushTyped();
  else if (!typed && rawRows > 0) yield flushRaw();
  if (rowsRead === 0)
    throw noRows(
      path,
      !header
        ? "the file is empty"
        : options.skipBadRows
          ? "none left after skipping bad rows"
          : "only a header line",
    );
  options.onLayout?.({
    file: path,
    format: "csv",
    delimiter,
    header: !headerless,
    columns: header ?? [],
    rows: rowsRead,
  });
}
