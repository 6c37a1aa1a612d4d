/**
 * Issue 19 through the CLI: reader bounds at their defaults and as flags / mlops.yml options, each bad
 * data file one line naming it, exit 2. The gzip bomb (one 520 MB line, ~2.4 MB gzipped) is generated
 * by streaming zlib into the test's temp folder.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "mlops-reader-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = fileURLToPath(new URL("../bin/mlops.mjs", import.meta.url));

function mlops(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", timeout });
  return { code: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout };
}

async function bomb(path: string, megabytes: number): Promise<void> {
  const chunk = Buffer.alloc(1 << 20, 97);
  async function* gen() {
    yield Buffer.from("x,y\n1,2\n");
    for (let i = 0; i < megabytes; i++) yield chunk;
  }
  await pipeline(gen, createGzip({ level: 1 }), createWriteStream(path));
}

describe("mlops profile / monitor: reader bounds", () => {
  it("a gzip bomb of one 520 MB line stops at the default 16 MiB line limit: exit 2, one line", async () => {
    const path = join(dir, "bomb.csv.gz");
    await bomb(path, 520);
    const started = Date.now();
    const r = mlops(["profile", "bomb.csv.gz", "-o", "p.json"]);
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `mlops: ${path}:3: line 3 longer than 16777216 bytes (16 MiB) without a line end; raise monitoring.max_line_bytes (--max-line-bytes) if the data really has such lines`,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    // the flag raises (here: lowers) the limit; mlops.yml's monitoring.max_line_bytes too
    const flag = mlops(["profile", "bomb.csv.gz", "-o", "p.json", "--max-line-bytes", "2097152"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("line 3 longer than 2097152 bytes (2 MiB)");
    writeFileSync(
      join(dir, "limits.yml"),
      "version: 1\nmodels:\n  - name: m\n    monitoring:\n      max_line_bytes: 3145728\n      max_columns: 1\n",
    );
    const config = mlops(["profile", "bomb.csv.gz", "-o", "p.json", "--config", "limits.yml"]);
    expect(config.code).toBe(2);
    expect(config.stderr.trim()).toBe(
      `mlops: ${path}:1: 2 columns, more than the limit of 1; raise monitoring.max_columns (--max-columns) to read them all (memory grows with the column count)`,
    );
    const both = mlops([
      "profile",
      "bomb.csv.gz",
      "-o",
      "p.json",
      "--config",
      "limits.yml",
      "--max-columns",
      "5",
    ]);
    expect(both.stderr).toContain("line 3 longer than 3145728 bytes (3 MiB)");
    expect(mlops(["profile", "bomb.csv.gz", "-o", "p.json", "--max-columns", "0"]).stderr.trim()).toBe(
      'mlops: --max-columns: expected a positive whole number, got "0"',
    );
  }, 120_000);

  it("empty and header-only data: exit 2 naming the file, through monitor too", () => {
    writeFileSync(join(dir, "ref.csv"), "x,y\n1,2\n3,4\n");
    writeFileSync(join(dir, "head.csv"), "x,y\n");
    writeFileSync(join(dir, "empty.jsonl"), "");
    const p = mlops(["profile", "head.csv", "-o", "p.json"]);
    expect([p.code, p.stderr.trim()]).toEqual([
      2,
      `mlops: ${join(dir, "head.csv")}: no data rows (only a header line)`,
    ]);
    const m = mlops(["monitor", "--reference", "ref.csv", "--current", "empty.jsonl"]);
    expect([m.code, m.stderr.trim()]).toEqual([
      2,
      `mlops: ${join(dir, "empty.jsonl")}: no data rows (no JSON object in the file)`,
    ]);
  }, 60_000);

  it("text after the type sample in a numerical column is said in the summary", () => {
    const rows = Array.from({ length: 9000 }, (_, i) => (i === 8500 ? "oops" : String(i)));
    writeFileSync(join(dir, "late.csv"), `x\n${rows.join("\n")}\n`);
    const r = mlops(["profile", "late.csv", "-o", "p.json"]);
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")[0]).toBe(
      "profiled 9000 rows, 1 columns: x (numerical; 1 value(s) not numbers, counted as invalid)",
    );
  }, 60_000);
});
