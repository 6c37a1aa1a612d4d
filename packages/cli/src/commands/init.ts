import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import {
  BASELINE_HOWTO,
  InputError,
  PROTECTED_ALIASES_DOC,
  SIGNING_DOC,
  validateModelName,
  versionTagRuleset,
} from "@mlops/core";
import type { Command } from "commander";
import { parseDocument } from "yaml";
import type { CliIo } from "../io.js";
import { TOOLKIT_ROOT, TOOLKIT_VERSION } from "../toolkit.js";
import {
  type CiFinding,
  type DataLayout,
  type Detected,
  dataLayout,
  findCiWorkflows,
  findDataFiles,
  findTrainScript,
  isSeeded,
  removeCmlReporting,
  scriptOutputs,
  setupCommandFor,
} from "./init-detect.js";

/** Where the starter templates live: the toolkit's own `workflows/` folder (one source of truth). */
const TEMPLATE_DIR = join(TOOLKIT_ROOT, "workflows");

export type Language = "python" | "node";

export interface InitAnswers {
  model: string;
  language: Language;
  trainCommand: string;
  metrics: string[];
  artifacts: string[];
  /** Command that installs the project's dependencies ("" for none). */
  setupCommand: string;
  /** Training data: the monitoring reference (profiled into each release). */
  referenceData?: string;
  /** How the reference data is laid out (header-less, whitespace-separated…). */
  layout?: DataLayout;
  /** Per-example results the training writes (for `significant` rules). */
  perExample?: string;
  /** False when the training script seeds nothing (metrics vary from run to run). */
  seeded?: boolean;
  /** The training script that was read, when one was found. */
  trainScript?: string;
}

export interface InitOptions {
  dir: string;
  force: boolean;
  ref: string;
  defaultBranch: string;
}

export interface WrittenFile {
  path: string;
  action: "created" | "unchanged" | "overwritten" | "skipped" | "kept";
}

/** Python when the project has Python files or manifests, Node when it has a package.json. */
export async function detectLanguage(dir: string): Promise<Language | undefined> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.some((name) => ["requirements.txt", "pyproject.toml", "setup.py", "Pipfile"].includes(name)))
    return "python";
  if (entries.includes("package.json")) return "node";
  if (entries.some((name) => name.endsWith(".py"))) return "python";
  return undefined;
}

/** Every default `init` can take, each with where it came from. */
export interface InitDefaults {
  model: Detected<string>;
  trainCommand: Detected<string>;
  metrics: Detected<string[]>;
  artifacts: Detected<string[]>;
  setupCommand: Detected<string>;
  referenceData: Detected<string | undefined>;
  perExample: Detected<string | undefined>;
  seeded: boolean | undefined;
  trainScript: string | undefined;
}

/** Reads the repository: training script (and what it writes), data files, dependencies. */
export function detectDefaults(dir: string, language: Language, trainCommand?: string): InitDefaults {
  const script = findTrainScript(dir, trainCommand);
  const text = script ? readFileSync(join(dir, script), "utf8") : "";
  const outputs = scriptOutputs(text);
  const command: Detected<string> =
    language === "python"
      ? script
        ? { value: `python ${script}`, origin: `${script} found` }
        : { value: "python train.py", origin: "no training script found: the usual name" }
      : existsSync(join(dir, "package.json"))
        ? { value: "npm run train", origin: "package.json" }
        : script
          ? { value: `node ${script}`, origin: `${script} found` }
          : { value: "node train.js", origin: "no training script found: the usual name" };
  const data = findDataFiles(dir);
  return {
    model: { value: modelNameFrom(dir), origin: "the folder name" },
    trainCommand: command,
    metrics:
      outputs.metrics.length > 0
        ? { value: outputs.metrics, origin: `written by ${script}` }
        : { value: ["metrics.json"], origin: "the usual name (not seen in the training script)" },
    artifacts:
      outputs.artifacts.length > 0
        ? { value: outputs.artifacts, origin: `written by ${script}` }
        : { value: ["model/**"], origin: "the usual folder (not seen in the training script)" },
    setupCommand: setupCommandFor(dir, language),
    referenceData: data[0]
      ? { value: data[0], origin: `data file found${data.length > 1 ? ` (of ${data.length})` : ""}` }
      : { value: undefined, origin: "no data file found" },
    perExample: outputs.perExample
      ? { value: outputs.perExample, origin: `written by ${script}` }
      : { value: undefined, origin: "none written by the training script" },
    seeded: script ? isSeeded(text) : undefined,
    trainScript: script,
  };
}

function modelNameFrom(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 63);
  return name || "model";
}

/** Where the export script writes production data, with the reference data's file type. */
export function currentDataGlob(answers: InitAnswers): string {
  const ext = answers.referenceData ? /(\.[a-z]+(\.gz)?)$/i.exec(answers.referenceData)?.[1] : undefined;
  return `production-data/*${ext ?? ".csv"}`;
}

const q = (value: string) => JSON.stringify(value);
const list = (values: readonly string[]) => `[${values.map(q).join(", ")}]`;

/** `mlops.yml`: the model, its training, gate, environments and monitoring, with the next edits as comments. */
export function renderConfig(answers: InitAnswers): string {
  const lines = [
    `# yaml-language-server: $schema=https://raw.githubusercontent.com/mlops-actions/mlops-actions/v${TOOLKIT_VERSION}/schema/mlops.schema.json`,
    "# mlops-actions configuration: https://github.com/mlops-actions/mlops-actions (written by `mlops init`)",
    "version: 1",
    "models:",
    `  - name: ${q(answers.model)}`,
    "    train:",
    `      command: ${q(answers.trainCommand)}`,
    `    metrics: ${list(answers.metrics)}`,
    `    artifacts: ${list(answers.artifacts)}`,
  ];
  if (answers.perExample) lines.push(`    per_example: ${q(answers.perExample)}`);
  lines.push(
    "    # Goals per metric (maximize/minimize), units and precision for the reports:",
    "    # metric_specs:",
    "    #   accuracy: { goal: maximize, precision: 4 }",
    "    gate:",
    "      # Rules such as `accuracy >= 0.9` or `f1 >= baseline - 0.01`. Until there is a baseline (run the PR",
    "      # check on the default branch once), rules that use `baseline` are skipped and counted as skipped;",
    "      # `on_skipped: fail` fails the gate instead.",
    "      on_skipped: warn",
  );
  if (answers.seeded === false)
    lines.push(
      `      # ${answers.trainScript} sets no random seed, so its metrics change from run to run: compare with a`,
      "      # noise-aware rule over per-example results, e.g. `accuracy >= baseline - 0.01 significant`, with",
      "      # per_example: predictions.csv (columns id,correct) written by the training.",
    );
  lines.push(
    "      rules: []",
    "    environments:",
    "      - name: staging",
    "      - name: production",
    "    monitoring:",
  );
  if (answers.referenceData)
    lines.push(
      "      # The data the model is trained on: `register` profiles it into each release, and the monitoring",
      "      # workflow compares production data with the profile of the version in production (`registry`).",
      `      reference: ${q(answers.referenceData)}`,
    );
  else
    lines.push(
      "      # No data file was found: set `reference` to the training data (a CSV, JSONL or Parquet file).",
      "      # reference: data/train.csv",
    );
  const layout = answers.layout;
  if (layout?.delimiter !== undefined || layout?.header === false) {
    lines.push(
      `      # How ${answers.referenceData} is laid out (read from its first line), for the reference and current data:`,
    );
    if (layout.delimiter !== undefined) lines.push(`      delimiter: ${q(layout.delimiter)}`);
    if (!layout.header)
      lines.push(
        "      header: false",
        `      # No header line: the ${layout.fields} columns are column_1 … column_${layout.fields}; name them in file order:`,
        `      # columns: [${Array.from({ length: Math.min(layout.fields, 4) }, (_, i) => `"name_${i + 1}"`).join(", ")}${layout.fields > 4 ? ", …" : ""}]`,
      );
  }
  lines.push(
    "      # Written by scripts/export-production-data.sh before each monitoring run:",
    `      current: [${q(currentDataGlob(answers))}]`,
  );
  return `${lines.join("\n")}\n`;
}

/** A starter template with its placeholders filled and the toolkit pinned to `ref`. */
export function renderWorkflow(templateName: string, answers: InitAnswers, options: InitOptions): string {
  const text = readFileSync(join(TEMPLATE_DIR, templateName), "utf8")
    .replaceAll("$default-branch", options.defaultBranch)
    .replaceAll("$cron-daily", "'17 6 * * *'")
    .replaceAll("@v1", `@${options.ref}`);
  const doc = parseDocument(text);
  const jobs = doc.get("jobs") as { items: { key: { value: string } }[] } | undefined;
  for (const job of jobs?.items ?? []) {
    const withPath = ["jobs", job.key.value, "with"];
    if (!doc.hasIn(withPath)) continue;
    if (doc.hasIn([...withPath, "train-command"]))
      doc.setIn([...withPath, "train-command"], answers.trainCommand);
    if (doc.hasIn([...withPath, "model-name"]) || doc.hasIn([...withPath, "train-command"])) {
      doc.setIn([...withPath, "model-name"], answers.model);
    }
    if (answers.language === "node") {
      doc.deleteIn([...withPath, "python-version"]);
      if (doc.hasIn([...withPath, "train-command"])) doc.setIn([...withPath, "node-version"], "20");
    }
    if (doc.hasIn([...withPath, "setup-command"])) {
      if (answers.setupCommand) doc.setIn([...withPath, "setup-command"], answers.setupCommand);
      else doc.deleteIn([...withPath, "setup-command"]);
    }
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The PR check template's file: its push runs on the default branch are the `base-branch` baseline. */
export const PR_CHECK_TEMPLATE = "mlops-pr-check.yml";

const TEMPLATES = [
  PR_CHECK_TEMPLATE,
  "mlops-release.yml",
  "mlops-monitor.yml",
  "mlops-fork-report.yml",
  "mlops-insights.yml",
];

/** The deploy command the release workflow runs: a stub that fails, naming itself, until it is edited. */
export const DEPLOY_STUB = `#!/usr/bin/env bash
# Deploy command of .github/workflows/mlops-release.yml (written by \`mlops init\`: replace the body).
# The deploy action downloads and verifies the registered model, then runs this script with:
#   MODEL_DIR           folder with the model files (checksums verified)
#   MODEL_NAME          the model's name
#   MODEL_VERSION       the version being deployed
#   MODEL_SHA256        sha256 of the version's model.json
#   DEPLOY_ENVIRONMENT  staging or production
# Exit non-zero to fail the deployment (the environment's alias then stays where it was).
set -euo pipefail
echo "deploy.sh is the stub written by mlops init: edit deploy.sh to deploy \${MODEL_NAME:-the model} v\${MODEL_VERSION:-?} from \\$MODEL_DIR to \${DEPLOY_ENVIRONMENT:-your environment}" >&2
exit 1
`;

/** The fetch command of the monitoring workflow: a stub that fails, naming itself, until it is edited. */
export function exportStub(answers: InitAnswers): string {
  return `#!/usr/bin/env bash
# Fetch command of .github/workflows/mlops-monitor.yml (written by \`mlops init\`: replace the body).
# Write the production data to compare with the reference into files that match monitoring.current in
# mlops.yml (${currentDataGlob(answers)}): e.g. yesterday's requests from your logs or warehouse, with the
# columns the model reads.
set -euo pipefail
mkdir -p production-data
echo "scripts/export-production-data.sh is the stub written by mlops init: edit it to write production data to ${currentDataGlob(answers)}" >&2
exit 1
`;
}

/** The scripts the workflows run; an existing one is the user's and is never replaced. */
export const SCRIPTS = ["deploy.sh", "scripts/export-production-data.sh"];

/** Writes mlops.yml, the workflows and the stub scripts; never overwrites a different file without `force`. */
export async function writeProject(answers: InitAnswers, options: InitOptions): Promise<WrittenFile[]> {
  const files: [string, string][] = [["mlops.yml", renderConfig(answers)]];
  for (const template of TEMPLATES) {
    files.push([join(".github/workflows", template), renderWorkflow(template, answers, options)]);
  }
  files.push(["deploy.sh", DEPLOY_STUB], ["scripts/export-production-data.sh", exportStub(answers)]);
  const written: WrittenFile[] = [];
  for (const [path, content] of files) {
    const target = join(options.dir, path);
    const existing = existsSync(target) ? await readFile(target, "utf8") : undefined;
    if (existing === content) {
      written.push({ path, action: "unchanged" });
      continue;
    }
    if (existing !== undefined && SCRIPTS.includes(path)) {
      written.push({ path, action: "kept" });
      continue;
    }
    if (existing !== undefined && !options.force) {
      written.push({ path, action: "skipped" });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    if (SCRIPTS.includes(path)) await chmod(target, 0o755);
    written.push({ path, action: existing === undefined ? "created" : "overwritten" });
  }
  return written;
}

function defaultBranchOf(dir: string): string {
  const head = join(dir, ".git/HEAD");
  if (!existsSync(head)) return "main";
  const match = /ref: refs\/heads\/(.+)/.exec(readFileSync(head, "utf8"));
  return match?.[1]?.trim() ?? "main";
}

async function ask(question: string, fallback: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [${fallback}]: `)).trim();
    return answer || fallback;
  } finally {
    rl.close();
  }
}

/** What to do about existing CML/DVC workflows: the lines, and whether `--replace-cml` removed them. */
export function ciAdvice(findings: readonly CiFinding[], replaced: ReadonlyMap<string, string[]>): string[] {
  const out: string[] = [];
  for (const finding of findings) {
    const cml = finding.lines.filter((l) => l.kind !== "dvc");
    const dvc = finding.lines.filter((l) => l.kind === "dvc");
    const removed = replaced.get(finding.file);
    if (cml.length > 0 && removed)
      out.push(
        `${finding.file}: removed its CML reporting (${removed.length} line${removed.length === 1 ? "" : "s"}): ${removed.map((r) => `\`${r}\``).join(", ")}.`,
        "  It still trains on every push; delete it once mlops-pr-check.yml reports on your pull requests.",
      );
    else if (cml.length > 0)
      out.push(
        `${finding.file} reports with CML on every push: with mlops-pr-check.yml, pull requests would get two reports.`,
        "  Rerun with --replace-cml to remove its CML steps, or remove these lines yourself:",
        ...cml.map((l) => `    ${finding.file}:${l.line}: ${l.text}`),
      );
    if (dvc.length > 0)
      out.push(
        `${finding.file} runs DVC (${dvc.map((l) => `line ${l.line}: \`${l.text}\``).join(", ")}).`,
        "  If training needs `dvc pull` or `dvc repro`, put them in setup-command/train-command of mlops-pr-check.yml and mlops-release.yml; `dvc metrics diff` is replaced by the PR comment.",
      );
  }
  return out;
}

/** The numbered next steps: every file to edit, the GitHub settings, how to get a baseline. */
export function nextSteps(
  answers: InitAnswers,
  written: readonly WrittenFile[],
  defaultBranch = "main",
): string {
  const steps: string[] = [];
  const stub = (path: string) =>
    written.find((f) => f.path === path && f.action !== "kept" && f.action !== "unchanged");
  if (stub("deploy.sh"))
    steps.push(
      "Edit deploy.sh: a stub that fails until it deploys $MODEL_DIR (the release workflow runs it for staging, then production).",
    );
  if (stub("scripts/export-production-data.sh"))
    steps.push(
      `Edit scripts/export-production-data.sh: a stub that fails until it writes production data to ${currentDataGlob(answers)} (the monitoring workflow runs it daily).`,
    );
  if (!answers.referenceData)
    steps.push(
      "Set monitoring.reference in mlops.yml to your training data file: each release profiles it for monitoring.",
    );
  if (answers.seeded === false)
    steps.push(
      `${answers.trainScript} sets no random seed, so its metrics vary from run to run: seed it (e.g. random_state=0), or have it write per-example results (per_example: predictions.csv with columns id,correct) and gate with a \`significant\` rule such as \`accuracy >= baseline - 0.01 significant\`.`,
    );
  steps.push(
    "Add gate rules under gate.rules in mlops.yml (e.g. `accuracy >= 0.9`, `f1 >= baseline - 0.01`); `mlops validate` checks the file.",
    `Commit mlops.yml, deploy.sh, scripts/export-production-data.sh and .github/workflows/mlops-*.yml.`,
    "Settings → Actions → General → Workflow permissions: keep the default read-only; the workflows request exactly what each job needs.",
    'Settings → Environments: create "staging" and "production"; add required reviewers to "production" so every production deploy waits for an approval.',
    `Protect @production: in mlops.yml set \`require_protection: true\` on the production environment (deploy then refuses to move @production while "production" has no required reviewers), and make versions immutable with a tag ruleset: \`gh api repos/OWNER/REPO/rulesets --input - <<< '${JSON.stringify(versionTagRuleset([answers.model]))}'\` (see ${PROTECTED_ALIASES_DOC}).`,
    `Signed versions: the register job of mlops-release.yml signs every version keyless (GitHub OIDC → Sigstore, plus an artifact attestation): its \`id-token: write\` and \`attestations: write\` permissions are all it needs. Add \`registry: { signing: { required: true } }\` to mlops.yml so that deploy refuses a version that is not signed by this repository's workflow; to sign with a key instead, set the MLOPS_SIGNING_KEY secret and registry.signing.public_key (see ${SIGNING_DOC}).`,
    `Get a baseline: ${BASELINE_HOWTO.replace(/^To get a baseline, r/, "r").replaceAll("`main`", `\`${defaultBranch}\``)} Until then, rules that use \`baseline\` are skipped (the headline counts them; gate.on_skipped: fail fails instead).`,
    "Open a pull request that changes the model: it gets one sticky comment with the metric diff and a check run. Merging it releases the model (mlops-release.yml also trains on each push to the default branch, next to the PR check's baseline run).",
  );
  return `\nNext steps:\n${steps.map((step, i) => `  ${i + 1}. ${step}`).join("\n")}`;
}

export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command("init")
    .description(
      "Set up mlops-actions in a repository: write mlops.yml, the workflow files and the scripts they run",
    )
    .option("--dir <path>", "repository root", ".")
    .option("--model <name>", "model name")
    .option("--language <python|node>", "project language (detected when omitted)")
    .option("--train-command <command>", "training command")
    .option("--metrics <file...>", "metric files the training writes")
    .option("--artifacts <glob...>", "model files to register")
    .option("--reference-data <file>", "training data: the monitoring reference")
    .option("--ref <ref>", "release of mlops-actions to pin the workflows to", `v${TOOLKIT_VERSION}`)
    .option(
      "--replace-cml",
      "remove the CML reporting steps of existing workflows (one reporter per pull request)",
    )
    .option("-y, --yes", "accept the detected defaults without asking")
    .option("--force", "overwrite files that differ")
    .action(async (flags) => {
      const dir = resolve(io.cwd, flags.dir as string);
      const language = ((flags.language as Language | undefined) ?? (await detectLanguage(dir))) as
        | Language
        | undefined;
      if (language !== undefined && language !== "python" && language !== "node") {
        throw new InputError(`--language: expected python or node, got "${language}"`);
      }
      const interactive = !flags.yes && Boolean(process.stdin.isTTY);
      const lang: Language =
        language ?? (interactive ? ((await ask("Language (python/node)", "python")) as Language) : "python");
      const found = detectDefaults(dir, lang, flags.trainCommand as string | undefined);
      const took: string[] = [];
      const pick = async (
        value: string | undefined,
        flag: string,
        question: string,
        fallback: Detected<string>,
      ): Promise<string> => {
        if (value !== undefined) return value;
        if (interactive) return ask(question, fallback.value);
        took.push(`  ${flag.padEnd(20)} ${fallback.value || '""'}  (${fallback.origin})`);
        return fallback.value;
      };
      const model = await pick(flags.model as string | undefined, "--model", "Model name", found.model);
      validateModelName(model);
      const listFlag = async (
        value: string[] | undefined,
        flag: string,
        question: string,
        d: Detected<string[]>,
      ) =>
        value ??
        (await pick(undefined, flag, question, { value: d.value.join(","), origin: d.origin }))
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
      const trainCommand = await pick(
        flags.trainCommand as string | undefined,
        "--train-command",
        "Training command",
        found.trainCommand,
      );
      const metrics = await listFlag(
        flags.metrics as string[] | undefined,
        "--metrics",
        "Metric files (comma-separated)",
        found.metrics,
      );
      const artifacts = await listFlag(
        flags.artifacts as string[] | undefined,
        "--artifacts",
        "Model files (comma-separated globs)",
        found.artifacts,
      );
      let referenceData = flags.referenceData as string | undefined;
      if (referenceData === undefined && found.referenceData.value !== undefined)
        referenceData = await pick(undefined, "--reference-data", "Training data for monitoring", {
          value: found.referenceData.value,
          origin: found.referenceData.origin,
        });
      else if (referenceData === undefined && !interactive)
        took.push(`  ${"--reference-data".padEnd(20)} (none)  (${found.referenceData.origin})`);
      const answers: InitAnswers = {
        model,
        language: lang,
        trainCommand,
        metrics,
        artifacts,
        setupCommand: found.setupCommand.value,
        ...(referenceData ? { referenceData } : {}),
        ...(referenceData && existsSync(join(dir, referenceData))
          ? (() => {
              const layout = dataLayout(join(dir, referenceData));
              return layout ? { layout } : {};
            })()
          : {}),
        ...(found.perExample.value ? { perExample: found.perExample.value } : {}),
        ...(found.seeded !== undefined ? { seeded: found.seeded } : {}),
        ...(found.trainScript ? { trainScript: found.trainScript } : {}),
      };
      if (!interactive)
        took.push(
          `  ${"setup-command".padEnd(20)} ${answers.setupCommand || '""'}  (${found.setupCommand.origin}; edit the workflows to change it)`,
        );

      // Existing CML/DVC workflows: one reporter per pull request.
      const ci = findCiWorkflows(dir);
      const replaced = new Map<string, string[]>();
      const cmlFiles = ci.filter((f) => f.lines.some((l) => l.kind !== "dvc"));
      let replaceCml = Boolean(flags.replaceCml);
      if (!replaceCml && interactive && cmlFiles.length > 0)
        replaceCml = /^y/i.test(
          await ask(
            `${cmlFiles.map((f) => f.file).join(", ")} report${cmlFiles.length === 1 ? "s" : ""} with CML on every push. Remove the CML steps (y/N)`,
            "N",
          ),
        );
      if (replaceCml)
        for (const finding of cmlFiles) {
          const path = join(dir, finding.file);
          const { text, removed } = removeCmlReporting(await readFile(path, "utf8"));
          if (removed.length > 0) {
            await writeFile(path, text);
            replaced.set(finding.file, removed);
          }
        }

      const defaultBranch = defaultBranchOf(dir);
      const written = await writeProject(answers, {
        dir,
        force: Boolean(flags.force),
        ref: flags.ref as string,
        defaultBranch,
      });
      io.stdout(`Detected a ${lang} project; model "${model}", trained with \`${answers.trainCommand}\`.`);
      if (took.length > 0)
        io.stdout(
          `Defaults taken (no questions asked; pass the flag or edit mlops.yml to change one):\n${took.join("\n")}`,
        );
      for (const file of written)
        io.stdout(`  ${file.action.padEnd(11)} ${relative(io.cwd, join(dir, file.path)) || file.path}`);
      if (written.some((file) => file.action === "kept"))
        io.stdout("Existing scripts (kept) are yours: init never replaces them, --force included.");
      if (written.some((file) => file.action === "skipped")) {
        io.stdout(
          "Some files exist with other content and were left alone; rerun with --force to overwrite them.",
        );
      }
      const advice = ciAdvice(ci, replaced);
      if (advice.length > 0) io.stdout(`\nExisting CI:\n${advice.map((line) => `  ${line}`).join("\n")}`);
      io.stdout(nextSteps(answers, written, defaultBranch));
    });
}
