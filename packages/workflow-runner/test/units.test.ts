import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { filterPatternToRegExp } from "../src/run/events.js";
import { readKeyValueFile } from "../src/run/file-commands.js";
import { expandStrategy } from "../src/run/matrix.js";
import { capPermissions, normalizePermissions } from "../src/run/permissions.js";

describe("matrix expansion (GitHub's include/exclude rules)", () => {
  it("adds include keys to matching combinations and appends the others", () => {
    // the example of GitHub's docs: "Expanding or adding matrix configurations"
    const strategy = expandStrategy(
      {
        matrix: {
          fruit: ["apple", "pear"],
          animal: ["cat", "dog"],
          include: [
            { color: "green" },
            { color: "pink", animal: "cat" },
            { fruit: "apple", shape: "circle" },
            { fruit: "banana" },
            { fruit: "banana", animal: "cat" },
          ],
        },
      },
      "test.yml",
    );
    expect(strategy.combinations).toEqual([
      { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
      { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
      { fruit: "pear", animal: "cat", color: "pink" },
      { fruit: "pear", animal: "dog", color: "green" },
      { fruit: "banana" },
      { fruit: "banana", animal: "cat" },
    ]);
    expect(strategy.failFast).toBe(true);
  });

  it("removes partial exclude matches and reads fail-fast", () => {
    const strategy = expandStrategy(
      { "fail-fast": false, matrix: { os: ["a", "b"], v: [1, 2], exclude: [{ os: "b" }] } },
      "test.yml",
    );
    expect(strategy.combinations).toEqual([
      { os: "a", v: 1 },
      { os: "a", v: 2 },
    ]);
    expect(strategy.failFast).toBe(false);
  });
});

describe("filter patterns", () => {
  it("follows GitHub's filter pattern cheat sheet", () => {
    expect(filterPatternToRegExp("feature/*").test("feature/my-branch")).toBe(true);
    expect(filterPatternToRegExp("feature/*").test("feature/your/branch")).toBe(false);
    expect(filterPatternToRegExp("feature/**").test("feature/your/branch")).toBe(true);
    expect(filterPatternToRegExp("v[12].[0-9]+.[0-9]+").test("v2.10.3")).toBe(true);
    expect(filterPatternToRegExp("v[12].[0-9]+.[0-9]+").test("v3.1.0")).toBe(false);
    expect(filterPatternToRegExp("main").test("main2")).toBe(false);
  });
});

describe("file commands", () => {
  it("reads name=value lines and heredoc blocks", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-filecmd-"));
    const file = join(dir, "out");
    writeFileSync(file, "a=1\nb=x=y\nc<<EOF\nline 1\nline 2\nEOF\nd=\n");
    expect(readKeyValueFile(file)).toEqual({ a: "1", b: "x=y", c: "line 1\nline 2", d: "" });
    writeFileSync(file, "c<<EOF\nno end\n");
    expect(() => readKeyValueFile(file)).toThrow(/Matching delimiter not found 'EOF'/);
  });
});

describe("permissions", () => {
  it("expands read-all and caps a callee by its caller", () => {
    const readAll = normalizePermissions("read-all");
    expect(readAll?.contents).toBe("read");
    const wanted = normalizePermissions({ contents: "write", issues: "write" });
    const cap = normalizePermissions({ contents: "read" });
    expect(wanted && capPermissions(wanted, cap)).toMatchObject({ contents: "read", issues: "none" });
  });
});

describe("matrix limits (issue 15 item 3)", () => {
  // docs "Running variations of jobs in a workflow": "A matrix will generate a maximum of 256 jobs per
  // workflow run" (https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations)
  it("expands 256 combinations, refuses 257 and an empty vector", () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(expandStrategy({ matrix: { a: values(16), b: values(16) } }, "w.yml:3").combinations).toHaveLength(
      256,
    );
    expect(() =>
      expandStrategy({ matrix: { a: values(16), b: values(16), include: [{ extra: 1, a: 99 }] } }, "w.yml:3"),
    ).toThrow("w.yml:3: Strategy expansion exceeded 256 results (257 combinations)");
    expect(() => expandStrategy({ matrix: { os: [], include: [{ os: "linux" }] } }, "w.yml:3")).toThrow(
      "Matrix vector 'os' does not contain any values",
    );
  });
});
