import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.js";
import { describeError, InputError, MlopsError } from "../src/errors.js";
import { jsonErrorOffset, parseJsonText } from "../src/input/limits.js";
import { parseRunManifest } from "../src/manifest/parse.js";
import { flattenMetrics, parseMetrics } from "../src/metrics/load.js";
import { parseRule } from "../src/rules/parse.js";

const oneLineError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MlopsError);
    const text = describeError(error);
    expect(text).not.toContain("\n");
    expect(text).not.toMatch(/call stack|Cannot read|undefined/);
    return text;
  }
  throw new Error("expected an error");
};

describe("bounded parsers (issue 19)", () => {
  it("refuses JSON metrics nested past the depth limit at the line and column, without recursion", () => {
    const text = `{"a": ${"[".repeat(100_000)}1${"]".repeat(100_000)}}`;
    expect(oneLineError(() => parseMetrics(text, "json", "m.json"))).toBe(
      "m.json:1:70: JSON nests deeper than 64 levels (the limit is 64; raise it with MLOPS_MAX_DEPTH=<n>)",
    );
  });

  it("refuses deep YAML (flow and compact sequences) and billion laughs, naming the file", () => {
    expect(
      oneLineError(() => parseMetrics(`a: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`, "yaml", "m.yml")),
    ).toMatch(/^m\.yml:1:\d+: YAML nests/);
    expect(oneLineError(() => parseMetrics(`a:\n  ${"- ".repeat(200)}1\n`, "yaml", "m.yml"))).toMatch(
      /^m\.yml:\d+:\d+: YAML nests deeper than 64 levels/,
    );
    const lol = [
      "l0: &l0 x",
      ...Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${`*l${i},`.repeat(9)}*l${i}]`),
      "m: *l9",
    ].join("\n");
    expect(oneLineError(() => parseConfig(lol, "mlops.yml"))).toMatch(
      /^mlops\.yml: YAML expands aliases too many times/,
    );
  });

  it("gives a line and column for every JSON syntax error, also where Node's message has none", () => {
    expect(oneLineError(() => parseJsonText('{\n  "a": NaN}', "x.json"))).toMatch(
      /^x\.json:2:8: invalid JSON: /,
    );
    expect(jsonErrorOffset('{"a":{"b":1}, "c": }')).toBe(19);
    expect(jsonErrorOffset("[1, 2")).toBe(5);
    expect(jsonErrorOffset('{"a": 1}')).toBe(8);
  });

  it("bounds gate rules by length and nesting with one line", () => {
    expect(oneLineError(() => parseRule(`a >= ${"(".repeat(10_000)}1${")".repeat(10_000)}`))).toMatch(
      /^invalid rule: a rule of at most 1024 characters/,
    );
    expect(oneLineError(() => parseRule(`a >= ${"(".repeat(100)}1${")".repeat(100)}`))).toMatch(
      /^invalid rule: at most 64 nested parentheses or signs .* \(at column 70 of /,
    );
    expect(parseRule(`a >= ${"(".repeat(60)}1${")".repeat(60)}`).metric).toBe("a");
  });

  it("lets a user raise a limit with its environment variable", () => {
    process.env.MLOPS_MAX_DEPTH = "200";
    try {
      expect(parseJsonText(`${"[".repeat(150)}${"]".repeat(150)}`, "x.json")).toBeDefined();
    } finally {
      delete process.env.MLOPS_MAX_DEPTH;
    }
    expect(() => parseJsonText(`${"[".repeat(150)}${"]".repeat(150)}`, "x.json")).toThrow(InputError);
  });

  it("reports a config's problems on one line, missing keys without 'undefined'", () => {
    expect(
      oneLineError(() => parseConfig("version: 1\nmodels:\n  - train: { command: x }\n", "mlops.yml")),
    ).toBe("mlops.yml:3:5: models[0].name: missing (expected string)");
  });

  it("names the manifest file on one line", () => {
    expect(oneLineError(() => parseRunManifest("{oops", "out/run.json"))).toMatch(
      /^out\/run\.json:1:2: run\.json is not valid JSON/,
    );
  });

  it("flattens deep metrics without recursion", () => {
    let value: unknown = 1;
    for (let i = 0; i < 50_000; i++) value = { a: value };
    expect(Object.keys(flattenMetrics(value).metrics)).toHaveLength(1);
  });
});
