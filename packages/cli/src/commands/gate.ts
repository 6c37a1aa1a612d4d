import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  collectGateRules,
  gateVerdictLine,
  InputError,
  loadMetricsFile,
  type PerExampleInput,
  renderGateReport,
  ruleOutcomeFlags,
  runGate,
} from "@mlops/core";
import type { Command } from "commander";
import { EXIT_FINDING, ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { loadModelConfig } from "./shared.js";

export function registerGateCommand(program: Command, io: CliIo): void {
  program
    .command("gate")
    .description("Evaluate gate rules on a metrics file, optionally against a baseline")
    .requiredOption("--metrics <file>", "metrics of the candidate")
    .option("--baseline <file>", "metrics of the baseline (none: first-model mode)")
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
    .action((flags) => {
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
      const baseline = flags.baseline
        ? loadMetricsFile(existingPath(io.cwd, flags.baseline, "baseline metrics file")).metrics
        : undefined;
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
            ...(baseline ? { baseline, baselineLabel: flags.baseline } : {}),
          }),
        );
      }
      if (!run.passed) throw new ExitWith(EXIT_FINDING);
    });
}
