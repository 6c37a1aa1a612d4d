/**
 * What `mlops init` learns from a repository before writing anything: the training script and what it
 * writes, whether it is seeded, data files for monitoring, how to install its dependencies, and
 * existing CML/DVC workflows that would report on every push next to the PR check.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";

/** A default and where it came from (printed by non-interactive runs). */
export interface Detected<T> {
  value: T;
  origin: string;
}

const SCRIPT_NAMES = ["train.py", "src/train.py", "scripts/train.py", "train.js", "src/train.js"];

/** The training script: a `train.*` file at the usual places, or the file named in the train command. */
export function findTrainScript(dir: string, trainCommand: string | undefined): string | undefined {
  if (trainCommand) {
    const named = /(?:^|\s)((?:[\w.-]+\/)*[\w.-]+\.(?:py|js|mjs|ts))(?:\s|$)/.exec(trainCommand)?.[1];
    if (named && existsSync(join(dir, named))) return named;
  }
  return SCRIPT_NAMES.find((name) => existsSync(join(dir, name)));
}

/** String literals of a script that name files with one of `extensions`. */
function literalPaths(text: string, extensions: readonly string[]): string[] {
  const found: string[] = [];
  const pattern = /["']([\w./-]+)["']/g;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const path = m[1] as string;
    if (extensions.includes(extname(path).toLowerCase()) && !path.startsWith("http") && !found.includes(path))
      found.push(path);
  }
  return found;
}

const MODEL_EXTENSIONS = [
  ".pkl",
  ".pickle",
  ".joblib",
  ".onnx",
  ".pt",
  ".pth",
  ".h5",
  ".keras",
  ".safetensors",
];

/** Metric files, model files and a per-example file the script's string literals name. */
export function scriptOutputs(text: string): { metrics: string[]; artifacts: string[]; perExample?: string } {
  const metrics = literalPaths(text, [".json", ".yaml", ".yml"]).filter((p) => /metric|score|eval/i.test(p));
  const artifacts = literalPaths(text, MODEL_EXTENSIONS);
  const perExample = literalPaths(text, [".csv"]).find((p) => /prediction|per.?example/i.test(p));
  return { metrics, artifacts, ...(perExample ? { perExample } : {}) };
}

/** Patterns that seed a random generator (Python and JavaScript). */
const SEED_PATTERNS = [
  /random_state\s*=\s*(?!None)[\w.]+/,
  /\bseed\s*\(/i,
  /\bseed\s*[=:]\s*\d/i,
  /default_rng\s*\(\s*[\w.]+\s*\)/,
  /RandomState\s*\(\s*[\w.]+\s*\)/,
  /manual_seed\s*\(/,
  /set_seed\s*\(/,
  /PYTHONHASHSEED/,
];

/** Whether the training script seeds its randomness (false: metrics vary from run to run). */
export function isSeeded(text: string): boolean {
  return SEED_PATTERNS.some((pattern) => pattern.test(text));
}

const DATA_EXTENSIONS = [".csv", ".tsv", ".txt", ".jsonl", ".parquet", ".dat"];
const NOT_DATA =
  /^(requirements.*|constraints.*|license.*|readme.*|notice.*|changelog.*|cmakelists|robots)\.txt$/i;

function looksLikeData(path: string): boolean {
  if (extname(path) !== ".txt" && extname(path) !== ".dat") return true;
  // A .txt is data when its first line is values separated by commas, tabs or spaces (np.savetxt).
  const head = readFileSync(path, "utf8").slice(0, 2000).split(/\r?\n/)[0] ?? "";
  return /^\s*[-+\d.eE]+([\s,;]+[-+\d.eE]+)+\s*$/.test(head) || head.split(",").length > 2;
}

/** How a delimited data file is laid out, as `monitoring.delimiter`/`header` spell it. */
export interface DataLayout {
  /** `whitespace`, ";", "|" or a tab; undefined for commas (the default). */
  delimiter?: string;
  /** False when the first line is values, not names (numpy's `savetxt` writes none). */
  header: boolean;
  fields: number;
}

/** The layout of a text data file from its first line; undefined for JSONL, Parquet and gzip. */
export function dataLayout(path: string): DataLayout | undefined {
  if (!/\.(csv|tsv|txt|dat)$/i.test(path)) return undefined;
  const first = (
    readFileSync(path, "utf8")
      .slice(0, 64 * 1024)
      .split(/\r?\n/)[0] ?? ""
  ).trim();
  if (first === "") return undefined;
  const candidates: Array<[string | undefined, string[]]> = [
    [undefined, first.split(",")],
    ["\t", first.split("\t")],
    [";", first.split(";")],
    ["|", first.split("|")],
    ["whitespace", first.split(/[ \t]+/)],
  ];
  const [delimiter, fields] = candidates.find(([, parts]) => parts.length > 1) ?? [undefined, [first]];
  const numeric = fields.every((field) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(field.trim()));
  const implied = /\.tsv$/i.test(path) ? "\t" : undefined;
  return {
    ...(delimiter !== undefined && delimiter !== implied ? { delimiter } : {}),
    header: !numeric,
    fields: fields.length,
  };
}

/** Data files at the root and in `data/` (one level down), training data first. */
export function findDataFiles(dir: string): string[] {
  const candidates: string[] = [];
  for (const folder of [".", "data", "data/raw", "data/processed"]) {
    const abs = join(dir, folder);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) continue;
    for (const name of readdirSync(abs).sort()) {
      const ext = extname(name.replace(/\.gz$/, "")).toLowerCase();
      if (!DATA_EXTENSIONS.includes(ext) || NOT_DATA.test(name)) continue;
      const path = folder === "." ? name : `${folder}/${name}`;
      if (statSync(join(dir, path)).isFile() && (name.endsWith(".gz") || looksLikeData(join(dir, path))))
        candidates.push(path);
    }
  }
  const rank = (p: string) =>
    /train/i.test(p) ? 0 : /reference|ref/i.test(p) ? 1 : /test|valid/i.test(p) ? 3 : 2;
  return candidates.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** How the workflows install the project's dependencies before training. */
export function setupCommandFor(dir: string, language: "python" | "node"): Detected<string> {
  if (language === "node")
    return existsSync(join(dir, "package-lock.json"))
      ? { value: "npm ci", origin: "package-lock.json" }
      : { value: "npm install", origin: "package.json" };
  if (existsSync(join(dir, "requirements.txt")))
    return { value: "pip install -r requirements.txt", origin: "requirements.txt" };
  if (existsSync(join(dir, "pyproject.toml")) || existsSync(join(dir, "setup.py")))
    return {
      value: "pip install .",
      origin: existsSync(join(dir, "pyproject.toml")) ? "pyproject.toml" : "setup.py",
    };
  return { value: "", origin: "no requirements.txt or pyproject.toml: nothing to install" };
}

/** A line of an existing workflow that reports or trains, by kind. */
export interface CiLine {
  line: number;
  text: string;
  kind: "cml-setup" | "cml-report" | "dvc";
}

/** An existing CML or DVC workflow. */
export interface CiFinding {
  /** Path relative to the repository root. */
  file: string;
  lines: CiLine[];
}

/** `cml comment …`, `cml send-comment`, `cml-send-comment`, `cml check …`, `cml publish`/`cml asset …`. */
const CML_REPORT = /(^|[\s;&|(])(cml[\s-]+(comment|send-comment|send-github-check|check|publish|asset))\b/;
const CML_SETUP = /uses:\s*['"]?iterative\/setup-cml/;
const DVC = /(^|[\s;&|(])dvc\s+(repro|pull|push|metrics|plots|exp|params|fetch|checkout)\b/;

/** CML and DVC use in `.github/workflows/*.yml` (not the files `init` writes). */
export function findCiWorkflows(dir: string): CiFinding[] {
  const folder = join(dir, ".github", "workflows");
  if (!existsSync(folder)) return [];
  const findings: CiFinding[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (!/\.ya?ml$/.test(name) || name.startsWith("mlops-")) continue;
    const lines: CiLine[] = [];
    readFileSync(join(folder, name), "utf8")
      .split(/\r?\n/)
      .forEach((text, index) => {
        if (/^\s*#/.test(text)) return;
        const kind = CML_SETUP.test(text)
          ? "cml-setup"
          : CML_REPORT.test(text)
            ? "cml-report"
            : DVC.test(text)
              ? "dvc"
              : undefined;
        if (kind) lines.push({ line: index + 1, text: text.trim(), kind });
      });
    if (lines.length > 0) findings.push({ file: `.github/workflows/${name}`, lines });
  }
  return findings;
}

/**
 * Removes CML's reporting from a workflow file: steps that use `iterative/setup-cml`, and the lines of
 * `run:` scripts that call CML to comment, check or publish (a step left with no command is removed).
 * Comments and everything else are kept. Returns the new text and what was removed.
 */
export function removeCmlReporting(text: string): { text: string; removed: string[] } {
  const doc = parseDocument(text);
  const removed: string[] = [];
  const jobs = doc.get("jobs");
  if (!isMap(jobs)) return { text, removed };
  for (const job of (jobs as YAMLMap).items) {
    const steps = isMap(job.value) ? (job.value as YAMLMap).get("steps") : undefined;
    if (!isSeq(steps)) continue;
    const seq = steps as YAMLSeq;
    for (let i = seq.items.length - 1; i >= 0; i--) {
      const step = seq.items[i];
      if (!isMap(step)) continue;
      const uses = step.get("uses");
      if (typeof uses === "string" && uses.startsWith("iterative/setup-cml")) {
        removed.push(`step "uses: ${uses}"`);
        seq.items.splice(i, 1);
        continue;
      }
      const run = step.get("run", true);
      if (!isScalar(run) || typeof (run as Scalar).value !== "string") continue;
      const script = (run as Scalar<string>).value;
      const kept = script.split("\n").filter((line) => {
        if (!CML_REPORT.test(line) || /^\s*#/.test(line)) return true;
        removed.push(line.trim());
        return false;
      });
      if (kept.length === script.split("\n").length) continue;
      if (kept.every((line) => line.trim() === "" || /^\s*#/.test(line))) seq.items.splice(i, 1);
      else (run as Scalar<string>).value = kept.join("\n");
    }
  }
  return {
    text: removed.length > 0 ? doc.toString({ lineWidth: 0, flowCollectionPadding: false }) : text,
    removed,
  };
}
