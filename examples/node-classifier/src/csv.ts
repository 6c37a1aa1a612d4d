import { readFile, writeFile } from "node:fs/promises";

/** A CSV file as a header and rows of raw cell strings (no quoting: the example's files hold numbers only). */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Thrown when a CSV file does not have the shape the example expects. */
export class CsvError extends Error {
  override name = "CsvError";
}

/** Parses simple comma-separated text (no quoted fields); every row must have as many cells as the header. */
export function parseCsv(text: string, fileName: string): CsvTable {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const [headerLine, ...rowLines] = lines;
  if (headerLine === undefined) throw new CsvError(`${fileName}: empty file`);
  const header = headerLine.split(",");
  const rows = rowLines.map((line, index) => {
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new CsvError(`${fileName}:${index + 2}: ${cells.length} cells, header has ${header.length}`);
    }
    return cells;
  });
  return { header, rows };
}

/** Reads and parses a CSV file. */
export async function readCsv(path: string): Promise<CsvTable> {
  return parseCsv(await readFile(path, "utf8"), path);
}

/** Writes a header and rows as CSV; `null` and `undefined` cells are written empty (a missing value). */
export async function writeCsv(
  path: string,
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>,
): Promise<void> {
  const lines = [header.join(","), ...rows.map((row) => row.map((cell) => cell ?? "").join(","))];
  await writeFile(path, `${lines.join("\n")}\n`);
}
