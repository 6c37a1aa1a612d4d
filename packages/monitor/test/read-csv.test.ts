import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { InputError } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { readCsv } from "../src/read-csv.js";

const dir = mkdtempSync(join(tmpdir(), "monitor-csv-"));
async function collect(path: string, batchRows = 2) {
  const out = [];
  for await (const b of readCsv(path, { batchRows })) out.push(b);
  return out;
}

describe("readCsv", () => {
  it("reads quoted fields, escaped quotes and embedded newlines in column-major batches", async () => {
    const path = join(dir, "q.csv");
    writeFileSync(path, 'a,b\n1,"x, y"\n2,"say ""hi"""\n3,"multi\nline"\n4,plain\n');
    const batches = await collect(path);
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

  it("reads gzip files", async () => {
    const path = join(dir, "g.csv.gz");
    writeFileSync(path, gzipSync("a\n1\n2\n3\n"));
    const batches = await collect(path, 10);
    expect(batches[0]?.columns).toEqual([["1", "2", "3"]]);
  });

  it("reports a bad row with file and line", async () => {
    const path = join(dir, "bad.csv");
    writeFileSync(path, "a,b\n1,2\n3\n");
    const err = await collect(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).position).toEqual({ file: path, line: 3 });
  });

  it("skips bad rows when asked, reporting each", async () => {
    const path = join(dir, "skip.csv");
    writeFileSync(path, "a,b\n1,2\n3\n4,5\n");
    const skipped: number[] = [];
    const batches = [];
    for await (const b of readCsv(path, { skipBadRows: true, onSkip: (line) => skipped.push(line) }))
      batches.push(b);
    expect(skipped).toEqual([3]);
    expect(batches[0]?.columns).toEqual([
      ["1", "4"],
      ["2", "5"],
    ]);
  });
});
