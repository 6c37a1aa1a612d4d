/**
 * Issue 19, the data readers: hostile inputs (a gzip bomb, 20,000 columns, deeply nested JSONL, corrupt
 * Parquet footers and data, empty and header-only files) end in one InputError naming the file (and
 * line/row where there is one), within stated bounds — never a hang, an allocation failure or a
 * JavaScript internal. Inputs are generated (seeded, bounded sizes).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { InputError, mulberry32 } from "@mlops/core";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { type ProfileOptions, profileFiles } from "../src/monitor.js";
import { readTable } from "../src/readers/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlops-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** JavaScript internals a user must never see. */
const INTERNAL =
  /Cannot read properties|undefined|Maximum call stack|is not a function|is not iterable|Invalid array length|Array buffer allocation|Invalid typed array length|out of memory|RangeError|TypeError/;

/** gzip of `head` then `bytes` bytes of "a" without a newline, streamed (a 520 MB line is ~2.4 MB gzipped). */
async function gzipBomb(name: string, head: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  const chunk = Buffer.alloc(1 << 20, 97);
  async function* gen() {
    yield Buffer.from(head);
    for (let left = bytes; left > 0; left -= chunk.length)
      yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  const { createWriteStream } = await import("node:fs");
  await pipeline(gen, createGzip({ level: 1 }), createWriteStream(path));
  return path;
}

/** Reads a file the way `mlops profile` does; resolves to the error it ends with (undefined: read fine). */
async function readError(path: string, options: ProfileOptions = {}): Promise<unknown> {
  try {
    await profileFiles([path], options);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The error is bad input: one line naming the file, no JavaScript internal. */
function expectInputError(error: unknown, file: string, message?: RegExp): InputError {
  expect(error).toBeInstanceOf(InputError);
  const e = error as InputError;
  expect(e.position?.file).toBe(file);
  expect(e.message).not.toMatch(INTERNAL);
  expect(e.message).not.toContain("\n");
  if (message) expect(e.message).toMatch(message);
  return e;
}

describe("a gzip bomb: line length and decompressed size are bounded", () => {
  it("CSV and JSONL: one 64 MB line stops at the configured line limit, naming file and line", async () => {
    for (const [name, head] of [
      ["bomb.csv.gz", "x,y\n1,2\n"],
      ["bomb.jsonl.gz", '{"x":1}\n'],
      ["bomb-first.csv.gz", ""],
    ] as const) {
      const path = await gzipBomb(name, head, 64 << 20);
      const started = Date.now();
      const e = expectInputError(
        await readError(path, { maxLineBytes: 1 << 20 }),
        path,
        /longer than 1048576 bytes \(1 MiB\).*raise monitoring\.max_line_bytes/,
      );
      expect(e.position?.line).toBe(head ? head.split("\n").length : 1);
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it("decompressed size: many short lines stop at the configured limit", async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i},${i % 7}`).join("\n");
    const path = join(dir, "big.csv.gz");
    writeFileSync(path, gzipSync(`x,y\n${lines}\n`));
    expectInputError(
      await readError(path, { maxDecompressedBytes: 1 << 20 }),
      path,
      /decompresses to more than 1048576 bytes \(1 MiB\); raise monitoring\.max_decompressed_bytes/,
    );
    const jsonl = join(dir, "big.jsonl.gz");
    writeFileSync(jsonl, gzipSync(lines.replace(/^(\d+),(\d+)$/gm, '{"x":$1,"y":$2}')));
    expectInputError(
      await readError(jsonl, { maxDecompressedBytes: 1 << 20 }),
      jsonl,
      /decompresses to more/,
    );
    const parquet = join(dir, "p.parquet.gz");
    const buffer = parquetWriteBuffer({
      columnData: [{ name: "x", data: Float64Array.from({ length: 50_000 }, (_, i) => i), type: "DOUBLE" }],
    });
    writeFileSync(parquet, gzipSync(Buffer.from(buffer)));
    expectInputError(
      await readError(parquet, { maxDecompressedBytes: 1 << 16 }),
      parquet,
      /decompresses to more/,
    );
  });

  it("a broken .gz file is one line naming the file", async () => {
    const path = join(dir, "broken.csv.gz");
    writeFileSync(path, gzipSync("x,y\n1,2\n3,4\n").subarray(0, 15));
    expectInputError(await readError(path), path, /not a readable gzip file/);
  });
});

describe("columns: bounded count, bounded memory per batch", () => {
  const wide = (n: number, rows: number) =>
    `${Array.from({ length: n }, (_, i) => `c${i}`).join(",")}\n${Array.from({ length: rows }, (_, r) => Array.from({ length: n }, (_, i) => (i + r) % 10).join(",")).join("\n")}\n`;

  it("20,000 CSV columns: refused by default with the limit and how to raise it", async () => {
    const path = join(dir, "wide.csv");
    writeFileSync(path, wide(20_000, 3));
    expectInputError(
      await readError(path),
      path,
      /^20000 columns, more than the limit of 2000; raise monitoring\.max_columns \(--max-columns\)/,
    );
    // raised: read, with batches small enough for 20,000 typed columns
    const profile = await profileFiles([path], { maxColumns: 20_000 });
    expect(Object.keys(profile.columns)).toHaveLength(20_000);
    expect(profile.rows).toBe(3);
  });

  it("JSONL and Parquet: more keys or fields than the limit are refused", async () => {
    const jsonl = join(dir, "wide.jsonl");
    writeFileSync(
      jsonl,
      `${JSON.stringify(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i])))}\n`,
    );
    expectInputError(await readError(jsonl, { maxColumns: 20 }), jsonl, /more than the limit of 20/);
    const parquet = join(dir, "wide.parquet");
    writeFileSync(
      parquet,
      Buffer.from(
        parquetWriteBuffer({
          columnData: Array.from({ length: 30 }, (_, i) => ({
            name: `c${i}`,
            data: [1, 2],
            type: "DOUBLE" as const,
          })),
        }),
      ),
    );
    expectInputError(
      await readError(parquet, { maxColumns: 20 }),
      parquet,
      /^30 columns, more than the limit/,
    );
  });
});

describe("JSONL nesting depth", () => {
  it("a value nested 100,000 deep is a bad row at its line, not a stack overflow", async () => {
    const path = join(dir, "deep.jsonl");
    writeFileSync(path, `{"a":1}\n{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}\n`);
    const e = expectInputError(await readError(path), path, /"a" nests objects\/arrays more than 64 levels/);
    expect(e.position?.line).toBe(2);
  });
});

describe("Parquet: metadata validated before use", () => {
  const good = Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "x", data: [1.5, 2.5, null, 4, 5, 6], type: "DOUBLE" },
        { name: "c", data: ["a", "b", "a", null, "c", "b"], type: "STRING" },
      ],
    }),
  );

  it("named problems: too short, no magic, truncated, footer length out of the file", async () => {
    const cases: [string, Buffer, RegExp][] = [
      ["short.parquet", Buffer.from("PAR1"), /too short to be a Parquet file/],
      [
        "csv.parquet",
        Buffer.from("x,y\n1,2\n3,4\n5,6\n"),
        /does not start with the Parquet magic bytes PAR1/,
      ],
      [
        "truncated.parquet",
        good.subarray(0, good.length - 10),
        /does not end with the Parquet magic bytes PAR1/,
      ],
      [
        "footer.parquet",
        (() => {
          const b = Buffer.from(good);
          b.writeUInt32LE(good.length * 4, good.length - 8);
          return b;
        })(),
        /footer length \d+ does not fit in the file's \d+ bytes/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      expectInputError(await readError(path), path, message);
    }
  });

  it("300 seeded truncations and bit flips: each reads or is one clear line naming the file", async () => {
    const random = mulberry32(19);
    let refused = 0;
    for (let k = 0; k < 300; k++) {
      const bytes = Buffer.from(good);
      if (k % 3 === 0) {
        // truncate, then restore the trailing magic so the footer is parsed from the wrong place
        const cut = 12 + Math.floor(random() * (good.length - 12));
        const t = Buffer.concat([bytes.subarray(0, cut), Buffer.from("PAR1")]);
        writeFileSync(join(dir, `t${k}.parquet`), t);
      } else {
        // flip 1–4 bits, mostly in the footer (the last ~40% of this small file)
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(good.length * (0.6 + 0.4 * random())) - 1;
          bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
        }
        writeFileSync(join(dir, `t${k}.parquet`), bytes);
      }
      const path = join(dir, `t${k}.parquet`);
      const error = await readError(path);
      if (error === undefined) continue; // a flip in a value: the file still reads
      refused++;
      expectInputError(error, path);
    }
    expect(refused).toBeGreaterThan(150);
  });
});

describe("empty data is an error naming the file", () => {
  it("empty, blank-only, header-only CSV; empty JSONL; a 0-row Parquet file", async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ["empty.csv", "", /^no data rows \(the file is empty\)$/],
      ["blank.csv", "\n\n", /^no data rows \(the file is empty\)$/],
      ["header.csv", "x,y\n", /^no data rows \(only a header line\)$/],
      ["header.csv.gz", gzipSync("x,y\n"), /^no data rows \(only a header line\)$/],
      ["empty.jsonl", "\n", /^no data rows \(no JSON object in the file\)$/],
      [
        "empty.parquet",
        Buffer.from(parquetWriteBuffer({ columnData: [{ name: "x", data: [], type: "DOUBLE" }] })),
        /^no data rows \(the Parquet file holds 0 rows\)$/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      expectInputError(await readError(path), path, message);
      // the raw reader too (no type resolution)
      const raw = await (async () => {
        try {
          for await (const _ of readTable(path)) void _;
        } catch (error) {
          return error;
        }
      })();
      expectInputError(raw, path, message);
    }
  });
});

describe("a column mixing numbers and text is never profiled silently", () => {
  it("undeclared: refused naming the column, a value and what to declare; declared: read as declared", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 9 === 8 ? "n/a" : i},${["a", "b"][i % 2]}`);
    for (const [name, text] of [
      ["mixed.csv", `x,c\n${rows.join("\n")}\n`],
      [
        "mixed.jsonl",
        `${rows
          .map((r) => {
            const [x, c] = r.split(",");
            return JSON.stringify({ x: x === "n/a" ? x : Number(x), c });
          })
          .join("\n")}\n`,
      ],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, text);
      expectInputError(
        await readError(path),
        path,
        /^column "x" mixes numbers and text \(36 numbers, 4 other value\(s\) in its first 40 rows, e\.g\. "n\/a" in data row 9\); declare monitoring\.columns\.x\.type: numerical \(text counted as invalid\) or categorical$/,
      );
      const numerical = await profileFiles([path], { types: { x: "numerical" } });
      expect(numerical.columns.x).toMatchObject({ type: "numerical", count: 36, invalid: 4 });
      const categorical = await profileFiles([path], { types: { x: "categorical" } });
      expect(categorical.columns.x).toMatchObject({ type: "categorical", count: 40 });
    }
    // mostly text with a numeric category: categorical, as before
    const path = join(dir, "text.csv");
    writeFileSync(path, `c\n${["a", "b", "0", "c"].join("\n")}\n`);
    expect((await profileFiles([path])).columns.c?.type).toBe("categorical");
  });
});

describe("seeded mutations of CSV and JSONL, plain and gzipped", () => {
  it("300 mutated files: each reads or is one InputError naming the file", async () => {
    const random = mulberry32(1919);
    const csvText = `x,c,t\n${Array.from({ length: 60 }, (_, i) => `${i * 0.5},${["a", "b", '"q,1"'][i % 3]},2024-01-${String((i % 28) + 1).padStart(2, "0")}`).join("\n")}\n`;
    const jsonlText = `${Array.from({ length: 60 }, (_, i) => JSON.stringify({ x: i * 0.5, c: ["a", "b"][i % 2], n: { k: [i] } })).join("\n")}\n`;
    // hostile fragments spliced in: quotes, delimiters, newlines, NUL, invalid UTF-8, brackets, huge numbers
    const fragments = [
      '"',
      ",",
      "\n",
      "\r\n",
      "\u0000",
      "\xff\xfe",
      "[[[[",
      "{",
      "}",
      "1e999",
      "-",
      ";",
      "\t",
      "",
    ];
    let refused = 0;
    for (let k = 0; k < 300; k++) {
      const jsonl = k % 2 === 1;
      const bytes = Buffer.from(jsonl ? jsonlText : csvText, "latin1");
      const cuts = 1 + Math.floor(random() * 4);
      let out = bytes;
      for (let m = 0; m < cuts; m++) {
        const at = Math.floor(random() * out.length);
        const r = random();
        if (r < 0.4)
          out = Buffer.concat([
            out.subarray(0, at),
            Buffer.from(fragments[Math.floor(random() * fragments.length)] as string, "latin1"),
            out.subarray(at),
          ]);
        else if (r < 0.7)
          out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(random() * 20))]);
        else if (r < 0.85)
          out = out.subarray(0, at); // truncated
        else {
          out = Buffer.from(out);
          out[at] = (out[at] as number) ^ (1 << Math.floor(random() * 8));
        }
      }
      const gz = k % 4 >= 2;
      const name = `m${k}.${jsonl ? "jsonl" : "csv"}${gz ? ".gz" : ""}`;
      const path = join(dir, name);
      writeFileSync(path, gz ? (random() < 0.2 ? gzipSync(out).subarray(0, 20) : gzipSync(out)) : out);
      const error = await readError(path);
      if (error === undefined) continue;
      refused++;
      expectInputError(error, path);
    }
    expect(refused).toBeGreaterThan(30);
  });
});
