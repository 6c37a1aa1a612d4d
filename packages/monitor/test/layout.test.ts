/**
 * CSV layouts (delimiters, header-less files) and the refusal to report "no drift" when nothing was
 * compared — with real `np.savetxt` output (test/numpy, written by generate.py).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { missingOf } from "../../../scripts/system-deps.mjs";
import { valueAt } from "../src/columns.js";
import { monitorOptionsFromConfig } from "../src/config.js";
import { monitor, profileFiles } from "../src/monitor.js";
import { type Batch, readTable, type TableLayout } from "../src/readers/index.js";

const dir = mkdtempSync(join(tmpdir(), "monitor-layout-"));
const numpyDir = join(import.meta.dirname, "numpy");
const fixture = (name: string) => join(numpyDir, name);
const expected = JSON.parse(readFileSync(fixture("expected.json"), "utf8")) as Record<
  string,
  { statistic: number; p_value: number; mean: number }
>;

async function collect(path: string, options: Parameters<typeof readTable>[1] = {}) {
  const out: Batch[] = [];
  for await (const b of readTable(path, options)) out.push(b);
  return out;
}
const rowsOf = (batches: Batch[]) =>
  batches.flatMap((b) => Array.from({ length: b.rows }, (_, i) => b.columns.map((c) => valueAt(c, i))));
const fail = (promise: Promise<unknown>) =>
  promise.then(() => undefined).catch((e: unknown) => e as InputError);
const typedOptions = (n: number) => ({
  batchRows: 16, // small batches: the type sample takes the text path, the rest the byte path
  resolveTypes: (first: Batch) => first.columnNames.map(() => "numerical" as const).slice(0, n),
});
const savetxt = (rows: number[][]) =>
  `${rows.map((r) => r.map((x) => x.toExponential(18)).join(" ")).join("\n")}\n`;

describe("np.savetxt output", () => {
  // Without Debian's numpy + scipy (python3-scipy, installed by `node scripts/system-deps.mjs`) the test
  // skips, named by `pnpm test`; the committed files were written by generate.py.
  it.skipIf(missingOf("python3-scipy").length > 0)(
    "the fixtures are what numpy writes (regenerated when python3 has numpy)",
    () => {
      const python = "/usr/bin/python3";
      const out = mkdtempSync(join(tmpdir(), "numpy-fixture-"));
      const script = readFileSync(fixture("generate.py"), "utf8").replace(
        "here = Path(__file__).parent",
        `here = Path(${JSON.stringify(out)})`,
      );
      const run = spawnSync(python, ["-c", script], { encoding: "utf8" });
      expect(run.stderr).toBe("");
      for (const name of ["reference.txt", "current.txt", "reference-comma.csv", "expected.json"])
        expect(readFileSync(join(out, name), "utf8"), name).toBe(readFileSync(fixture(name), "utf8"));
      expect(readFileSync(fixture("reference.txt"), "utf8").split("\n")[0]).toMatch(
        /^-?\d\.\d{18}e[+-]\d\d( -?\d\.\d{18}e[+-]\d\d){3}$/,
      );
    },
  );

  it("undeclared, is refused with what was read and what to declare (not one header row and no columns)", async () => {
    const err = await fail(profileFiles([fixture("reference.txt")]));
    expect(err).toBeInstanceOf(InputError);
    expect(err?.position).toEqual({ file: fixture("reference.txt") });
    expect(err?.message).toMatch(
      /^read with delimiter "," as 1 column \("-?\d\.\d+e[+-]\d\d -?\d\.\d+.*"\), but its first 20 line\(s\) each split into 4 fields on whitespace, and its first line is numbers: the file likely has no header$/,
    );
    expect(err?.details).toBe(
      "Declare the layout in mlops.yml's monitoring section (delimiter: whitespace, header: false, columns: [c1, c2, c3, c4]) or pass --delimiter whitespace --no-header --columns c1,c2,c3,c4.",
    );
    // the comma-separated variant: the first line is numbers
    const comma = await fail(profileFiles([fixture("reference-comma.csv")]));
    expect(comma?.position).toEqual({ file: fixture("reference-comma.csv"), line: 1 });
    expect(comma?.message).toMatch(/^line 1 looks like data, not a header: all 4 fields are numbers \(/);
    expect(comma?.details).toContain("header: false, columns: [c1, c2, c3, c4]");
  });

  it("declared (delimiter whitespace, header false, names) reads every row and matches numpy + scipy", async () => {
    const options = { delimiter: "whitespace", header: false, columnNames: ["c1", "c2", "c3", "c4"] };
    const layouts: TableLayout[] = [];
    const profile = await profileFiles([fixture("reference.txt")], {
      ...options,
      onLayout: (l) => layouts.push(l),
    });
    expect(profile.rows).toBe(200);
    expect(Object.keys(profile.columns)).toEqual(["c1", "c2", "c3", "c4"]);
    for (const [name, e] of Object.entries(expected)) {
      expect(profile.columns[name]).toMatchObject({ type: "numerical", count: 200, nulls: 0, invalid: 0 });
      expect((profile.columns[name] as { mean: number }).mean).toBeCloseTo(e.mean, 12);
    }
    expect(layouts).toEqual([
      {
        file: fixture("reference.txt"),
        format: "csv",
        delimiter: "whitespace",
        header: false,
        columns: ["c1", "c2", "c3", "c4"],
        rows: 200,
      },
    ]);
    const { report } = await monitor([fixture("reference.txt")], [fixture("current.txt")], {
      ...options,
      test: "ks",
    });
    for (const c of report.columns) {
      const e = expected[c.name] as { statistic: number; p_value: number };
      expect(c.statistic).toBeCloseTo(e.statistic, 12);
      expect(Math.abs(Math.log10(c.p_value as number) - Math.log10(e.p_value))).toBeLessThan(0.05);
    }
    expect(report.columns.filter((c) => c.drifted).map((c) => c.name)).toEqual(["c1"]);
  });

  it("without names, header-less columns are column_1…; the same values on the byte path as the text path", async () => {
    const text = readFileSync(fixture("reference.txt"), "utf8");
    const numbers = text
      .trim()
      .split("\n")
      .map((l) => l.split(" ").map(Number));
    const batches = await collect(fixture("reference.txt"), {
      delimiter: "whitespace",
      header: false,
      ...typedOptions(4),
    });
    expect(batches[0]?.columnNames).toEqual(["column_1", "column_2", "column_3", "column_4"]);
    expect(batches.at(-1)?.columns[0]).toBeInstanceOf(Float64Array);
    expect(rowsOf(batches)).toEqual(numbers);
    expect(batches[1]?.startLine).toBe(17);
  });
});

describe("delimiters", () => {
  const cases: [string, string, string][] = [
    ["tab", "\t", "t.tsv"],
    ["semicolon", ";", "s.csv"],
    ["pipe", "|", "p.txt"],
  ];
  for (const [name, delimiter, file] of cases)
    it(`reads ${name}-separated data with empty fields on both paths`, async () => {
      const lines = ["x;c;y".replace(/;/g, delimiter)];
      for (let i = 0; i < 40; i++)
        lines.push([i % 9 === 0 ? "" : (i * 0.5 - 3).toFixed(1), `k${i % 3}`, `${i}e-2`].join(delimiter));
      const path = join(dir, file);
      writeFileSync(path, `${lines.join("\n")}\n`);
      const declared = name === "tab" ? {} : { delimiter }; // .tsv means tab
      const batches = await collect(path, {
        ...declared,
        batchRows: 16,
        resolveTypes: () => ["numerical", "categorical", "numerical"],
      });
      expect(batches[0]?.columnNames).toEqual(["x", "c", "y"]);
      expect(rowsOf(batches)).toEqual(
        Array.from({ length: 40 }, (_, i) => [i % 9 === 0 ? null : i * 0.5 - 3, `k${i % 3}`, i / 100]),
      );
      if (name !== "tab") {
        // not declared: one column that splits evenly on another delimiter is refused
        const err = await fail(collect(path));
        expect(err?.message).toContain(`each split into 3 fields on ${JSON.stringify(delimiter)}`);
        expect(err?.details).toContain(`delimiter: ${JSON.stringify(delimiter)}`);
      }
    });

  it("whitespace runs: leading, trailing and repeated blanks and tabs separate fields; bad rows are counted the same way", async () => {
    const path = join(dir, "ws.dat");
    const rows = Array.from({ length: 30 }, (_, i) => `  ${i}\t  k${i % 2}   ${(i / 8).toExponential(3)}  `);
    writeFileSync(path, `a b c\n${rows.join("\n")}\n`);
    const batches = await collect(path, {
      delimiter: "whitespace",
      batchRows: 8,
      resolveTypes: () => ["numerical", "categorical", "numerical"],
    });
    expect(rowsOf(batches)).toEqual(
      Array.from({ length: 30 }, (_, i) => [i, `k${i % 2}`, Number((i / 8).toExponential(3))]),
    );
    writeFileSync(path, `a b c\n${rows.join("\n")}\n1 k0 2 3\n`);
    const err = await fail(
      collect(path, {
        delimiter: "whitespace",
        batchRows: 8,
        resolveTypes: () => ["numerical", "categorical", "numerical"],
      }),
    );
    expect(err?.position).toEqual({ file: path, line: 32 });
    expect(err?.message).toBe("bad CSV row: expected 3 fields, found 4");
  });

  it("parses numbers on the byte path exactly as Number() does (exponents, signs, long mantissas)", async () => {
    let s = 7;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const spellings = Array.from({ length: 3000 }, (_, i) => {
      const x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      const forms = [
        x.toExponential(18),
        x.toExponential(Math.floor(rnd() * 12)),
        x.toFixed(Math.floor(rnd() * 10)),
        String(x),
        x.toPrecision(15),
        `+${Math.abs(x).toPrecision(6)}`,
        `${Math.floor(rnd() * 1000)}E${Math.floor(rnd() * 50 - 25)}`,
        `.${Math.floor(rnd() * 1e6)}`,
      ];
      return forms[i % forms.length] as string;
    });
    const path = join(dir, "numbers.csv");
    writeFileSync(path, `v\n${spellings.join("\n")}\n`);
    const batches = await collect(path, { batchRows: 64, resolveTypes: () => ["numerical"] });
    const values = rowsOf(batches).map((r) => r[0]);
    expect(values).toEqual(spellings.map((v) => Number(v)));
  });

  it("numbers with a decimal comma (a ';' export) are refused, not compared as one category per value", async () => {
    const rows = (seed: number) =>
      Array.from({ length: 300 }, (_, i) =>
        `${20 + (i % 40)};${((i * seed) % 997) / 10}`.replace(".", ","),
      ).join("\n");
    const ref = join(dir, "dc-ref.csv");
    const cur = join(dir, "dc-cur.csv");
    writeFileSync(ref, `age;income\n${rows(7)}\n`);
    writeFileSync(cur, `age;income\n${rows(11)}\n`);
    const err = await fail(monitor([ref], [cur], { delimiter: ";" }));
    expect(err).toBeInstanceOf(InputError);
    expect(err?.position).toEqual({ file: ref });
    expect(err?.message).toMatch(
      /^column "income" holds numbers with a decimal comma \(\d+ of 300 values in its first 300 rows, e\.g\. "\d+,\d+" in data row \d+\), which would be compared as categories; write the file with "\." as the decimal mark/,
    );
    // declared as labels, they are categories on purpose
    const { report } = await monitor([ref], [cur], { delimiter: ";", types: { income: "categorical" } });
    expect(report.columns.find((c) => c.name === "income")?.type).toBe("categorical");
  });

  it("rejects an unusable delimiter with one line", () => {
    expect(() => monitorOptionsFromConfig({ delimiter: '"' } as never)).toThrow(
      /delimiter: expected one character such as/,
    );
  });
});

describe("header", () => {
  it("accepts 0..n-1 and 1..n headers (pandas' column numbers) and a declared header of numbers", async () => {
    for (const header of ["0,1,2", ",0,1", "1,2,3"]) {
      const path = join(dir, "index-header.csv");
      writeFileSync(path, `${header}\n5,6,7\n`);
      expect((await collect(path))[0]?.columnNames).toEqual(header.split(","));
    }
    const path = join(dir, "years.csv");
    writeFileSync(path, "2019,2020\n5,6\n");
    expect((await fail(collect(path)))?.message).toMatch(/^line 1 looks like data/);
    expect((await collect(path, { header: true }))[0]?.columnNames).toEqual(["2019", "2020"]);
  });

  it("says which names were declared when a header-less row has another field count", async () => {
    const path = join(dir, "short.txt");
    writeFileSync(path, savetxt([[1, 2, 3]]));
    const err = await fail(
      collect(path, { delimiter: "whitespace", header: false, columnNames: ["a", "b"] }),
    );
    expect(err?.message).toBe("bad CSV row: expected 2 fields (the declared columns a, b), found 3");
    expect(err?.position).toEqual({ file: path, line: 1 });
  });

  it("mlops.yml: a list of columns means header-less; a map names them in file order with header: false", () => {
    expect(monitorOptionsFromConfig({ delimiter: "whitespace", columns: ["a", "b"] } as never)).toMatchObject(
      { delimiter: "whitespace", header: false, columnNames: ["a", "b"] },
    );
    expect(
      monitorOptionsFromConfig({
        delimiter: "tab",
        header: false,
        columns: { b: { type: "categorical" }, a: {} },
      } as never),
    ).toMatchObject({ delimiter: "\t", header: false, columnNames: ["b", "a"], types: { b: "categorical" } });
    expect(monitorOptionsFromConfig({ columns: { a: { type: "numerical" } } } as never)).not.toHaveProperty(
      "columnNames",
    );
    expect(() => monitorOptionsFromConfig({ header: true, columns: ["a"] } as never)).toThrow(
      /set header: false/,
    );
  });
});

describe("nothing compared is an error, never a green verdict", () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("no column in common: says what was read on each side and how to declare the layout", async () => {
    const ref = write("ref-ab.csv", "a,b\n1,2\n3,4\n");
    const cur = write("cur-cd.csv", "c,d\n1,2\n3,4\n");
    const err = await fail(monitor([ref], [cur]));
    expect(err).toBeInstanceOf(InputError);
    expect(err?.message).toBe(
      "nothing was compared: the reference and the current data have no column in common",
    );
    expect(err?.details?.split("\n")).toEqual([
      `  reference ${ref}: CSV, delimiter ",", first line read as the header, 2 column(s) ("a", "b"), 2 row(s)`,
      `  current ${cur}: CSV, delimiter ",", first line read as the header, 2 column(s) ("c", "d"), 2 row(s)`,
      expect.stringMatching(/^Declare how the files are laid out in mlops\.yml's monitoring section/),
    ]);
  });

  it("only text, excluded or empty columns: says why each was not tested", async () => {
    const text = (n: number) =>
      Array.from({ length: 30 }, (_, i) => `free text number ${i * n},${i % 2},${i % 3}`).join("\n");
    const ref = write("ref-text.csv", `note,label,score\n${text(1)}\n`);
    const cur = write("cur-text.csv", `note,label,score\n${text(2)}\n`);
    const err = await fail(monitor([ref], [cur], { performance: { target: "label", prediction: "score" } }));
    expect(err?.message).toBe(
      "nothing was compared: none of the 3 column(s) in common could be tested (note: text (not tested); label: excluded (label, prediction or timestamp); score: excluded (label, prediction or timestamp))",
    );
    // a header-only file is bad input naming the file (issue 19), before anything is compared
    const empty = write("cur-empty.csv", "note,label,score\n");
    const err2 = await fail(monitor([ref], [empty]));
    expect(err2?.message).toBe("no data rows (only a header line)");
    expect(err2?.position?.file).toBe(empty);
  });

  it("a stored reference profile is described as such", async () => {
    const reference = await profileFiles([write("ref-x.csv", "x\n1\n2\n")]);
    const err = await fail(monitor(reference, [write("cur-y.csv", "y\n1\n2\n")]));
    expect(err?.details?.split("\n")[0]).toBe('  reference profile: 1 column(s) ("x"), 2 row(s)');
  });
});
