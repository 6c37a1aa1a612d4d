import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  BASELINE_MODES,
  type BaselineMode,
  collectGateRules,
  gateVerdictLine,
  InputError,
  loadMetricsFile,
  type ModelConfig,
  type PerExampleInput,
  parseBaselineMode,
  renderGateReport,
  ruleOutcomeFlags,
  runGate,
  trainArtifactBase,
  validateModelName,
} from "@mlops/core";
import { type Baseline, type BaselineLog, resolveBaseline } from "@mlops/github";
import type { Command } from "commander";
import { EXIT_FINDING, ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { connectRepository, loadModelConfig } from "./shared.js";

interface BaselineFlags {
  baseline?: string;
  repo?: string;
  apiUrl?: string;
  model?: string;
}

/**
 * The baseline `--baseline` names, through the gate's one resolver (`resolveBaseline`, as the action):
 * a file (read locally), or a registry version (`production`, `@alias`, `v7`, `latest`) or `base-branch`
 * read from GitHub (`--repo`, a token from GITHUB_TOKEN / GH_TOKEN / `gh auth token`). A baseline that was
 * asked for and does not exist is one InputError line (exit 2), never a silent first-model run.
 */
async function cliBaseline(
  flags: BaselineFlags,
  io: CliIo,
  model: ModelConfig | undefined,
): Promise<Baseline | undefined> {
  const mode: BaselineMode =
    flags.baseline === undefined ? { kind: "none" } : parseBaselineMode(flags.baseline, "--baseline");
  if (mode.kind === "none") return undefined;
  if (mode.kind === "file") existingPath(io.cwd, mode.path, "baseline metrics file");
  // The base-branch baseline is another run's train artifact; the CLI has no artifact download (yet).
  if (mode.kind === "base-branch")
    throw new InputError(
      "--baseline base-branch: the CLI cannot read another run's artifacts yet; use production, @ALIAS, vN, latest or a metrics file (e.g. one downloaded with `gh run download`)",
    );
  const name = model?.name ?? flags.model;
  const remote = mode.kind !== "file";
  if (remote && !name)
    throw new InputError(`--baseline ${flags.baseline}: name the model (--model, or one model in mlops.yml)`);
  const modelName = validateModelName(name ?? "model");
  const github = remote ? connectRepository(flags, io) : undefined;
  const log: BaselineLog = {
    debug: () => {},
    info: (line) => io.stderr(line),
    notice: (line) => io.stderr(line),
    warning: (line) => io.stderr(`warning: ${line}`),
  };
  const tempDir = await mkdtemp(join(tmpdir(), "mlops-gate-baseline-"));
  try {
    return await resolveBaseline({
      mode: flags.baseline ?? "none",
      missing: "error",
      model: modelName,
      owner: github?.owner ?? "",
      repo: github?.repo ?? "",
      token: github?.token ?? "",
      baseBranch: undefined,
      workflowFile: undefined,
      artifactName: trainArtifactBase(modelName),
      perExample: undefined,
      cwd: io.cwd,
      tempDir,
      client: () => {
        if (!github) throw new InputError("--baseline: a local file needs no GitHub client");
        return github.client;
      },
      log,
    });
  } finally {
    // Registry metrics are read into memory; nothing downloaded is needed after the comparison.
    await rm(tempDir, { recursive: true, force: true });
  }
}

export function registerGateCommand(program: Command, io: CliIo): void {
  program
    .command("gate")
    .description("Evaluate gate rules on a metrics file, optionally against a baseline")
    .requiredOption("--metrics <file>", "metrics of the candidate")
    .option(
      "--baseline <mode>",
      `what to compare with (default: nothing, first-model mode): ${BASELINE_MODES.registry.syntax} (${BASELINE_MODES.registry.description}), a metrics file, none, or auto (@production, else none); base-branch is the action's only`,
    )
    .option("--repo <owner/name>", "repository of a registry baseline (default: $GITHUB_REPOSITORY)")
    .option("--api-url <url>", "GitHub API URL (the emulator, or GitHub Enterprise)")
    .option(
      "--rule <rule>",
      'a rule such as "f1 >= baseline - 0.01" (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--config <file>", "mlops.yml with gate rules")
    .option("--model <name>", "model in the config")
    .option("--per-example <file>", "per-example results of the candidate (CSV, for `significant` rules)")
    .option("--baseline-per-example <file>", "per-example results of the baseline (CSV)")
    .option(
      "--on-skipped <warn|fail>",
      "rules that could not be checked (no baseline): warn (pass, counted in the headline) or fail (default: gate.on_skipped in the config, else warn)",
    )
    .option("--format <format>", "markdown or json", "markdown")
    .action(async (flags) => {
      if (!["markdown", "json"].includes(flags.format))
        throw new InputError(`--format: expected markdown or json, got "${flags.format}"`);
      if (flags.onSkipped !== undefined && !["warn", "fail"].includes(flags.onSkipped))
        throw new InputError(`--on-skipped: expected warn or fail, got "${flags.onSkipped}"`);
      const { model, specs } = loadModelConfig(io.cwd, flags.config, flags.model);
      const configFile = resolve(io.cwd, flags.config ?? "mlops.yml");
      const rules = collectGateRules({
        specs,
        extra: flags.rule as string[],
        extraSource: "--rule",
        ...(model ? { model, configFile: flags.config ?? "mlops.yml" } : {}),
        ...(model && existsSync(configFile) ? { configText: readFileSync(configFile, "utf8") } : {}),
      });
      if (rules.length === 0)
        throw new InputError("no gate rules: pass --rule or declare models[].gate in the config");
      const head = loadMetricsFile(existingPath(io.cwd, flags.metrics, "metrics file")).metrics;
      const resolved = await cliBaseline(flags, io, model);
      const baseline = resolved?.metrics;
      let perExample: PerExampleInput | undefined;
      if (flags.perExample && flags.baselinePerExample) {
        const headFile = existingPath(io.cwd, flags.perExample, "per-example file");
        const baseFile = existingPath(io.cwd, flags.baselinePerExample, "per-example file");
        perExample = {
          head: { file: flags.perExample, text: readFileSync(headFile, "utf8") },
          baseline: { file: flags.baselinePerExample, text: readFileSync(baseFile, "utf8") },
        };
      }
      const run = runGate({
        head,
        rules,
        onSkipped: (flags.onSkipped as "warn" | "fail" | undefined) ?? model?.gate?.on_skipped ?? "warn",
        ...(baseline ? { baseline } : {}),
        ...(perExample ? { perExample } : {}),
      });
      if (flags.format === "json") {
        io.stdout(
          JSON.stringify(
            {
              passed: run.passed,
              baseline: resolved?.source ?? "none",
              verdict: gateVerdictLine(model?.name ?? flags.model ?? "model", run),
              rules: run.rules.map((r) => ({
                rule: r.rule,
                metric: r.metric,
                value: r.value,
                baseline: r.baseline,
                ...ruleOutcomeFlags(r.status),
                ...(r.skipReason ? { skip_reason: r.skipReason } : {}),
                message: r.message,
              })),
            },
            null,
            2,
          ),
        );
      } else {
        io.stdout(
          renderGateReport({
            model: model?.name ?? flags.model ?? "model",
            run,
            head,
            specs,
            headLabel: "Candidate",
            candidateLabel: flags.metrics,
            ...(resolved
              ? {
                  baseline: resolved.metrics,
                  baselineLabel: resolved.label,
                  ...(resolved.url ? { baselineUrl: resolved.url } : {}),
                }
              : {}),
          }),
        );
      }
      if (!run.passed) throw new ExitWith(EXIT_FINDING);
    });
}
