import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { InputError } from "@mlops/core";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { columnLength, valueAt } from "../src/columns.js";
import { profileFiles } from "../src/monitor.js";
import { type Batch, type readCsv, readTable } from "../src/readers/index.js";

const dir = mkdtempSync(join(tmpdir(), "monitor-readers-"));
async function collect(path: string, options: Parameters<typeof readCsv>[1] = {}) {
  const out: Batch[] = [];
  for await (const b of readTable(path, options)) out.push(b);
  return out;
}
/** Rows of all batches as plain values (whatever container a column used). */
function rowsOf(batches: Batch[]): unknown[][] {
  const rows: unknown[][] = [];
  for (const b of batches) for (let i = 0; i < b.rows; i++) rows.push(b.columns.map((c) => valueAt(c, i)));
  return rows;
}

describe("CSV", () => {
  it("reads quoted fields, escaped quotes and embedded newlines in column-major batches", async () => {
    const path = join(dir, "q.csv");
    writeFileSync(path, 'a,b\n1,"x, y"\n2,"say ""hi"""\n3,"multi\nline"\n4,plain\n');
    const batches = await collect(path, { batchRows: 2 });
    expect(batches.map((b) => b.rows)).toEqual([2, 2]);
    expect(batches[0]?.columns).toEqual([
      ["1", "2"],
      ["x, y", 'say "hi"'],
    ]);
    expect(batches[1]?.columns).toEqual([
      ["3", "4"],
      ["multi\nline", "plain"],
    ]);
    expect(batches[1]?.startLine).toBe(4);
  });

  it("switches to typed columns after the first batch and gives the same values on the fast path", async () => {
    const lines = ["x,c,t"];
    for (let i = 0; i < 50; i++)
      lines.push(`${i % 7 === 0 ? "" : (i * 1.25 - 3).toFixed(2)},k${i % 3},2026-01-0${(i % 9) + 1}`);
    const path = join(dir, "typed.csv");
    writeFileSync(path, `${lines.join("\r\n")}\r\n`);
    const batches = await collect(path, {
      batchRows: 8,
      resolveTypes: () => ["numerical", "categorical", "datetime"],
    });
    // the type sample (first batch, text path) goes out typed as well, like the byte path's batches
    expect(batches[0]?.columns[0]).toBeInstanceOf(Float64Array);
    expect(batches[1]?.columns[0]).toBeInstanceOf(Float64Array);
    expect(batches.reduce((s, b) => s + columnLength(b.columns[0] ?? []), 0)).toBe(50);
    const rows = rowsOf(batches);
    rows.forEach((row, i) => {
      const x = i % 7 === 0 ? null : Number((i * 1.25 - 3).toFixed(2));
      expect(row[0] === "" ? null : row[0] === null ? null : Number(row[0])).toBe(x);
      expect(row[1]).toBe(`k${i % 3}`);
      expect(row[2]).toBe(`2026-01-0${(i % 9) + 1}`);
    });
    expect(batches[2]?.startLine).toBe(18);
  });

  it("codes categories of every length the same on the byte path (short keys, hashed long ones, UTF-8, empty)", async () => {
    const words = [
      "",
      "a",
      "é",
      "日",
      "ab",
      "abc",
      "日本",
      "abcd",
      "abce",
      "long category name",
      "long category nbme",
      ...Array.from({ length: 300 }, (_, i) => `v${i}`), // > 64 keys: both tables grow
      ...Array.from({ length: 300 }, (_, i) => `value-${i}`),
    ];
    const lines = ["c,n"];
    for (let i = 0; i < 3000; i++) lines.push(`${words[(i * 7) % words.length]},${i}`);
    const path = join(dir, "categories.csv");
    writeFileSync(path, `${lines.join("\n")}\n`);
    const batches = await collect(path, { batchRows: 256, resolveTypes: () => ["categorical", "numerical"] });
    expect(batches.at(-1)?.columns[0]).toHaveProperty("kind", "coded");
    expect(rowsOf(batches).map((r) => r[0])).toEqual(
      Array.from({ length: 3000 }, (_, i) => words[(i * 7) % words.length]),
    );
  });

  it("falls back to RFC 4180 for a chunk with quotes after typing", async () => {
    const lines = ["n,s"];
    for (let i = 0; i < 20; i++) lines.push(i === 15 ? '7,"a,b"' : `${i},plain`);
    const path = join(dir, "mixed.csv");
    writeFileSync(path, `${lines.join("\n")}\n`);
    const rows = rowsOf(
      await collect(path, { batchRows: 4, resolveTypes: () => ["numerical", "categorical"] }),
    );
    expect(rows[15]).toEqual([7, "a,b"]);
    expect(rows).toHaveLength(20);
  });

  it("reads gzip files", async () => {
    const path = join(dir, "g.csv.gz");
    writeFileSync(path, gzipSync("a\n1\n2\n3\n"));
    const batches = await collect(path, { batchRows: 10 });
    expect(batches[0]?.columns).toEqual([["1", "2", "3"]]);
  });

  it("reports a bad row with file and line, on both paths", async () => {
    const path = join(dir, "bad.csv");
    writeFileSync(path, "a,b\n1,2\n3\n");
    const err = await collect(path, { batchRows: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).position).toEqual({ file: path, line: 3 });
    const lines = ["a,b", ...Array.from({ length: 10 }, (_, i) => `${i},${i}`), "1,2,3", "4,5"];
    const typedPath = join(dir, "bad-typed.csv");
    writeFileSync(typedPath, `${lines.join("\n")}\n`);
    const typedErr = await collect(typedPath, {
      batchRows: 4,
      resolveTypes: () => ["numerical", "numerical"],
    }).catch((e: unknown) => e);
    expect((typedErr as InputError).position).toEqual({ file: typedPath, line: 12 });
    expect((typedErr as InputError).message).toBe("bad CSV row: expected 2 fields, found 3");
  });

  it("drops a UTF-8 byte order mark before the header (plain and gzip, both paths)", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const body = `age,city\r\n${Array.from({ length: 12 }, (_, i) => `${i},c${i % 3}`).join("\r\n")}\r\n`;
    const plain = join(dir, "bom.csv");
    const gz = join(dir, "bom.csv.gz");
    writeFileSync(plain, Buffer.concat([bom, Buffer.from(body)]));
    writeFileSync(gz, gzipSync(Buffer.concat([bom, Buffer.from(body)])));
    for (const path of [plain, gz]) {
      const text = await collect(path, { batchRows: 100 });
      expect(text[0]?.columnNames).toEqual(["age", "city"]);
      const typed = await collect(path, { batchRows: 4, resolveTypes: () => ["numerical", "categorical"] });
      expect(typed[0]?.columnNames).toEqual(["age", "city"]);
      expect(rowsOf(typed)).toHaveLength(12);
    }
    const profile = await profileFiles([plain]);
    expect(Object.keys(profile.columns)).toEqual(["age", "city"]);
  });

  it("refuses bytes that are not UTF-8 at their line and column (plain, gzip, JSONL), not read as U+FFFD", async () => {
    const latin1 = Buffer.from("city,n\nParis,1\nMontr\xe9al,2\n", "latin1");
    for (const [name, bytes] of [
      ["latin1.csv", latin1],
      ["latin1.csv.gz", gzipSync(latin1)],
      ["latin1.jsonl", Buffer.from('{"city": "Paris"}\n{"city": "Montr\xe9al"}\n', "latin1")],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const err = await collect(path).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(InputError);
      expect((err as InputError).message).toMatch(/^byte 0xE9 is not valid UTF-8; the file is not UTF-8/);
      expect((err as InputError).position).toEqual(
        name.endsWith(".jsonl") ? { file: path, line: 2, column: 16 } : { file: path, line: 3, column: 6 },
      );
    }
  });

  it("reads a multi-byte character cut by a chunk boundary (4 MiB plain, 1 MiB gzip) as one character", async () => {
    // "é" (2 bytes) and "€" (3 bytes) straddle every 1 MiB boundary of a 9 MiB file
    const row = "x,é€\n";
    const header = "a,b\n";
    const lines: string[] = [header];
    let bytes = Buffer.byteLength(header);
    for (let boundary = 1 << 20; boundary < 9 << 20; boundary += 1 << 20) {
      const fill = boundary - bytes - 3; // the row's "é" starts 1 byte before the boundary
      const pad = `${"p".repeat(Math.max(0, fill - 3))},q\n`;
      lines.push(pad, row);
      bytes += Buffer.byteLength(pad) + Buffer.byteLength(row);
    }
    const text = lines.join("");
    for (const name of ["cut.csv", "cut.csv.gz"]) {
      const path = join(dir, name);
      writeFileSync(path, name.endsWith(".gz") ? gzipSync(text) : text);
      const values = rowsOf(await collect(path, { batchRows: 4 })).map((r) => r[1]);
      expect(
        values.filter((v) => v === "é€"),
        name,
      ).toHaveLength(8);
      expect(
        values.some((v) => String(v).includes("\ufffd")),
        name,
      ).toBe(false);
    }
  });

  it("refuses a header that names a column twice, naming the column, both fields, file and line", async () => {
    const path = join(dir, "dup-header.csv");
    writeFileSync(path, "age,income,age\n1,2,3\n4,5,6\n");
    const err = await collect(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      'the header names column "age" twice (fields 1 and 3): every column needs its own name',
    );
    expect((err as InputError).position).toEqual({ file: path, line: 1 });
  });

  it("skips bad rows when asked, reporting each", async () => {
    const path = join(dir, "skip.csv");
    writeFileSync(path, "a,b\n1,2\n3\n4,5\n");
    const skipped: number[] = [];
    const batches = await collect(path, { skipBadRows: true, onSkip: (line) => skipped.push(line) });
    expect(skipped).toEqual([3]);
    expect(batches[0]?.columns).toEqual([
      ["1", "4"],
      ["2", "5"],
    ]);
  });
});

describe("JSONL", () => {
  it("drops a byte order mark before the first object", async () => {
    const path = join(dir, "bom.jsonl");
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"a":2}\n')]));
    expect(rowsOf(await collect(path))).toEqual([[1], [2]]);
  });

  it("reads objects (gzip too), pads missing keys with null and reports a bad line", async () => {
    const path = join(dir, "d.jsonl.gz");
    writeFileSync(path, gzipSync('{"a":1,"b":"x"}\n\n{"a":2}\n{"a":null,"b":"y","c":true}\n'));
    const batches = await collect(path);
    expect(batches[0]?.columnNames).toEqual(["a", "b", "c"]);
    expect(rowsOf(batches)).toEqual([
      [1, "x", null],
      [2, null, null],
      [null, "y", true],
    ]);
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"a":1}\n{"a":\n');
    const err = await collect(bad).catch((e: unknown) => e);
    expect((err as InputError).position).toEqual({ file: bad, line: 2 });
  });
});

describe("Parquet", () => {
  it("reads columns written by hyparquet-writer, plain and gzipped", async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "x", data: [1.5, 2.5, null, 4], type: "DOUBLE" },
        { name: "c", data: ["a", "b", "a", null], type: "STRING" },
      ],
    });
    const path = join(dir, "d.parquet");
    writeFileSync(path, Buffer.from(buffer));
    writeFileSync(`${path}.gz`, gzipSync(Buffer.from(buffer)));
    for (const file of [path, `${path}.gz`]) {
      const batches = await collect(file, { batchRows: 3 });
      expect(batches.map((b) => b.startLine)).toEqual([1, 4]);
      expect(rowsOf(batches)).toEqual([
        [1.5, "a"],
        [2.5, "b"],
        [null, "a"],
        [4, null],
      ]);
    }
    const profile = await profileFiles([path]);
    expect(profile.columns.x).toMatchObject({ type: "numerical", count: 3, nulls: 1, min: 1.5, max: 4 });
    expect(profile.columns.c).toMatchObject({
      type: "categorical",
      count: 3,
      nulls: 1,
      frequencies: { a: 2, b: 1 },
    });
  });
});

describe("profileFiles", () => {
  it("infers types (text ignored, datetime), counts nulls and invalid numbers the same on every path", async () => {
    const header = "id,x,when,note";
    const rows = Array.from(
      { length: 40 },
      (_, i) =>
        `${i},${i === 30 ? "oops" : i % 5 === 0 ? "NA" : i / 4},2026-02-${String((i % 28) + 1).padStart(2, "0")}T10:00:00Z,free text number ${i}`,
    );
    const csv = join(dir, "p.csv");
    writeFileSync(csv, `${header}\n${rows.join("\n")}\n`);
    const jsonl = join(dir, "p.jsonl");
    writeFileSync(
      jsonl,
      rows
        .map((r) => {
          const [id, x, when, note] = r.split(",");
          return JSON.stringify({
            id: Number(id),
            x: x === "NA" ? null : Number.isNaN(Number(x)) ? x : Number(x),
            when,
            note,
          });
        })
        .join("\n"),
    );
    for (const [path, batchRows] of [
      [csv, undefined],
      [jsonl, undefined],
    ] as const) {
      void batchRows;
      const p = await profileFiles([path], { types: { x: "numerical" } });
      expect(p.rows).toBe(40);
      expect(p.columns.x).toMatchObject({ type: "numerical", count: 32, nulls: 7, invalid: 1 });
      expect(p.columns.when).toMatchObject({
        type: "datetime",
        count: 40,
        min: Date.parse("2026-02-01T10:00:00Z"),
      });
      expect(p.columns.note?.type).toBe("text");
    }
  });
});
