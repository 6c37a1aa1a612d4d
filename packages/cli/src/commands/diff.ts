import { diffMetrics, InputError, loadMetricsFile, renderMetricDiffTable } from "@mlops/core";
import type { Command } from "commander";
import { EXIT_FINDING, ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { loadModelConfig } from "./shared.js";

export function registerDiffCommand(program: Command, io: CliIo): void {
  program
    .command("diff")
    .description("Compare two metric files (JSON, YAML, CSV, nested) metric by metric")
    .argument("<base>", "metrics of the baseline")
    .argument("<head>", "metrics of the candidate")
    .option("--config <file>", "mlops.yml with metric goals, units, precision and tolerances")
    .option("--model <name>", "model in the config (default: the only one)")
    .option("--format <format>", "markdown or json", "markdown")
    .option("--fail-on-regression", "exit 1 when any metric regressed")
    .action((basePath: string, headPath: string, flags) => {
      if (!["markdown", "json"].includes(flags.format))
        throw new InputError(`--format: expected markdown or json, got "${flags.format}"`);
      const { specs } = loadModelConfig(io.cwd, flags.config, flags.model);
      const base = loadMetricsFile(existingPath(io.cwd, basePath, "metrics file"));
      const head = loadMetricsFile(existingPath(io.cwd, headPath, "metrics file"));
      for (const leaf of [
        ...base.nonNumeric.map((l) => ({ ...l, file: basePath })),
        ...head.nonNumeric.map((l) => ({ ...l, file: headPath })),
      ]) {
        io.stderr(
          `warning: ${leaf.file}: "${leaf.path}" is not a number (${JSON.stringify(leaf.value)}); left out of the diff`,
        );
      }
      const diffs = diffMetrics(base.metrics, head.metrics, specs);
      if (flags.format === "json") {
        io.stdout(
          JSON.stringify(
            {
              metrics: diffs.map(({ name, base, head, delta, relative, verdict }) => ({
                name,
                base,
                head,
                delta,
                relative,
                verdict,
              })),
            },
            null,
            2,
          ),
        );
      } else {
        io.stdout(renderMetricDiffTable(diffs, specs));
      }
      if (flags.failOnRegression && diffs.some((d) => d.verdict === "regressed"))
        throw new ExitWith(EXIT_FINDING);
    });
}
