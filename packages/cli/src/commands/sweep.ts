import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decideFromSetup,
  formatNumber,
  type GateDecision,
  InputError,
  NO_BUDGET,
  prepareGate,
  readSweepFolder,
  type SweepValues,
  sweepCellOf,
} from "@mlops/core";
import type { Command } from "commander";
import { EXIT_FINDING, ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { baselineOptions, cliBaseline, cliGateJson } from "./gate.js";

const FORMATS = ["table", "markdown", "json"];

/** A cell of gate.json's `sweep.cells`. */
interface JsonCell {
  cell: string;
  name: string;
  values: SweepValues;
  rank?: number;
  value?: number;
  passed?: boolean;
  problem?: string;
}

/** The leaderboard as aligned text columns: rank, cell, the metric, the cell's gate, its values, why it is not ranked. */
function leaderboardTable(
  evaluation: GateDecision,
  baseline: { label: string; value: number | undefined } | undefined,
  precision: number,
): string {
  const sweep = evaluation.json.sweep as { metric: string; goal: string; mode: string; cells: JsonCell[] };
  const rows = [
    ["rank", "cell", sweep.metric, "gate", "values", "not ranked"],
    ...sweep.cells.map((c) => [
      c.rank !== undefined ? String(c.rank) : "–",
      c.name,
      c.value !== undefined ? formatNumber(c.value, { precision }) : "–",
      c.passed === undefined ? "–" : c.passed ? "passed" : "failed",
      sweepCellOf(c.values).label,
      c.problem ?? "",
    ]),
  ];
  if (baseline)
    rows.push([
      "",
      "baseline",
      baseline.value !== undefined ? formatNumber(baseline.value, { precision }) : "–",
      "",
      baseline.label,
      "",
    ]);
  // Without an unranked cell, no "not ranked" column.
  const columns = sweep.cells.some((c) => c.problem) ? 6 : 5;
  const table = rows.map((r) => r.slice(0, columns));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(...table.map((r) => [...(r[i] ?? "")].length)),
  );
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    evaluation.verdict,
    `ranked by ${sweep.metric} (${sweep.goal}), sweep.gate: ${sweep.mode}`,
    "",
    ...table.map(line),
  ].join("\n");
}

export function registerSweepCommand(program: Command, io: CliIo): void {
  baselineOptions(
    program
      .command("sweep")
      .description(
        "Rank a sweep's cells (a folder of metrics files or downloaded train artifacts) and gate them against a baseline, as evaluate-gate's sweep does",
      )
      .argument("<dir>", "one metrics file (JSON, YAML, CSV, run.json) or train artifact folder per cell"),
  )
    .option(
      "--rule <rule>",
      'a rule such as "f1 >= baseline - 0.01" (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--config <file>", "mlops.yml with gate rules, sweep.metric and sweep.gate")
    .option("--model <name>", "model in the config")
    .option(
      "--matrix <json>",
      "the sweep's matrix (evaluate-gate's sweep input): its cells missing from <dir> are listed as without result",
    )
    .option(
      "--on-skipped <warn|fail>",
      "rules that could not be checked (no baseline): warn or fail (default: gate.on_skipped in the config, else warn)",
    )
    .option(
      "--format <format>",
      "table (the leaderboard), markdown (the sweep report evaluate-gate posts) or json (gate.json)",
      "table",
    )
    .action(async (dir: string, flags) => {
      if (!FORMATS.includes(flags.format))
        throw new InputError(`--format: expected ${FORMATS.join(", ")}, got "${flags.format}"`);
      if (flags.onSkipped !== undefined && !["warn", "fail"].includes(flags.onSkipped))
        throw new InputError(`--on-skipped: expected warn or fail, got "${flags.onSkipped}"`);
      if (flags.config !== undefined) existingPath(io.cwd, flags.config, "config file");
      const folder = existingPath(io.cwd, dir, "sweep folder");
      // The action's steps: prepareGate (sweep: the ranking), resolveBaseline, decideFromSetup (decideSweepGate).
      const setup = prepareGate({
        cwd: io.cwd,
        config: flags.config ?? "mlops.yml",
        metricsPath: undefined,
        sweep: true,
        modelName: flags.model,
        defaultModel: "model",
        artifactName: undefined,
        rules: flags.rule as string[],
        rulesSource: "--rule",
        perExample: undefined,
        noRules: { error: "no gate rules: pass --rule or declare models[].gate in the config" },
        log: { notice: (line) => io.stderr(line) },
      });
      const read = readSweepFolder(folder, {
        matrixText: flags.matrix,
        // per-example results serve `significant` rules only (the CLI draws no plots)
        perExample: setup.significant ? setup.configuredPerExample : undefined,
      });
      // Downloaded baselines (registry model.json and per-example results, a run's artifact) live only
      // for this comparison.
      const tempDir = await mkdtemp(join(tmpdir(), "mlops-sweep-baseline-"));
      let evaluation: GateDecision;
      try {
        const baseline = await cliBaseline(
          flags,
          io,
          setup,
          flags.model ?? setup.config.model?.name,
          tempDir,
        );
        evaluation = decideFromSetup(setup, {
          baseline,
          onSkipped: flags.onSkipped as "warn" | "fail" | undefined,
          identity: { headLabel: "Cell", candidateLabel: `${dir.replace(/\/+$/, "")}/` },
          sweep: read,
          log: { info: () => {} }, // the leaderboard on stdout says it all
        });
        const metric = setup.ranking?.metric as string;
        const precision = setup.config.specs?.[metric]?.precision ?? 4;
        io.stdout(
          flags.format === "json"
            ? cliGateJson(setup, evaluation, baseline)
            : flags.format === "markdown"
              ? evaluation.render({ budget: NO_BUDGET })
              : leaderboardTable(
                  evaluation,
                  baseline ? { label: baseline.label, value: baseline.metrics[metric] } : undefined,
                  precision,
                ),
        );
      } finally {
        await rm(tempDir, { recursive: true, force: true });
      }
      if (evaluation.broken) io.stderr(`mlops: ${evaluation.broken}`);
      if (!evaluation.passed) throw new ExitWith(EXIT_FINDING);
    });
}
