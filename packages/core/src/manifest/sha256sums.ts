import { IntegrityError } from "../errors.js";

/** One `SHA256SUMS` entry. */
export interface ChecksumEntry {
  sha256: string;
  name: string;
}

/** Renders entries as `sha256sum` does: `<hex>  <name>` per line, trailing newline. */
export function renderSha256Sums(entries: readonly ChecksumEntry[]): string {
  return entries.map((e) => `${e.sha256}  ${e.name}\n`).join("");
}

/** Parses `SHA256SUMS` text (text `  ` or binary ` *` separators); IntegrityError with the line number on a bad line. */
export function parseSha256Sums(text: string, file = "SHA256SUMS"): ChecksumEntry[] {
  const entries: ChecksumEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m)
      throw new IntegrityError(`${file}:${i + 1}: expected "<64 hex digits>  <file name>", got "${line}"`);
    entries.push({ sha256: (m[1] as string).toLowerCase(), name: m[2] as string });
  }
  return entries;
}
