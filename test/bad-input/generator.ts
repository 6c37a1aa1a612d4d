/**
 * A seeded, bounded generator of malformed and hostile inputs for every parser the CLI and the actions use
 * (issue 19). Each case is a small folder of files plus the `mlops` command line that reads them, and what a
 * user must get back:
 * - `bad`: exit 2 and exactly one stderr line naming `names` (with `:line:column` / `:line` when `where` says so);
 * - `finding`: exit 1 (a failed gate), never 2;
 * - `any`: a mutation that may still be valid; whatever the exit code, never a JavaScript internal, and an
 *   exit 2 is still one line naming the file.
 * Sizes are bounded (the largest file is a few hundred KB) so that the whole suite runs in seconds.
 */

import { mulberry32 } from "@mlops/core";

export type Expectation = "bad" | "finding" | "ok" | "any";

export interface BadInputCase {
  id: string;
  files: Record<string, string | Uint8Array>;
  argv: string[];
  expect: Expectation;
  /** The file (as given on the command line) a bad-input message must name. */
  names?: string;
  /** What the message must locate: `line-column` (file:L:C), `line` (file:L), or just the file. */
  where?: "line-column" | "line" | "file";
  /** Environment for this case (lowered limits). */
  env?: Record<string, string>;
  /** Parse directly with this parser instead of the CLI (inputs the CLI never reads, e.g. manifests). */
  parser?: "run-manifest" | "model-manifest";
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

const GOOD_METRICS = JSON.stringify(
  { accuracy: 0.91, f1: 0.88, loss: 0.31, latency_ms: { p50: 12, p95: 40 } },
  null,
  2,
);
const GOOD_CONFIG = `version: 1
models:
  - name: churn
    train:
      command: python train.py
    metric_specs:
      accuracy: { goal: maximize }
      loss: { goal: minimize }
    gate:
      rules:
        - accuracy >= baseline - 0.01
`;
const GOOD_WORKFLOW = `name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

function deepJson(depth: number, kind: "array" | "object"): string {
  return kind === "array"
    ? `${"[".repeat(depth)}1${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** YAML nested `depth` levels deep in one of the ways YAML allows. */
function deepYaml(depth: number, style: "flow" | "compact-seq" | "block-map"): string {
  if (style === "flow") return `a: ${"[".repeat(depth)}1${"]".repeat(depth)}\n`;
  if (style === "compact-seq") return `a:\n  ${"- ".repeat(depth)}1\n`;
  return Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + ` 1\n`;
}

/** The classic "billion laughs": each level references the previous one `fan` times. */
function billionLaughs(levels: number, fan: number, root = "lol"): string {
  const lines = [`l0: &l0 "lol"`];
  for (let i = 1; i <= levels; i++)
    lines.push(`l${i}: &l${i} [${Array.from({ length: fan }, () => `*l${i - 1}`).join(", ")}]`);
  lines.push(`${root}: *l${levels}`);
  return `${lines.join("\n")}\n`;
}

function truncate(rng: Rng, text: string): string {
  return text.slice(0, int(rng, 0, text.length - 1));
}

function flip(rng: Rng, text: string): string {
  const at = int(rng, 0, text.length - 1);
  const junk = pick(rng, [
    "{",
    "}",
    "[",
    "]",
    '"',
    ",",
    ":",
    "\u0000",
    "\\",
    "-",
    "é",
    "\n",
    "'",
    "&",
    "*",
    "!",
  ]);
  return text.slice(0, at) + junk + text.slice(at + 1);
}

function metricsCases(rng: Rng): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const diff = (
    id: string,
    file: string,
    content: string | Uint8Array,
    expect: Expectation,
    where?: BadInputCase["where"],
    env?: Record<string, string>,
  ): BadInputCase => ({
    id: `metrics/${id}`,
    files: { "base.json": GOOD_METRICS, [file]: content },
    argv: ["diff", "base.json", file],
    expect,
    names: file,
    ...(where ? { where } : {}),
    ...(env ? { env } : {}),
  });
  for (const depth of [65, 200, 5_000, 100_000]) {
    cases.push(
      diff(`deep-array-${depth}`, "head.json", `{"a": ${deepJson(depth, "array")}}`, "bad", "line-column"),
    );
    cases.push(diff(`deep-object-${depth}`, "head.json", deepJson(depth, "object"), "bad", "line-column"));
    for (const style of ["flow", "compact-seq", "block-map"] as const)
      if (style !== "block-map" || depth <= 5_000)
        cases.push(diff(`deep-yaml-${style}-${depth}`, "head.yaml", deepYaml(depth, style), "bad", "file"));
  }
  cases.push(diff("billion-laughs", "head.yaml", billionLaughs(9, 9), "bad", "file"));
  cases.push(diff("alias-chain", "head.yaml", billionLaughs(30, 2), "bad", "file"));
  // Python's json.dump writes NaN/Infinity for floats that are not finite: a metrics file read as values that
  // are not numbers (a warning, exit 0 for a diff); a gate rule on one is bad input naming the file (audit).
  cases.push(diff("nan-literal", "head.json", '{"a": NaN}', "ok"));
  cases.push(diff("infinity-literal", "head.json", '{"a": Infinity, "b": -Infinity}', "ok"));
  cases.push({
    id: "metrics/nan-literal-gated",
    files: { "head.json": '{"accuracy": NaN, "f1": 0.8}' },
    argv: ["gate", "--metrics", "head.json", "--rule", "accuracy >= 0.9"],
    expect: "bad",
    names: "head.json",
  });
  for (const [id, text] of [
    ["nan-literal-and-syntax", '{"a": NaN,\n "b": [1,, 2]}'],
    ["trailing-comma", '{"a": 1,}'],
    ["single-quotes", "{'a': 1}"],
    ["comment", '{"a": 1 /* c */}'],
    ["two-documents", '{"a": 1}{"b": 2}'],
    ["bom-garbage", '\uFEFF\uFEFF{"a":1}'],
    ["unterminated-string", '{"a": "x'],
    ["lone-surrogate-key", '{"\\ud800": 1, "b": }'],
  ] as const)
    cases.push(diff(id, "head.json", text, "bad", "line-column"));
  for (const [id, text] of [
    ["top-level-array", "[1, 2, 3]"],
    ["top-level-number", "42"],
    ["top-level-string", '"accuracy"'],
    ["top-level-null", "null"],
    ["empty", ""],
    ["whitespace", "  \n\t\n"],
  ] as const)
    cases.push(diff(id, "head.json", text, "bad", "file"));
  cases.push(
    diff("binary", "head.json", new Uint8Array([0x1f, 0x8b, 0x08, 0, 0xff, 0xfe, 0, 1, 2, 3]), "bad", "file"),
  );
  cases.push(
    diff("over-size-limit", "head.json", JSON.stringify({ pad: "x".repeat(200_000), a: 1 }), "bad", "file", {
      MLOPS_MAX_INPUT_BYTES: "100000",
    }),
  );
  for (const [id, text] of [
    ["yaml-tab-indent", "a:\n\tb: 1\n"],
    ["yaml-unclosed-quote", 'a: "x\n'],
    ["yaml-duplicate-key", "a: 1\na: 2\n"],
    ["yaml-bad-indent", "a:\n  b: 1\n c: 2\n"],
    ["yaml-scalar-root", "just text\n"],
    ["yaml-unknown-alias", "a: *nope\n"],
  ] as const)
    cases.push(diff(id, "head.yaml", text, "bad"));
  for (const [id, text] of [
    ["csv-one-line", "accuracy,f1\n"],
    ["csv-ragged", "accuracy,f1\n0.9\n"],
    ["csv-name-value-ragged", "name,value\naccuracy,0.9,7\n"],
  ] as const)
    cases.push(diff(id, "head.csv", text, "bad", "line"));
  // Valid but odd values: huge numbers, non-numeric leaves, unicode, many keys. Any code, one clean line.
  for (const [id, text] of [
    ["huge-number", '{"a": 1e400, "b": -1e400}'],
    ["tiny-number", '{"a": 1e-400}'],
    ["long-digits", `{"a": ${"9".repeat(5000)}}`],
    ["strings", '{"accuracy": "0.9", "f1": true, "loss": null}'],
    ["unicode-names", '{"ƒ1": 0.9, "精度": 0.8, "😀": 1}'],
    ["yaml-unknown-tag", "a: !!binary 1\n"],
    ["many-keys", JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`m${i}`, i])))],
    ["long-key", JSON.stringify({ ["k".repeat(100_000)]: 1 })],
    ["proto-key", '{"__proto__": {"a": 1}, "constructor": 2}'],
  ] as const)
    cases.push(diff(id, "head.json", text, "any"));
  // Seeded mutations of a valid file: truncations are always invalid JSON; flips may or may not be.
  for (let i = 0; i < 30; i++)
    cases.push(diff(`truncated-${i}`, "head.json", truncate(rng, GOOD_METRICS), "bad", "file"));
  for (let i = 0; i < 30; i++) cases.push(diff(`flipped-${i}`, "head.json", flip(rng, GOOD_METRICS), "any"));
  const yamlMetrics = "accuracy: 0.9\nnested:\n  f1: 0.8\n  list: [1, 2, 3]\n";
  for (let i = 0; i < 20; i++)
    cases.push(diff(`yaml-flipped-${i}`, "head.yaml", flip(rng, yamlMetrics), "any"));
  for (let i = 0; i < 10; i++)
    cases.push(diff(`csv-flipped-${i}`, "head.csv", flip(rng, "name,value\naccuracy,0.9\nf1,0.8\n"), "any"));
  return cases;
}

function configCases(rng: Rng): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const validate = (
    id: string,
    content: string | Uint8Array,
    expect: Expectation,
    where?: BadInputCase["where"],
    env?: Record<string, string>,
  ): BadInputCase => ({
    id: `config/${id}`,
    files: { "mlops.yml": content },
    argv: ["validate", "--config", "mlops.yml"],
    expect,
    names: "mlops.yml",
    ...(where ? { where } : {}),
    ...(env ? { env } : {}),
  });
  for (const depth of [65, 1_000, 50_000])
    for (const style of ["flow", "compact-seq"] as const)
      cases.push(validate(`deep-${style}-${depth}`, deepYaml(depth, style), "bad", "file"));
  cases.push(validate("deep-block-map-2000", deepYaml(2_000, "block-map"), "bad", "file"));
  cases.push(validate("deep-json-syntax", `{"models": ${deepJson(20_000, "array")}}`, "bad", "file"));
  cases.push(validate("billion-laughs", billionLaughs(9, 9, "models"), "bad", "file"));
  cases.push(
    validate(
      "billion-laughs-in-model",
      `x: &a [1,2,3,4,5,6,7,8,9,10]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nmodels: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
      "bad",
      "file",
    ),
  );
  for (const [id, text] of [
    ["empty", ""],
    ["models-not-list", "models: 3\n"],
    ["models-empty", "models: []\n"],
    ["model-no-name", "models:\n  - train: { command: x }\n"],
    ["unknown-top-key", `${GOOD_CONFIG}colour: blue\n`],
    ["unknown-model-key", GOOD_CONFIG.replace("    train:", "    trian:\n      command: x\n    train:")],
    ["goal-wrong", GOOD_CONFIG.replace("goal: maximize", "goal: biggest")],
    [
      "rules-not-list",
      GOOD_CONFIG.replace("      rules:\n        - accuracy >= baseline - 0.01", "      rules: 7"),
    ],
    ["many-problems", "models:\n  - name: 1\n    gate: 2\n    train: 3\n    bogus: 4\n    metric_specs: 5\n"],
    ["name-number", "models:\n  - name: 12\n"],
    ["scalar-root", "hello\n"],
    ["list-root", "- a\n- b\n"],
  ] as const)
    cases.push(validate(id, text, "bad", "line-column"));
  for (const [id, text] of [
    ["tab-indent", "models:\n\t- name: a\n"],
    ["duplicate-key", `${GOOD_CONFIG}models: []\n`],
    ["unclosed-flow", "models: [\n"],
    ["undefined-alias", "models: *m\n"],
  ] as const)
    cases.push(validate(id, text, "bad", "line-column"));
  cases.push(validate("binary", new Uint8Array([0, 159, 146, 150, 0xff, 10, 0, 0]), "bad", "file"));
  cases.push(
    validate("over-size-limit", `${GOOD_CONFIG}# ${"x".repeat(200_000)}\n`, "bad", "file", {
      MLOPS_MAX_INPUT_BYTES: "100000",
    }),
  );
  cases.push(validate("valid", GOOD_CONFIG, "ok"));
  for (let i = 0; i < 25; i++) cases.push(validate(`truncated-${i}`, truncate(rng, GOOD_CONFIG), "any"));
  for (let i = 0; i < 25; i++) cases.push(validate(`flipped-${i}`, flip(rng, GOOD_CONFIG), "any"));
  return cases;
}

function ruleCases(rng: Rng): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const gate = (id: string, rule: string, expect: Expectation): BadInputCase => ({
    id: `rules/${id}`,
    files: { "m.json": GOOD_METRICS },
    argv: ["gate", "--metrics", "m.json", "--rule", rule],
    expect,
    names: "--rule",
  });
  for (const n of [100, 10_000]) {
    cases.push(
      gate(
        `terms-${n}`,
        `accuracy >= ${Array.from({ length: n }, () => "0.01").join(" + ")}`,
        n > 300 ? "bad" : "finding",
      ),
    );
    cases.push(gate(`parens-${n}`, `accuracy >= ${"(".repeat(n)}0.5${")".repeat(n)}`, "bad"));
    cases.push(gate(`unbalanced-open-${n}`, `accuracy >= ${"(".repeat(n)}0.5`, "bad"));
    cases.push(gate(`negations-${n}`, `accuracy >= ${"- ".repeat(n)}0.5`, "bad"));
  }
  for (const [id, rule] of [
    ["empty", ""],
    ["blank", "   "],
    ["unbalanced-close", "accuracy >= 0.5)"],
    ["no-comparator", "accuracy 0.5"],
    ["unicode-name", "ƒ1 >= 0.5"],
    ["unicode-digits", "accuracy >= ٠.٥"],
    ["emoji", "accuracy >= 😀"],
    ["newline", "accuracy >=\n0.5 $"],
    ["backtick-open", "`accuracy >= 0.5"],
    ["double-comparator", "accuracy >= <= 0.5"],
    ["baseline-left", "baseline >= 0.5"],
    ["percent-alone", "accuracy >= %"],
    ["long-name", `${"a".repeat(5_000)} >= 1`],
  ] as const)
    cases.push(gate(id, rule, "bad"));
  cases.push(gate("finding", "accuracy >= 0.99", "finding"));
  cases.push(gate("pass", "accuracy >= 0.5", "ok"));
  const tokens = [
    "accuracy",
    "f1",
    "baseline",
    ">=",
    "<=",
    "(",
    ")",
    "+",
    "-",
    "*",
    "/",
    "0.5",
    "2%",
    "significant",
    "`x y`",
    "$",
    "==",
  ];
  for (let i = 0; i < 30; i++) {
    const soup = Array.from({ length: int(rng, 1, 12) }, () => pick(rng, tokens)).join(" ");
    cases.push(gate(`soup-${i}`, soup, "any"));
  }
  // Rules inside mlops.yml: the message names the config file and the rule's line.
  const inConfig = (id: string, rule: string): BadInputCase => ({
    id: `rules/config-${id}`,
    files: {
      "m.json": GOOD_METRICS,
      "mlops.yml": GOOD_CONFIG.replace("accuracy >= baseline - 0.01", JSON.stringify(rule)),
    },
    argv: ["gate", "--metrics", "m.json", "--config", "mlops.yml"],
    expect: "bad",
    names: "mlops.yml",
    where: "line",
  });
  cases.push(inConfig("parens", `accuracy >= ${"(".repeat(5_000)}1${")".repeat(5_000)}`));
  cases.push(inConfig("terms", `accuracy >= ${Array.from({ length: 5_000 }, () => "1").join(" - ")}`));
  cases.push(inConfig("unbalanced", "accuracy >= (baseline - 1"));
  cases.push(inConfig("garbage", "accuracy >= $$$"));
  return cases;
}

function manifestCases(rng: Rng): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const run = JSON.stringify({ schema_version: 1, metrics: { accuracy: 0.9 } });
  const add = (
    id: string,
    parser: "run-manifest" | "model-manifest",
    text: string,
    expect: Expectation = "bad",
  ): void => {
    const file = parser === "run-manifest" ? "run.json" : "model.json";
    cases.push({ id: `manifest/${id}`, files: { [file]: text }, argv: [file], expect, names: file, parser });
  };
  for (const parser of ["run-manifest", "model-manifest"] as const) {
    add(`${parser}-deep`, parser, deepJson(100_000, "array"));
    add(`${parser}-not-json`, parser, "{oops");
    add(`${parser}-wrong-types`, parser, JSON.stringify({ schema_version: "one", metrics: [1], name: 3 }));
    add(`${parser}-empty`, parser, "");
    add(`${parser}-array`, parser, "[]");
    add(`${parser}-future-version`, parser, JSON.stringify({ schema_version: 99 }));
    for (let i = 0; i < 8; i++) add(`${parser}-truncated-${i}`, parser, truncate(rng, run));
    for (let i = 0; i < 8; i++) add(`${parser}-flipped-${i}`, parser, flip(rng, run), "any");
  }
  return cases;
}

function workflowCases(rng: Rng): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const wf = ".github/workflows/ci.yml";
  const runWorkflow = (
    id: string,
    content: string,
    expect: Expectation = "bad",
    where?: BadInputCase["where"],
  ): void => {
    cases.push({
      id: `workflow/${id}`,
      files: { [wf]: content },
      argv: ["run-workflow", wf, "--event", "push", "--skip-setup"],
      expect,
      names: "ci.yml",
      ...(where ? { where } : {}),
    });
  };
  runWorkflow("empty", "");
  runWorkflow("scalar", "hello\n");
  runWorkflow("no-jobs", "on: push\n");
  runWorkflow("jobs-list", "on: push\njobs: [a, b]\n");
  runWorkflow("tab", "on: push\njobs:\n\tbuild: {}\n");
  runWorkflow("deep-flow", `on: push\njobs: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
  runWorkflow("deep-compact", `on: push\njobs:\n  ${"- ".repeat(20_000)}1\n`);
  runWorkflow("billion-laughs", billionLaughs(9, 9, "jobs"));
  runWorkflow("unknown-key", GOOD_WORKFLOW.replace("runs-on:", "runs_on:"));
  for (let i = 0; i < 8; i++)
    runWorkflow(`truncated-${i}`, truncate(rng, GOOD_WORKFLOW).replace(/jobs:[\s\S]*$/, "jobs: 7\n"));
  // Event payloads: read before anything runs.
  const payload = (id: string, content: string): void => {
    cases.push({
      id: `payload/${id}`,
      files: { [wf]: GOOD_WORKFLOW, "event.json": content },
      argv: ["run-workflow", wf, "--event", "push", "--payload", "event.json", "--skip-setup"],
      expect: "bad",
      names: "event.json",
    });
  };
  payload("not-json", "{ref:");
  payload("array", "[]");
  payload("deep", `{"a": ${deepJson(50_000, "array")}}`);
  payload("empty", "");
  payload("string", '"push"');
  return cases;
}

/**
 * Hooks for more readers (the monitoring data readers: CSV/JSONL/gzip/Parquet): each returns cases in the
 * same shape, run and checked like the others.
 */
export const extraCaseSources: Array<(rng: Rng) => BadInputCase[]> = [];

/** Every case, the same for the same seed. */
export function generateCases(seed = 19): BadInputCase[] {
  const rng = mulberry32(seed);
  return [
    ...metricsCases(rng),
    ...configCases(rng),
    ...ruleCases(rng),
    ...manifestCases(rng),
    ...workflowCases(rng),
    ...extraCaseSources.flatMap((source) => source(rng)),
  ];
}

/** The internals a user must never see. */
export const JS_INTERNALS = [
  /Maximum call stack/i,
  /Cannot read propert/i,
  /is not a function/i,
  /is not iterable/i,
  /Array buffer allocation failed/i,
  /Invalid array length/i,
  /Invalid string length/i,
  /heap out of memory/i,
  /\bundefined\b/,
  /\[object Object\]/,
  /^\s+at .+\(.*:\d+:\d+\)$/m,
  /^\s+at .+:\d+:\d+$/m,
  /(TypeError|RangeError|ReferenceError|SyntaxError):/,
];
