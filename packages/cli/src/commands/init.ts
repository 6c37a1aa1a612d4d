import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { InputError } from "@mlops/core";
import type { Command } from "commander";
import { Document, parseDocument } from "yaml";
import type { CliIo } from "../io.js";
import { TOOLKIT_ROOT, TOOLKIT_VERSION } from "../toolkit.js";

/** Where the starter templates live: the toolkit's own `workflows/` folder (one source of truth). */
const TEMPLATE_DIR = join(TOOLKIT_ROOT, "workflows");

export type Language = "python" | "node";

export interface InitAnswers {
  model: string;
  language: Language;
  trainCommand: string;
  metrics: string[];
  artifacts: string[];
}

export interface InitOptions {
  dir: string;
  force: boolean;
  ref: string;
  defaultBranch: string;
}

export interface WrittenFile {
  path: string;
  action: "created" | "unchanged" | "overwritten" | "skipped";
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

function defaultsFor(language: Language, dir: string): Omit<InitAnswers, "model" | "language"> {
  return language === "python"
    ? { trainCommand: "python train.py", metrics: ["metrics.json"], artifacts: ["model/**"] }
    : {
        trainCommand: existsSync(join(dir, "package.json")) ? "npm run train" : "node train.js",
        metrics: ["metrics.json"],
        artifacts: ["model/**"],
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

export function renderConfig(answers: InitAnswers): string {
  const doc = new Document({
    version: 1,
    models: [
      {
        name: answers.model,
        train: { command: answers.trainCommand },
        metrics: answers.metrics,
        artifacts: answers.artifacts,
        gate: { rules: [] as string[] },
        environments: [{ name: "staging" }, { name: "production" }],
      },
    ],
  });
  doc.commentBefore =
    " mlops-actions configuration: https://github.com/mlops-actions/mlops-actions\n" +
    " Add metric goals under models[0].metric_specs and gate rules such as `accuracy >= 0.9` or\n" +
    " `f1 >= baseline - 0.01` under models[0].gate.rules.";
  return `# yaml-language-server: $schema=https://raw.githubusercontent.com/mlops-actions/mlops-actions/v${TOOLKIT_VERSION}/schema/mlops.schema.json\n${doc.toString()}`;
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
      if (doc.hasIn([...withPath, "setup-command"])) doc.setIn([...withPath, "setup-command"], "npm ci");
    }
  }
  return doc.toString({ lineWidth: 0 });
}

const TEMPLATES = ["mlops-pr-check.yml", "mlops-release.yml", "mlops-monitor.yml", "mlops-fork-report.yml"];

/** Writes mlops.yml and the workflows; never overwrites a different file without `force`. */
export async function writeProject(answers: InitAnswers, options: InitOptions): Promise<WrittenFile[]> {
  const files: [string, string][] = [["mlops.yml", renderConfig(answers)]];
  for (const template of TEMPLATES) {
    files.push([join(".github/workflows", template), renderWorkflow(template, answers, options)]);
  }
  const written: WrittenFile[] = [];
  for (const [path, content] of files) {
    const target = join(options.dir, path);
    const existing = existsSync(target) ? await readFile(target, "utf8") : undefined;
    if (existing === content) {
      written.push({ path, action: "unchanged" });
      continue;
    }
    if (existing !== undefined && !options.force) {
      written.push({ path, action: "skipped" });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
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

const NEXT_STEPS = `
Next steps:
  1. Commit mlops.yml and .github/workflows/mlops-*.yml.
  2. Settings → Actions → General → Workflow permissions: the workflows request exactly what they need
     per job (contents, pull-requests, checks, statuses, deployments, issues); keep the default read-only.
  3. Settings → Environments: create "staging" and "production"; add required reviewers to "production"
     so every production deploy waits for an approval.
  4. Secrets your training or deploy command needs go in repository or environment secrets.
  5. Open a pull request that changes the model: it gets one sticky comment with the metric diff.`;

export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command("init")
    .description("Set up mlops-actions in a repository: write mlops.yml and the workflow files")
    .option("--dir <path>", "repository root", ".")
    .option("--model <name>", "model name")
    .option("--language <python|node>", "project language (detected when omitted)")
    .option("--train-command <command>", "training command")
    .option("--metrics <file...>", "metric files the training writes")
    .option("--artifacts <glob...>", "model files to register")
    .option("--ref <ref>", "release of mlops-actions to pin the workflows to", `v${TOOLKIT_VERSION}`)
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
      const defaults = defaultsFor(lang, dir);
      const pick = async (value: string | undefined, question: string, fallback: string) =>
        value ?? (interactive ? ask(question, fallback) : fallback);
      const model = await pick(flags.model as string | undefined, "Model name", modelNameFrom(dir));
      if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(model)) {
        throw new InputError(
          `model name "${model}": expected lower-case letters, digits, '.', '_' or '-' (at most 63)`,
        );
      }
      const answers: InitAnswers = {
        model,
        language: lang,
        trainCommand: await pick(
          flags.trainCommand as string | undefined,
          "Training command",
          defaults.trainCommand,
        ),
        metrics:
          (flags.metrics as string[] | undefined) ??
          (await pick(undefined, "Metric files (comma-separated)", defaults.metrics.join(",")))
            .split(",")
            .map((s) => s.trim()),
        artifacts: (flags.artifacts as string[] | undefined) ?? defaults.artifacts,
      };
      const written = await writeProject(answers, {
        dir,
        force: Boolean(flags.force),
        ref: flags.ref as string,
        defaultBranch: defaultBranchOf(dir),
      });
      io.stdout(`Detected a ${lang} project; model "${model}", trained with \`${answers.trainCommand}\`.`);
      for (const file of written)
        io.stdout(`  ${file.action.padEnd(11)} ${relative(io.cwd, join(dir, file.path)) || file.path}`);
      if (written.some((file) => file.action === "skipped")) {
        io.stdout(
          "Some files exist with other content and were left alone; rerun with --force to overwrite them.",
        );
      }
      io.stdout(NEXT_STEPS);
    });
}
