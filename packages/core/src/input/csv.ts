import { InputError } from "../errors.js";
import { stripBom } from "./text.js";

/** One data record of a CSV file and the line it starts on (1-based; a quoted newline spans lines). */
export interface CsvRow {
  cells: string[];
  line: number;
}

/** A small CSV file read whole: its header, its records, and the delimiter they were split on. */
export interface CsvTable {
  header: string[];
  rows: CsvRow[];
  delimiter: string;
}

export interface CsvTextOptions {
  /** The field delimiter; default: a tab for `.tsv` files, else whichever of `,` `;` tab the header line uses most. */
  delimiter?: string;
  /** What the file holds, for messages ("per-example results"). */
  what?: string;
}

const CANDIDATES = [",", ";", "\t"];

/** Occurrences of `c` in `line` outside double quotes. */
function countOutsideQuotes(line: string, c: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === c) n++;
  }
  return n;
}

/** The delimiter of a CSV file: declared, `.tsv`, or the candidate its first line holds most often (`,` on a tie). */
export function csvDelimiter(text: string, file: string, declared?: string): string {
  if (declared !== undefined) return declared;
  if (/\.tsv$/i.test(file)) return "\t";
  const first = text.slice(0, text.search(/\r?\n|$/));
  let best = ",";
  let most = countOutsideQuotes(first, ",");
  for (const c of CANDIDATES.slice(1)) {
    const n = countOutsideQuotes(first, c);
    if (n > most) {
      best = c;
      most = n;
    }
  }
  return best;
}

/** The records of CSV text (RFC 4180: `"` quoting, `""` escapes, delimiters and newlines inside quotes; CRLF, LF or CR). */
function* records(text: string, delimiter: string, file: string, what: string): Generator<CsvRow> {
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let j = i;
      while (text.charAt(j) === " ") j++;
      if (text.charAt(j) === '"') {
        // a quoted field: up to the closing quote, delimiters and newlines included
        const opened = line;
        let field = "";
        i = j + 1;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0)
            throw new InputError(
              `${what}a quoted field opened on line ${opened} is never closed (a missing " ?)`,
              {
                position: { file, line: opened },
              },
            );
          const part = text.slice(i, close);
          for (let k = part.indexOf("\n"); k >= 0; k = part.indexOf("\n", k + 1)) line++;
          field += part;
          if (text.charAt(close + 1) === '"') {
            field += '"';
            i = close + 2;
          } else {
            i = close + 1;
            break;
          }
        }
        while (text.charAt(i) === " " || (text.charAt(i) === "\t" && delimiter !== "\t")) i++;
        const next = text.charAt(i);
        if (i < n && next !== delimiter && next !== "\n" && next !== "\r")
          throw new InputError(
            `${what}expected ${delimiter === "\t" ? "a tab" : `"${delimiter}"`} or the end of the line after a quoted field, found "${next}"`,
            { position: { file, line } },
          );
        cells.push(field);
      } else {
        let k = i;
        for (; k < n; k++) {
          const c = text.charAt(k);
          if (c === delimiter || c === "\n" || c === "\r") break;
        }
        cells.push(text.slice(i, k).trim());
        i = k;
      }
      if (i < n && text.charAt(i) === delimiter) {
        i++;
        continue;
      }
      // the end of the record: CRLF, LF, CR or the end of the text
      if (text.charAt(i) === "\r") i++;
      if (text.charAt(i) === "\n") i++;
      line++;
      break;
    }
    if (cells.length === 1 && cells[0] === "") continue; // a blank line
    yield { cells, line: start };
  }
}

/** A CSV text's header and delimiter, and its records one at a time (each checked against the header's width). */
export interface CsvStream {
  header: string[];
  delimiter: string;
  rows: Iterable<CsvRow>;
}

/**
 * Opens CSV text for reading record by record (large per-example files: no array of every record's cells).
 * The same checks and messages as {@link parseCsvText}, which collects it.
 */
export function streamCsvText(text: string, file: string, options: CsvTextOptions = {}): CsvStream {
  const body = stripBom(text);
  const delimiter = csvDelimiter(body, file, options.delimiter);
  const what = options.what ? `${options.what}: ` : "";
  const all = records(body, delimiter, file, what);
  const first = all.next();
  if (first.done)
    throw new InputError(`${what}expected a CSV header line, but the file is empty`, { position: { file } });
  const header = first.value.cells;
  const seen = new Map<string, number>();
  for (const [i, name] of header.entries()) {
    if (name === "") continue; // pandas' to_csv writes an unnamed index column: it cannot be asked for by name
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw new InputError(
        `${what}the header names column "${name}" twice (fields ${earlier + 1} and ${i + 1}): every column needs its own name`,
        { position: { file, line: first.value.line } },
      );
    seen.set(name, i);
  }
  function* checked(): Generator<CsvRow> {
    for (const row of all) {
      if (row.cells.length !== header.length) {
        const sep = delimiter === "\t" ? "tabs" : `"${delimiter}"`;
        throw new InputError(
          `${what}expected ${header.length} field${header.length === 1 ? "" : "s"} like the header (split on ${sep}), found ${row.cells.length}`,
          { position: { file, line: row.line } },
        );
      }
      yield row;
    }
  }
  return { header, delimiter, rows: checked() };
}

/**
 * Parses a CSV file read whole (metrics, per-example results, plot data): a byte order mark is dropped,
 * the header must name every column once, and every record must have the header's number of fields.
 * Errors are one InputError naming the file and line. Monitoring data has its own streaming reader
 * (`@mlops/monitor`, `readers/csv.ts`).
 */
export function parseCsvText(text: string, file: string, options: CsvTextOptions = {}): CsvTable {
  const { header, delimiter, rows } = streamCsvText(text, file, options);
  return { header, rows: [...rows], delimiter };
}
