/**
 * Files as other tools write them (audit): a byte order mark, CRLF, `;` separators, quoted newlines,
 * duplicate names, Python's NaN, bytes that are not UTF-8. Each is read correctly or refused with one
 * line naming the file and line — never read as something else.
 */
import { isUtf8 } from "node:buffer";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.js";
import { describeError, type InputError, MlopsError } from "../src/errors.js";
import { parsePerExample } from "../src/gate/per-example.js";
import { parseJsonText, readInputText } from "../src/input/limits.js";
import { loadMetricsFile, parseMetrics } from "../src/metrics/load.js";
import { loadMetricsSource, perExamplePath } from "../src/metrics/source.js";
import { parsePredictions } from "../src/plots/predictions.js";
import { dataChart } from "../src/plots/user-plots.js";
import { collectGateRules, runGate } from "../src/report/gate-run.js";
import { decideFromSetup, prepareGate } from "../src/report/gate-setup.js";

const dir = mkdtempSync(join(tmpdir(), "text-inputs-"));
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function errorOf(fn: () => unknown): { text: string; error: InputError } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MlopsError);
    const text = describeError(error);
    expect(text).not.toContain("\n");
    expect(text).not.toMatch(/Unexpected token|is not valid JSON|\.\.\."|\ufffd/);
    return { text, error: error as InputError };
  }
  throw new Error("expected an InputError");
}

describe("a byte order mark is not part of the first name", () => {
  it("JSON, YAML and CSV metrics files, and a run.json found by loadMetricsSource", () => {
    const files = {
      "m.json": '{"accuracy": 0.91, "f1": 0.8}',
      "m.yaml": "accuracy: 0.91\r\nf1: 0.8\r\n",
      "m.csv": "metric,value\r\naccuracy,0.91\r\nf1,0.8\r\n",
      "wide.csv": "accuracy,f1\r\n0.91,0.8\r\n",
    };
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, `bom-${name}`);
      writeFileSync(path, Buffer.concat([BOM, Buffer.from(text)]));
      expect(loadMetricsFile(path).metrics, name).toEqual({ accuracy: 0.91, f1: 0.8 });
    }
    const run = join(dir, "run.json");
    writeFileSync(
      run,
      Buffer.concat([BOM, Buffer.from(JSON.stringify({ schema_version: 1, run: {}, metrics: { f1: 0.5 } }))]),
    );
    expect(() => loadMetricsSource(run, "metrics")).not.toThrow(/Unexpected token/);
  });

  it("per-example results and plot data (Excel's 'CSV UTF-8')", () => {
    const text = "\ufeffid,correct\r\n1,1\r\n2,0\r\n";
    expect(parsePerExample(text, "p.csv", { idColumn: "id", valueColumn: "correct" })).toEqual([
      { id: "1", value: 1 },
      { id: "2", value: 0 },
    ]);
    const chart = dataChart("plots/train.csv", "\ufeffstep,loss\r\n1,0.9\r\n2,0.5\r\n", {
      x: "step",
      y: "loss",
    });
    expect(chart).toHaveProperty("markdown");
  });
});

describe("bytes that are not UTF-8 are refused at their line and column", () => {
  it("a Latin-1 metrics file and mlops.yml-like text name the byte, line and column", () => {
    const path = join(dir, "latin1.json");
    writeFileSync(path, Buffer.from('{\n  "accuracy": 0.9,\n  "caf\xe9": 0.5\n}', "latin1"));
    const { text } = errorOf(() => loadMetricsFile(path));
    expect(text).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:7: byte 0xE9 is not valid UTF-8`),
    );
  });

  it("agrees with Node's isUtf8 on 400 seeded byte strings, and names a line for each it refuses", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const path = join(dir, "random.txt");
    for (let n = 0; n < 400; n++) {
      const bytes = Buffer.alloc(1 + (next() % 12));
      for (let i = 0; i < bytes.length; i++) {
        const r = next() % 10;
        // mostly ASCII and newlines, some lead and continuation bytes, some never-valid bytes
        bytes[i] =
          r < 4
            ? 0x61
            : r < 5
              ? 0x0a
              : r < 7
                ? 0xc0 + (next() % 0x40)
                : r < 9
                  ? 0x80 + (next() % 0x40)
                  : next() % 256;
      }
      writeFileSync(path, bytes);
      if (isUtf8(bytes)) expect(() => readInputText(path)).not.toThrow();
      else {
        const { error } = errorOf(() => readInputText(path));
        expect(error.position?.line).toBeGreaterThanOrEqual(1);
      }
    }
  });
});

describe("JSON errors in our words", () => {
  it("Python's NaN and Infinity are named as such, at their column, where JSON must be JSON", () => {
    for (const token of ["NaN", "Infinity", "-Infinity"]) {
      const { text } = errorOf(() => parseJsonText(`{"accuracy": ${token}, "f1": 0.8}`, "m.json"));
      expect(text).toBe(
        `m.json:1:14: invalid JSON: ${token} is not a JSON value (Python's json.dump writes it for a float that is not finite); write null, or fix the value that became ${token}`,
      );
    }
  });

  it('a metrics file Python wrote with NaN/Infinity reads them as values that are not numbers, like "NaN"', () => {
    const loaded = parseMetrics(
      '{"accuracy": NaN, "note": "NaN, Infinity", "losses": [Infinity, -Infinity, 0.5], "f1": 0.8}',
      "json",
      "m.json",
    );
    expect(loaded.metrics).toEqual({ "losses.2": 0.5, f1: 0.8 });
    expect(loaded.nonNumeric).toEqual([
      { path: "accuracy", value: "NaN" },
      { path: "note", value: "NaN, Infinity" },
      { path: "losses.0", value: "Infinity" },
      { path: "losses.1", value: "-Infinity" },
    ]);
    // another mistake in the same file is still named where it is in the text as written
    expect(
      errorOf(() => parseMetrics('{"a": NaN, "b": Infinity,\n "c": [NaN, 1,, 2]}', "json", "m.json")).text,
    ).toBe('m.json:2:15: invalid JSON: unexpected ","');
  });

  it("no engine snippet: unexpected characters, early ends and trailing text", () => {
    expect(errorOf(() => parseJsonText('{"a": tru}', "x.json")).text).toBe(
      'x.json:1:7: invalid JSON: unexpected "}"',
    );
    expect(errorOf(() => parseJsonText('{"a": 1}x', "x.json")).text).toBe(
      "x.json:1:9: invalid JSON: Unexpected non-whitespace character after JSON",
    );
  });
});

describe("metrics JSON", () => {
  it("a metric given twice in one object is refused at the second, naming the first (one value silently won)", () => {
    expect(
      errorOf(() =>
        parseMetrics('{\n  "accuracy": 0.9,\n  "f1": 0.8,\n  "accuracy": 0.5\n}', "json", "m.json"),
      ).text,
    ).toBe(
      'm.json:4:3: invalid JSON: key "accuracy" appears twice in one object (first at line 2, column 3); JSON readers keep only one of the values',
    );
    // the same key in different objects, in strings and in arrays is fine
    expect(
      parseMetrics('{"a": {"x": 1}, "b": {"x": 2}, "c": ["x", "x"], "\\"x": 3}', "json", "m.json").metrics,
    ).toEqual({ "a.x": 1, "b.x": 2, '"x': 3 });
  });
});

describe("metrics YAML", () => {
  it(".nan and .inf are named as NaN and Infinity, not null", () => {
    expect(parseMetrics("accuracy: .nan\nf1: -.inf\nloss: 0.3\n", "yaml", "m.yaml")).toMatchObject({
      metrics: { loss: 0.3 },
      nonNumeric: [
        { path: "accuracy", value: "NaN" },
        { path: "f1", value: "-Infinity" },
      ],
    });
  });
});

describe("metrics CSV", () => {
  it("reads `;`-separated and quoted files as spreadsheets write them", () => {
    expect(parseMetrics("metric;value\naccuracy;0.91\nf1;0.8\n", "csv", "m.csv").metrics).toEqual({
      accuracy: 0.91,
      f1: 0.8,
    });
    expect(parseMetrics('name,value\n"f1, macro",0.7\n"acc\nuracy",0.9\n', "csv", "m.csv").metrics).toEqual({
      "f1, macro": 0.7,
      "acc\nuracy": 0.9,
    });
  });

  it("a decimal comma (a European spreadsheet's export) is refused with the number it should be", () => {
    expect(errorOf(() => parseMetrics("metric;value\naccuracy;0,91\n", "csv", "m.csv")).text).toBe(
      'm.csv:2: metric "accuracy" is "0,91", a number with a decimal comma: write it with a decimal point (0.91)',
    );
  });

  it("refuses a metric named twice (columns or rows) instead of keeping one of the values", () => {
    expect(errorOf(() => parseMetrics("accuracy,accuracy\n0.9,0.5\n", "csv", "m.csv")).text).toBe(
      'm.csv:1: metrics CSV: the header names column "accuracy" twice (fields 1 and 2): every column needs its own name',
    );
    expect(errorOf(() => parseMetrics("metric,value\nf1,0.9\nf1,0.5\n", "csv", "m.csv")).text).toBe(
      'm.csv:3: metric "f1" is given twice (lines 2 and 3)',
    );
  });

  it("checks every row of a wide table, not only the last, and names an unclosed quote's line", () => {
    expect(errorOf(() => parseMetrics("a,b\n1,2,3\n4,5\n", "csv", "m.csv")).text).toBe(
      'm.csv:2: metrics CSV: expected 2 fields like the header (split on ","), found 3',
    );
    expect(errorOf(() => parseMetrics('a,b\n1,"2\n3,4\n', "csv", "m.csv")).text).toBe(
      'm.csv:2: metrics CSV: a quoted field opened on line 2 is never closed (a missing " ?)',
    );
  });
});

describe("per-example results", () => {
  const columns = { idColumn: "id", valueColumn: "correct" };

  it("reads quoted ids with commas and newlines, on the lines they start", () => {
    expect(parsePerExample('id,correct\n"a, b",1\n"multi\nline",0\nc,true\n', "p.csv", columns)).toEqual([
      { id: "a, b", value: 1 },
      { id: "multi\nline", value: 0 },
      { id: "c", value: 1 },
    ]);
    expect(errorOf(() => parsePerExample('id,correct\n"a\nb",1\nc,x\n', "p.csv", columns)).text).toBe(
      'p.csv:4: expected a number in column "correct", got "x"',
    );
  });

  it("refuses a header with a column twice and a row with more fields than the header", () => {
    expect(errorOf(() => parsePerExample("id,correct,correct\n1,1,0\n", "p.csv", columns)).text).toBe(
      'p.csv:1: per-example results: the header names column "correct" twice (fields 2 and 3): every column needs its own name',
    );
    expect(errorOf(() => parsePerExample("id,correct\n1,1,0\n", "p.csv", columns)).text).toBe(
      'p.csv:2: per-example results: expected 2 fields like the header (split on ","), found 3',
    );
  });

  it("predictions: an example without a label is refused, not counted as a class named ''", () => {
    const text = "label,prediction,probability\n1,1,0.9\n,0,0.2\n0,0,0.1\n";
    expect(errorOf(() => parsePredictions(text, "p.csv")).text).toBe(
      'p.csv:3: column "label" is empty on this line: every example needs a label',
    );
  });
});

describe("mlops.yml as users write it", () => {
  it("a model or an environment declared twice is refused at the second one (one of them was silently ignored)", () => {
    const models =
      "version: 1\nmodels:\n  - name: m\n    metrics: [a.json]\n  - name: m\n    metrics: [b.json]\n";
    expect(errorOf(() => parseConfig(models, "mlops.yml")).text).toBe(
      'mlops.yml:5:11: models[1].name: model "m" is declared twice (also models[0]); each model needs its own name',
    );
    const envs =
      "version: 1\nmodels:\n  - name: m\n    environments:\n      - name: staging\n      - name: staging\n";
    expect(errorOf(() => parseConfig(envs, "mlops.yml")).text).toBe(
      'mlops.yml:6:15: models[0].environments[1].name: environment "staging" is declared twice (also environments[0]); each environment needs its own name',
    );
  });

  it("an unknown key that is a typo names the key it probably is, at every depth", () => {
    const text = [
      "version: 1",
      "models:",
      "  - name: m",
      "    metric: [m.json]",
      "    gate: { rules: [], on_skiped: fail }",
      "    monitoring: { reference: r.csv, columns: { a: { typ: numerical } } }",
      "registry: { signing: { requird: true } }",
      "",
    ].join("\n");
    const { text: message } = errorOf(() => parseConfig(text, "mlops.yml"));
    for (const [typo, key] of [
      ["metric", "metrics"],
      ["on_skiped", "on_skipped"],
      ["typ", "type"],
      ["requird", "required"],
    ])
      expect(message).toContain(`unknown key "${typo}" (did you mean "${key}"?)`);
    // nothing close: no suggestion
    expect(
      errorOf(() => parseConfig("version: 1\nmodels:\n  - name: m\n    zzz: 1\n", "mlops.yml")).text,
    ).toBe('mlops.yml:3:5: models[0]: unknown key "zzz"');
  });

  it("anchors, aliases and `<<` merge keys (YAML 1.1, as docker-compose files use them)", () => {
    const text = [
      "version: 1",
      "models:",
      "  - name: a",
      "    gate: &gate { rules: ['accuracy >= 0.9'] }",
      "    train: &train { command: python train.py, working_directory: src }",
      "  - name: b",
      "    gate: *gate",
      "    train:",
      "      <<: *train",
      "      command: python train.py --model b",
      "",
    ].join("\n");
    const config = parseConfig(text, "mlops.yml");
    expect(config.models[1]?.gate).toEqual(config.models[0]?.gate);
    expect(config.models[1]?.train).toEqual({
      command: "python train.py --model b",
      working_directory: "src",
    });
  });
});

describe("the gate on metrics and per-example files as other tools write them", () => {
  it("a rule on a metric written as NaN names the file and the value, not 'the run did not report it'", () => {
    const path = join(dir, "nan-metrics.json");
    writeFileSync(path, '{"accuracy": "NaN", "f1": 0.8}');
    const { text } = errorOf(() =>
      prepareGate({
        cwd: dir,
        config: "absent-mlops.yml",
        metricsPath: path,
        sweep: false,
        modelName: "m",
        artifactName: undefined,
        rules: ["accuracy >= 0.9"],
        perExample: undefined,
        log: { notice: () => {} },
      }),
    );
    expect(text).toBe(
      `${path}: gate rule uses metric "accuracy", whose value is not a number ("NaN"): the training wrote no usable value for it`,
    );
  });

  it("a significant rule finds its per-example column in a `;`-separated or BOM-prefixed file", () => {
    const rows = (n: number, p: number) =>
      Array.from({ length: n }, (_, i) => `${i};${i % 100 < p ? 1 : 0}`).join("\n");
    const run = runGate({
      head: { accuracy: 0.9 },
      baseline: { accuracy: 0.9 },
      rules: collectGateRules({ specs: {}, extra: ["accuracy >= baseline - 0.01 significant"] }),
      perExample: {
        head: { file: "head.csv", text: `id;correct\n${rows(200, 90)}\n` },
        baseline: { file: "base.csv", text: `\ufeffid;correct\n${rows(200, 90)}\n` },
      },
    });
    expect(run.rules[0]?.status).toBe("passed");
    expect(run.rules[0]?.interval).toBeDefined();
  });
});

describe("a baseline file next to the candidate", () => {
  it("a significant rule is not decided by comparing the candidate's per-example results with themselves", () => {
    const folder = mkdtempSync(join(tmpdir(), "same-folder-"));
    writeFileSync(join(folder, "metrics.json"), '{"accuracy": 0.9}');
    writeFileSync(join(folder, "main-metrics.json"), '{"accuracy": 0.95}');
    writeFileSync(
      join(folder, "predictions.csv"),
      `id,correct\n${Array.from({ length: 100 }, (_, i) => `${i},${i % 10 === 0 ? 0 : 1}`).join("\n")}\n`,
    );
    writeFileSync(
      join(folder, "mlops.yml"),
      "version: 1\nmodels:\n  - name: m\n    per_example: predictions.csv\n    gate:\n      rules: ['accuracy >= baseline - 0.01 significant']\n",
    );
    const setup = prepareGate({
      cwd: folder,
      config: "mlops.yml",
      metricsPath: join(folder, "metrics.json"),
      sweep: false,
      modelName: "m",
      artifactName: undefined,
      rules: undefined,
      perExample: undefined,
      log: { notice: () => {} },
    });
    // what the baseline resolver finds for a file baseline: per_example next to the baseline's metrics
    const baseline = loadMetricsSource(join(folder, "main-metrics.json"), "baseline");
    const perExample = perExamplePath(baseline, "predictions.csv");
    expect(perExample).toBe(join(folder, "predictions.csv"));
    const { text } = errorOf(() =>
      decideFromSetup(setup, {
        baseline: {
          metrics: baseline.metrics,
          source: "file:main-metrics.json",
          label: "main-metrics.json",
          ...(perExample ? { perExample } : {}),
        },
        onSkipped: undefined,
        identity: { model: "m" } as never,
        log: { info: () => {} },
      }),
    );
    expect(text).toMatch(
      /^the baseline's per-example results are the candidate's own file \(.*predictions\.csv\)/,
    );
  });
});
