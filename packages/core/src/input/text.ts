import { isUtf8 } from "node:buffer";
import { InputError } from "../errors.js";

/** The UTF-8 byte order mark some editors (Excel's "CSV UTF-8", PowerShell, Notepad) write first. */
export const UTF8_BOM = "\ufeff";

/** The text without a leading byte order mark (which would otherwise be part of a first key or column name). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The offset of the first byte in `bytes[start, end)` that does not begin a well-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, no sequence cut by `end`), or -1.
 * Only called once `isUtf8` said no, to say where.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  for (let i = start; i < end; ) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + n >= end) return i; // the sequence is cut by the end
    const second = bytes[i + 1] as number;
    if (second < low || second > high) return i;
    for (let k = 2; k <= n; k++) if (((bytes[i + k] as number) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/** 1-based line and column (in bytes) of `offset` in `bytes`. */
function lineColumnOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++)
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  return { line, column: offset - lineStart + 1 };
}

/** "byte 0xE9": how a bad byte is named in messages. */
export function describeByte(byte: number): string {
  return `byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/** What to do about a file that is not UTF-8, said once for every reader. */
export const NOT_UTF8_HINT =
  "the file is not UTF-8 (Latin-1 or Windows-1252?): save it as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 in > out`";

/**
 * The bytes of a text file as a string: a leading byte order mark is dropped, and bytes that are not UTF-8
 * are refused (InputError at the line and column of the first one) instead of being decoded to U+FFFD and
 * read as something else.
 */
export function decodeUtf8Text(bytes: Buffer, file: string): string {
  if (!isUtf8(bytes)) {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    throw new InputError(`${describeByte(bytes[at] as number)} is not valid UTF-8; ${NOT_UTF8_HINT}`, {
      position: { file, ...lineColumnOfByte(bytes, at) },
    });
  }
  return stripBom(bytes.toString("utf8"));
}
