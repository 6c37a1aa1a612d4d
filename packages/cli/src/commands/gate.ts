import { resolve } from "node:path";
import { evaluateGate, InputError, loadMetricsFile, parseRule, structuredRules } from "@mlops/core";
import type { Command } from "commander";
import { EXIT_FINDING, ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
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
    .option("--format <format>", "markdown or json", "markdown")
    .action((flags) => {
      if (!["markdown", "json"].includes(flags.format))
        throw new InputError(`--format: expected markdown or json, got "${flags.format}"`);
      const { model, specs } = loadModelConfig(io.cwd, flags.config, flags.model);
      const rules = [
        ...(model?.gate?.rules ?? []).map(parseRule),
        ...structuredRules(model?.gate?.metrics ?? {}, specs),
        ...(flags.rule as string[]).map(parseRule),
      ];
      if (rules.length === 0)
        throw new InputError("no gate rules: pass --rule or declare models[].gate in the config");
      const head = loadMetricsFile(resolve(io.cwd, flags.metrics)).metrics;
      const baseline = flags.baseline ? loadMetricsFile(resolve(io.cwd, flags.baseline)).metrics : undefined;
      const result = evaluateGate({ head, rules, ...(baseline ? { baseline } : {}) });
      if (flags.format === "json") {
        io.stdout(
          JSON.stringify(
            {
              passed: result.passed,
              rules: result.rules.map((r) => ({
                rule: r.rule,
                metric: r.metric,
                value: r.value,
                baseline: r.baseline,
                passed: r.passed,
                message: r.message,
              })),
            },
            null,
            2,
          ),
        );
      } else {
        io.stdout(
          `${result.passed ? "✅ gate passed" : "❌ gate failed"}${result.firstModel ? " (first model: no baseline, absolute rules only)" : ""}`,
        );
        for (const r of result.rules)
          io.stdout(`  ${r.skipped ? "–" : r.passed ? "✓" : "✗"} ${r.rule}: ${r.message}`);
      }
      if (!result.passed) throw new ExitWith(EXIT_FINDING);
    });
}
