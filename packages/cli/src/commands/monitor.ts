import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { findModel, GateFailed, InputError, loadConfig } from "@mlops/core";
import {
  DRIFT_TESTS,
  type DriftTest,
  driftedColumnsLine,
  driftHeadline,
  driftIcon,
  type MonitorOptions,
  monitor,
  monitorOptionsFromConfig,
  normalizeDelimiter,
  type Profile,
  type Progress,
  parseDriftTest,
  parseProfile,
  renderHtml,
  renderMarkdown,
} from "@mlops/monitor";
import type { Command } from "commander";
import type { CliIo } from "../io.js";

/**
 * A one-line progress bar on stderr (bytes read against the input size, rows, elapsed), drawn only when
 * stderr is a terminal and at most every 100 ms; `done()` clears it.
 */
export function progressBar(io: CliIo, label: string): { update(p: Progress): void; done(): void } {
  if (!io.interactive) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let last = 0;
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const share = p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : 0;
      const width = 24;
      const filled = Math.round(share * width);
      process.stderr.write(
        `\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${mb(p.bytes)}/${mb(p.totalBytes)} ${p.rows.toLocaleString("en-US")} rows ${((now - started) / 1000).toFixed(1)} s`,
      );
    },
    done() {
      process.stderr.write("\r\x1b[2K");
    },
  };
}

function driftTest(flag: string, value: string | undefined): DriftTest | undefined {
  if (value === undefined) return undefined;
  return parseDriftTest(value, flag);
}

/** The `monitoring:` options of the model in `--config` (optional unless given explicitly). */
export function configOptions(
  cwd: string,
  configPath: string | undefined,
  model: string | undefined,
): MonitorOptions {
  const path = resolve(cwd, configPath ?? "mlops.yml");
  if (configPath === undefined && !existsSync(path)) return {};
  return monitorOptionsFromConfig(findModel(loadConfig(path), model, path).monitoring);
}

/** The CSV layout flags of `mlops monitor` and `mlops profile` (they override mlops.yml's monitoring section). */
export function layoutFlags(command: Command): Command {
  return command
    .option(
      "--delimiter <delimiter>",
      'CSV field delimiter: one character (",", ";", "|"), tab, or whitespace (runs of spaces and tabs, as numpy.savetxt writes)',
    )
    .option("--header", "the CSV files start with a header line (even one of numbers)")
    .option("--no-header", "the CSV files have no header line (name the columns with --columns)")
    .option(
      "--columns <names>",
      "column names of header-less CSV files, comma-separated (implies --no-header)",
    )
    .option("--max-line-bytes <n>", "longest line of a data file, in bytes (default 16777216 = 16 MiB)")
    .option(
      "--max-decompressed-bytes <n>",
      "most bytes a .gz data file may decompress to (default 8589934592 = 8 GiB)",
    )
    .option("--max-columns <n>", "most columns a data file may have (default 2000)");
}

/** A positive whole number of a reader-bound flag. */
function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new InputError(`${flag}: expected a positive whole number, got "${value}"`);
  return n;
}

/** Applies the layout flags (see {@link layoutFlags}) on top of the config's options. */
export function applyLayoutFlags(
  options: MonitorOptions,
  flags: {
    delimiter?: string;
    header?: boolean;
    columns?: string;
    maxLineBytes?: string;
    maxDecompressedBytes?: string;
    maxColumns?: string;
  },
): MonitorOptions {
  if (flags.maxLineBytes !== undefined)
    options.maxLineBytes = positiveInt("--max-line-bytes", flags.maxLineBytes);
  if (flags.maxDecompressedBytes !== undefined)
    options.maxDecompressedBytes = positiveInt("--max-decompressed-bytes", flags.maxDecompressedBytes);
  if (flags.maxColumns !== undefined) options.maxColumns = positiveInt("--max-columns", flags.maxColumns);
  if (flags.delimiter !== undefined) options.delimiter = normalizeDelimiter(flags.delimiter, "--delimiter");
  if (flags.columns !== undefined) {
    if (flags.header === true)
      throw new InputError("--columns names the columns of header-less files: drop --header");
    const names = flags.columns.split(",").map((n) => n.trim());
    if (names.some((n) => n === ""))
      throw new InputError(`--columns: expected comma-separated column names, got "${flags.columns}"`);
    options.header = false;
    options.columnNames = names;
  } else if (flags.header !== undefined) {
    options.header = flags.header;
    if (flags.header) delete options.columnNames;
  }
  return options;
}

export function registerMonitorCommand(program: Command, io: CliIo): void {
  const command = program
    .command("monitor")
    .description(
      "Compare current data with reference data or a reference profile: drift per column, performance",
    )
    .requiredOption(
      "--reference <file>",
      "reference data (CSV, JSONL, Parquet, optionally .gz) or profile JSON",
    )
    .requiredOption("--current <files...>", "current data files")
    .option("--config <file>", "mlops.yml with the model's monitoring section (types, tests, thresholds)")
    .option("--model <name>", "model in the config (default: the only one)");
  layoutFlags(command)
    .option("--stattest <name>", `test for every column: ${DRIFT_TESTS.join(", ")}`)
    .option("--stattest-numerical <name>", "test for numerical columns")
    .option("--stattest-categorical <name>", "test for categorical columns")
    .option("--threshold <number>", "p-value or distance threshold")
    .option("--drift-share <number>", "share of drifted columns that means dataset drift (default 0.5)")
    .option("--correction <name>", "multiple-testing correction: none, bonferroni or bh")
    .option("--format <format>", "markdown, json or html", "markdown")
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option("--fail-on-drift", "exit 1 when the dataset drifted (share of drifted columns ≥ the threshold)")
    .option("--fail-on-column-drift", "exit 1 when any column drifted")
    .action(async (flags) => {
      if (!["markdown", "json", "html"].includes(flags.format))
        throw new InputError(`--format: expected markdown, json or html, got "${flags.format}"`);
      if (flags.correction !== undefined && !["none", "bonferroni", "bh"].includes(flags.correction))
        throw new InputError(`--correction: expected none, bonferroni or bh, got "${flags.correction}"`);
      const options = applyLayoutFlags(configOptions(io.cwd, flags.config, flags.model), flags);
      const test = driftTest("--stattest", flags.stattest);
      const numerical = driftTest("--stattest-numerical", flags.stattestNumerical);
      const categorical = driftTest("--stattest-categorical", flags.stattestCategorical);
      if (test) options.test = test;
      if (numerical) options.testNumerical = numerical;
      if (categorical) options.testCategorical = categorical;
      const number = (flag: string, value: string | undefined) => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0)
          throw new InputError(`${flag}: expected a non-negative number, got "${value}"`);
        return n;
      };
      const threshold = number("--threshold", flags.threshold);
      const share = number("--drift-share", flags.driftShare);
      if (threshold !== undefined) options.threshold = threshold;
      if (share !== undefined) options.driftShare = share;
      if (flags.correction) options.correction = flags.correction;
      const refPath = resolve(io.cwd, flags.reference as string);
      const reference: string[] | Profile = refPath.toLowerCase().endsWith(".json")
        ? parseProfile(readFileSync(refPath, "utf8"), flags.reference)
        : [refPath];
      const bar = progressBar(io, "monitor");
      const {
        report,
        reference: refProfile,
        current,
      } = await monitor(
        reference,
        (flags.current as string[]).map((c) => resolve(io.cwd, c)),
        { ...options, workers: true },
        (p) => bar.update(p),
      ).finally(() => bar.done());
      const profiles = { reference: refProfile, current };
      const text =
        flags.format === "json"
          ? JSON.stringify(report, null, 2)
          : flags.format === "html"
            ? renderHtml(report, { profiles })
            : renderMarkdown(report, { profiles });
      if (flags.output)
        writeFileSync(resolve(io.cwd, flags.output), text.endsWith("\n") ? text : `${text}\n`);
      else io.stdout(text);
      // the verdict on stderr whatever the format: drifted columns are named even below the dataset threshold
      const drifted = report.columns.filter((c) => c.drifted);
      io.stderr(
        `${driftIcon(report)} ${driftHeadline(report)}${drifted.length ? `: ${driftedColumnsLine(report).replace(/`/g, "")}` : ""}`,
      );
      if (flags.failOnDrift && report.dataset_drift)
        throw new GateFailed(
          `dataset drift: ${drifted.length} of ${report.columns.length} columns drifted (share ${report.drift_share.toFixed(3)} ≥ ${report.drift_share_threshold})`,
        );
      if (flags.failOnColumnDrift && drifted.length)
        throw new GateFailed(`${drifted.length} of ${report.columns.length} columns drifted`);
    });
}
