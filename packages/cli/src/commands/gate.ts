import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BASELINE_MODES,
  type BaselineMode,
  decideFromSetup,
  type GateDecision,
  type GateSetup,
  gateJsonText,
  InputError,
  joinPlots,
  NO_BUDGET,
  parseBaselineMode,
  predictionPlotsOf,
  prepareGate,
  trainArtifactBase,
} from "@mlops/core";
import {
  type Baseline,
  type BaselineLog,
  type GitHubClient,
  resolveBaseline,
  restRunArtifactReader,
  withGitHubErrors,
} from "@mlops/github";
import type { Command } from "commander";
import { EXIT_FINDING, ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { PR_CHECK_TEMPLATE } from "./init.js";
import { connectRepository } from "./shared.js";

/** The repository's default branch (one call): where `base-branch` looks unless `--base-branch` says. */
async function defaultBranch(client: GitHubClient, where: { owner: string; repo: string }): Promise<string> {
  return withGitHubErrors({ operation: "read the repository's default branch", ...where }, async () => {
    const { data } = await client.request("GET /repos/{owner}/{repo}", where);
    return data.default_branch;
  });
}

export interface BaselineFlags {
  baseline?: string;
  repo?: string;
  apiUrl?: string;
  baseBranch?: string;
  /** The workflow whose push runs train the base-branch baseline (default: the PR check template's). */
  workflow?: string;
}

/** gate.json as the CLI prints it (`--format json`): no pull request, no trailing newline. */
export function cliGateJson(
  setup: Pick<GateSetup, "model">,
  evaluation: GateDecision,
  baseline: Pick<Baseline, "source"> | undefined,
): string {
  return gateJsonText({
    model: setup.model,
    evaluation,
    baselineSource: baseline?.source,
    pullRequest: undefined,
  }).trimEnd();
}

/**
 * The baseline `--baseline` names, through the gate's one resolver (`resolveBaseline`, as the action):
 * a file (read locally), a registry version (`production`, `@alias`, `v7`, `latest`), or `base-branch`: the
 * train artifact of the newest successful push run of `--workflow` on `--base-branch` (default: the
 * repository's default branch), downloaded over REST (`restRunArtifactReader`). GitHub is read with `--repo`
 * and a token from GITHUB_TOKEN / GH_TOKEN / `gh auth token`. A baseline that was asked for and does not
 * exist is one InputError line (exit 2), never a silent first-model run.
 */
export async function cliBaseline(
  flags: BaselineFlags,
  io: CliIo,
  setup: GateSetup,
  name: string | undefined,
  tempDir: string,
): Promise<Baseline | undefined> {
  const mode: BaselineMode =
    flags.baseline === undefined ? { kind: "none" } : parseBaselineMode(flags.baseline, "--baseline");
  if (mode.kind === "none") return undefined;
  if (mode.kind === "file") existingPath(io.cwd, mode.path, "baseline metrics file");
  const remote = mode.kind !== "file";
  if (remote && !name)
    throw new InputError(`--baseline ${flags.baseline}: name the model (--model, or one model in mlops.yml)`);
  const github = remote ? connectRepository(flags, io) : undefined;
  const log: BaselineLog = {
    debug: () => {},
    info: (line) => io.stderr(line),
    notice: (line) => io.stderr(line),
    warning: (line) => io.stderr(`warning: ${line}`),
  };
  const branches = mode.kind === "base-branch" || mode.kind === "auto";
  return resolveBaseline({
    mode: flags.baseline ?? "none",
    missing: "error",
    model: setup.model,
    owner: github?.owner ?? "",
    repo: github?.repo ?? "",
    token: github?.token ?? "",
    baseBranch:
      github && branches ? (flags.baseBranch ?? (await defaultBranch(github.client, github))) : undefined,
    workflowFile: flags.workflow ?? PR_CHECK_TEMPLATE,
    artifactName: trainArtifactBase(setup.model),
    perExample: setup.configuredPerExample,
    cwd: io.cwd,
    tempDir,
    client: () => {
      if (!github) throw new InputError("--baseline: a local file needs no GitHub client");
      return github.client;
    },
    ...(github ? { artifacts: restRunArtifactReader(github.client) } : {}),
    log,
  });
}

/** The baseline's options (`--baseline` and where it is read), the same for `mlops gate` and `mlops sweep`. */
export function baselineOptions(command: Command): Command {
  return command
    .option(
      "--baseline <mode>",
      `what to compare with (default: nothing, first-model mode): ${BASELINE_MODES.registry.syntax} (${BASELINE_MODES.registry.description}), base-branch (the train artifact of the newest successful push run of --workflow on --base-branch), a metrics file, none, or auto (@production, else base-branch, else none)`,
    )
    .option(
      "--base-branch <branch>",
      "branch of the base-branch baseline (default: the repository's default branch)",
    )
    .option(
      "--workflow <file>",
      "workflow whose push runs train the base-branch baseline (its train artifact)",
      PR_CHECK_TEMPLATE,
    )
    .option("--repo <owner/name>", "repository of a registry baseline (default: $GITHUB_REPOSITORY)")
    .option("--api-url <url>", "GitHub API URL (the emulator, or GitHub Enterprise)");
}

export function registerGateCommand(program: Command, io: CliIo): void {
  baselineOptions(
    program
      .command("gate")
      .description("Evaluate gate rules on a metrics file, optionally against a baseline")
      .requiredOption(
        "--metrics <file>",
        "metrics of the candidate (a metrics file, a run.json or a train artifact's folder)",
      ),
  )
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
    .option(
      "--format <format>",
      "markdown (the report) or json (gate.json, as the action's report artifact)",
      "markdown",
    )
    .action(async (flags) => {
      if (!["markdown", "json"].includes(flags.format))
        throw new InputError(`--format: expected markdown or json, got "${flags.format}"`);
      if (flags.onSkipped !== undefined && !["warn", "fail"].includes(flags.onSkipped))
        throw new InputError(`--on-skipped: expected warn or fail, got "${flags.onSkipped}"`);
      if (flags.config !== undefined) existingPath(io.cwd, flags.config, "config file");
      // The action's steps (prepareGate, resolveBaseline, decideFromSetup, gateJsonText): same verdict,
      // report and gate.json for the same inputs.
      const setup = prepareGate({
        cwd: io.cwd,
        config: flags.config ?? "mlops.yml",
        metricsPath: existingPath(io.cwd, flags.metrics, "metrics file"),
        sweep: false,
        modelName: flags.model,
        defaultModel: "model",
        artifactName: undefined,
        rules: flags.rule as string[],
        rulesSource: "--rule",
        perExample: flags.perExample,
        noRules: { error: "no gate rules: pass --rule or declare models[].gate in the config" },
        log: { notice: (line) => io.stderr(line) },
      });
      const named = flags.model ?? setup.config.model?.name ?? setup.candidate?.manifest?.model;
      // Downloaded baselines (registry model.json, a run's artifact) live only for this comparison.
      const tempDir = await mkdtemp(join(tmpdir(), "mlops-gate-baseline-"));
      let passed: boolean;
      try {
        const resolved = await cliBaseline(flags, io, setup, named, tempDir);
        const baseline =
          resolved && flags.baselinePerExample
            ? { ...resolved, perExample: existingPath(io.cwd, flags.baselinePerExample, "per-example file") }
            : resolved;
        // The report's prediction plots, as the action draws them (the registry trend and `plots:` images
        // on the plots branch are the action's only: they need the run's PR and write access).
        const plots = joinPlots(
          predictionPlotsOf({
            model: setup.config.model,
            candidate: setup.candidatePerExample,
            baseline: baseline?.perExample,
            baselineLabel: baseline?.label,
            log: { info: () => {} },
          }),
          undefined,
        );
        const evaluation = decideFromSetup(setup, {
          baseline,
          onSkipped: flags.onSkipped as "warn" | "fail" | undefined,
          identity: { headLabel: "Candidate", candidateLabel: flags.metrics },
          ...(plots ? { plots } : {}),
          log: { info: () => {} }, // the report on stdout says it all
        });
        io.stdout(
          flags.format === "json"
            ? cliGateJson(setup, evaluation, baseline)
            : evaluation.render({ budget: NO_BUDGET }),
        );
        passed = evaluation.passed;
      } finally {
        await rm(tempDir, { recursive: true, force: true });
      }
      if (!passed) throw new ExitWith(EXIT_FINDING);
    });
}
