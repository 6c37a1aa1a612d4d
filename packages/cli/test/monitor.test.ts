import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runCliCaptured } from "../src/testing.js";

const dir = mkdtempSync(join(tmpdir(), "mlops-monitor-cli-"));

function cli(args: string[], interactive = false) {
  return runCliCaptured(args, { cwd: dir, interactive });
}

function csv(name: string, rows: number, shift: number, offset = 0) {
  const lines = ["x,c,label,score"];
  for (let i = offset; i < offset + rows; i++)
    lines.push(
      `${(i % 40) + shift},${["a", "b", "c"][i % 3]},${i % 2},${((i % 2) * 0.6 + (i % 7) / 20).toFixed(3)}`,
    );
  writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
}
csv("ref.csv", 240, 0);
csv("cur.csv", 240, 25);
csv("shard1.csv", 120, 0);
csv("shard2.csv", 120, 0, 120);
writeFileSync(
  join(dir, "mlops.yml"),
  "version: 1\nmodels:\n  - name: churn\n    monitoring:\n      target: label\n      prediction: score\n",
);

describe("mlops monitor", () => {
  it("prints the versioned JSON report", async () => {
    const r = await cli(["monitor", "--reference", "ref.csv", "--current", "cur.csv", "--format", "json"]);
    expect(r.code).toBe(0);
    // the verdict goes to stderr whatever the format, naming the drifted columns
    expect(r.stderr).toMatch(
      /^⚠️ Dataset drift detected: 1 of 2 columns drifted \(threshold 50% reached\): x \(ks, p = [^)]+\)$/,
    );
    const json = JSON.parse(r.stdout) as Record<string, unknown> & { columns: Record<string, unknown>[] };
    expect(json).toMatchObject({ schema_version: 1, dataset_drift: true });
    expect(typeof json.drift_share).toBe("number");
    expect(json.columns.map((c) => Object.keys(c).sort())).toEqual(
      json.columns.map(() => ["drifted", "name", "p_value", "statistic", "test", "threshold", "type"]),
    );
    expect(json.columns.find((c) => c.name === "x")).toMatchObject({
      type: "numerical",
      test: "ks",
      drifted: true,
    });
  });

  it("honours --stattest-*, --correction and the config's label/prediction columns", async () => {
    const r = await cli([
      "monitor",
      "--reference",
      "ref.csv",
      "--current",
      "cur.csv",
      "--config",
      "mlops.yml",
      "--stattest-numerical",
      "psi",
      "--stattest-categorical",
      "jensenshannon",
      "--correction",
      "bonferroni",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      columns: { name: string; test: string }[];
      performance: { task: string; current: { roc_auc: number } };
    };
    expect(json.columns.map((c) => [c.name, c.test])).toEqual([
      ["x", "psi"],
      ["c", "jensenshannon"],
    ]);
    expect(json.performance.task).toBe("classification");
    expect(json.performance.current.roc_auc).toBeGreaterThan(0.5);
  });

  it("renders markdown with Mermaid charts and html; rejects an unknown test with exit 2", async () => {
    const md = await cli(["monitor", "--reference", "ref.csv", "--current", "cur.csv"]);
    expect(md.stdout).toContain("```mermaid");
    const html = await cli(["monitor", "--reference", "ref.csv", "--current", "cur.csv", "--format", "html"]);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<pre class="mermaid">');
    const bad = await cli([
      "monitor",
      "--reference",
      "ref.csv",
      "--current",
      "cur.csv",
      "--stattest",
      "t-test",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "--stattest: expected one of ks, wasserstein, psi, jensenshannon, chisquare, z",
    );
    const fail = await cli([
      "monitor",
      "--reference",
      "ref.csv",
      "--current",
      "cur.csv",
      "--fail-on-drift",
      "--format",
      "json",
    ]);
    expect(fail.code).toBe(1);
  });
});

describe("mlops profile", () => {
  it("profiles data, merges shard profiles like the whole data, and monitors against a profile", async () => {
    expect((await cli(["profile", "ref.csv", "-o", "ref.json"])).code).toBe(0);
    expect((await cli(["profile", "shard1.csv", "-o", "s1.json"])).code).toBe(0);
    expect((await cli(["profile", "shard2.csv", "-o", "s2.json"])).code).toBe(0);
    expect((await cli(["profile", "s1.json", "s2.json", "-o", "merged.json"])).code).toBe(0);
    const whole = JSON.parse(readFileSync(join(dir, "ref.json"), "utf8"));
    const merged = JSON.parse(readFileSync(join(dir, "merged.json"), "utf8"));
    expect(merged.rows).toBe(240);
    expect(merged.columns.c).toEqual(whole.columns.c);
    expect(merged.columns.x.values).toEqual(whole.columns.x.values);
    expect(merged.columns.x.sketch).toEqual(whole.columns.x.sketch);
    const r = await cli([
      "monitor",
      "--reference",
      "merged.json",
      "--current",
      "cur.csv",
      "--format",
      "json",
    ]);
    const fromData = await cli([
      "monitor",
      "--reference",
      "ref.csv",
      "--current",
      "cur.csv",
      "--format",
      "json",
    ]);
    const strip = (s: string) => JSON.parse(s).columns;
    expect(strip(r.stdout)).toEqual(strip(fromData.stdout));
  });
});

describe("progress and errors", () => {
  it("draws a progress bar on a terminal only, and names the file and line of a bad row", async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await cli(["profile", "ref.csv", "-o", "quiet.json"]);
      expect(writes).toEqual([]);
      await cli(["monitor", "--reference", "ref.csv", "--current", "cur.csv", "--format", "json"], true);
    } finally {
      spy.mockRestore();
    }
    const bar = writes.find((w) => w.includes("%"));
    expect(bar).toMatch(/^\rmonitor \[[#.]{24}\] +\d+% [\d.]+ MB\/[\d.]+ MB [\d,]+ rows [\d.]+ s$/);
    expect(writes.at(-1)).toBe("\r\x1b[2K");
    writeFileSync(join(dir, "bad.csv"), "x,c\n1,a\n2\n");
    const bad = await cli(["profile", "bad.csv", "-o", "bad.json"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`mlops: ${join(dir, "bad.csv")}:3: bad CSV row: expected 2 fields, found 1`);
  });
});

describe("header-less, whitespace-separated data (np.savetxt) through the CLI", () => {
  const numpy = join(import.meta.dirname, "../../monitor/test/numpy");
  for (const name of ["reference.txt", "current.txt"]) copyFileSync(join(numpy, name), join(dir, name));
  const names = ["c1", "c2", "c3", "c4"];

  it("undeclared: exit 2 with what was read and what to declare — never a green 0-of-0 report", async () => {
    const r = await cli(["monitor", "--reference", "reference.txt", "--current", "current.txt"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/no drift/i);
    // One line (issue 19): what was read, then what to declare, in parentheses.
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mlops: ${join(dir, "reference.txt").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: read with delimiter "," as 1 column .* each split into 4 fields on whitespace, and its first line is numbers: the file likely has no header \\(Declare the layout in mlops.yml's monitoring section \\(delimiter: whitespace, header: false, columns: \\[c1, c2, c3, c4\\]\\) or pass --delimiter whitespace --no-header --columns c1,c2,c3,c4\\.\\)$`,
        ),
      ),
    ]);
    const profile = await cli(["profile", "reference.txt", "-o", "np.json"]);
    expect(profile.code).toBe(2);
  });

  it("one row a side: exit 2 naming the too-few rows — never a green 'No drift'", async () => {
    csv("one-ref.csv", 1, 0);
    csv("one-cur.csv", 1, 25);
    const r = await cli(["monitor", "--reference", "one-ref.csv", "--current", "one-cur.csv"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/no drift/i);
    expect(r.stderr).toContain(
      "nothing was compared: none of the 4 column(s) in common could be tested (x: too few rows: 1 reference, 1 current; need ≥ 30; c: too few rows: 1 reference, 1 current; need ≥ 30; label: excluded",
    );
    expect(r.stderr).toContain("Too few rows for a drift test to mean anything");
  });

  it("declared by flags: every row read, the shifted column drifts, the others do not", async () => {
    const r = await cli([
      "monitor",
      "--reference",
      "reference.txt",
      "--current",
      "current.txt",
      "--delimiter",
      "whitespace",
      "--columns",
      names.join(","),
      "--stattest",
      "ks",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      columns: { name: string; drifted: boolean; p_value: number }[];
      reference: { rows: number };
      current: { rows: number };
    };
    expect(report.reference.rows).toBe(200);
    expect(report.current.rows).toBe(200);
    expect(report.columns.map((c) => [c.name, c.drifted])).toEqual([
      ["c1", true],
      ["c2", false],
      ["c3", false],
      ["c4", false],
    ]);
    expect(r.stderr).toMatch(
      /^⚠️ 1 of 4 columns drifted \(dataset drift threshold 50% not reached\): c1 \(ks, p = 5\.6\de-17\)$/,
    );
    const profile = await cli([
      "profile",
      "reference.txt",
      "-o",
      "np.json",
      "--delimiter",
      "whitespace",
      "--no-header",
    ]);
    expect(profile.code).toBe(0);
    expect(profile.stderr).toContain("profiled 200 rows, 4 columns: column_1 (numerical)");
    expect(profile.stderr).toContain(`${join(dir, "reference.txt")}: delimiter whitespace, no header`);
  });

  it("declared in mlops.yml's monitoring section (delimiter, header: false, columns)", async () => {
    writeFileSync(
      join(dir, "mlops-numpy.yml"),
      `version: 1\nmodels:\n  - name: iris\n    monitoring:\n      delimiter: whitespace\n      header: false\n      columns: [${names.join(", ")}]\n`,
    );
    const args = ["--reference", "reference.txt", "--current", "current.txt", "--config", "mlops-numpy.yml"];
    const r = await cli(["monitor", ...args, "--format", "json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { columns: { name: string }[] }).columns.map((c) => c.name)).toEqual(
      names,
    );
    // drifted columns below the dataset threshold: exit 0 with --fail-on-drift, 1 with --fail-on-column-drift
    expect((await cli(["monitor", ...args, "--fail-on-drift"])).code).toBe(0);
    const strict = await cli(["monitor", ...args, "--fail-on-column-drift"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr.split("\n").at(-1)).toBe("mlops: 1 of 4 columns drifted");
  });

  it("the installed entry point exits 2 undeclared and 0 declared (process exit codes)", () => {
    const bin = join(import.meta.dirname, "../bin/mlops.mjs");
    const run = (extra: string[]) =>
      spawnSync(
        process.execPath,
        [bin, "monitor", "--reference", "reference.txt", "--current", "current.txt", ...extra],
        {
          cwd: dir,
          encoding: "utf8",
        },
      );
    const undeclared = run([]);
    expect(undeclared.status).toBe(2);
    expect(undeclared.stderr).toContain("--delimiter whitespace --no-header --columns c1,c2,c3,c4");
    const declared = run(["--delimiter", "whitespace", "--no-header"]);
    expect(declared.status).toBe(0);
    expect(declared.stdout.split("\n")[0]).toBe(
      "## ⚠️ 1 of 4 columns drifted (dataset drift threshold 50% not reached)",
    );
  });

  it("refuses a layout flag it cannot use with one line", async () => {
    const r = await cli([
      "monitor",
      ...["--reference", "reference.txt", "--current", "current.txt"],
      "--delimiter",
      "ab",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'mlops: --delimiter: expected one character such as ",", ";", "|" or a tab, or "whitespace", got "ab"',
    );
  });
});
