import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "@mlops/core";
import {
  delimiterLabel,
  mergeProfiles,
  type Profile,
  parseProfile,
  profileFiles,
  type TableLayout,
  totalSize,
} from "@mlops/monitor";
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { applyLayoutFlags, configOptions, layoutFlags, progressBar } from "./monitor.js";

const layoutHint =
  "Declare how the files are laid out in mlops.yml's monitoring section (delimiter, header: false with columns: [names]) or pass --delimiter, --no-header and --columns.";

export function registerProfileCommand(program: Command, io: CliIo): void {
  const command = program
    .command("profile")
    .description(
      "Build a reference profile from data files (CSV, JSONL, Parquet, .gz) and/or merge shard profiles (.json)",
    )
    .argument("<inputs...>", "data files to profile and/or profile JSON files to merge")
    .requiredOption("-o, --output <file>", "where to write the profile JSON")
    .option("--config <file>", "mlops.yml: declared column types and label/prediction columns")
    .option("--model <name>", "model in the config (default: the only one)");
  layoutFlags(command).action(async (inputs: string[], flags) => {
    const paths = inputs.map((p) => existingPath(io.cwd, p, "input file"));
    const shards = paths.filter((p) => p.toLowerCase().endsWith(".json"));
    const data = paths.filter((p) => !p.toLowerCase().endsWith(".json"));
    const options = applyLayoutFlags(configOptions(io.cwd, flags.config, flags.model), flags);
    let profile: Profile | undefined;
    const layouts: TableLayout[] = [];
    if (data.length) {
      const totalBytes = await totalSize(data);
      const bar = progressBar(io, "profile");
      profile = await profileFiles(
        data,
        {
          ...(options.types ? { types: options.types } : {}),
          ...(options.performance ? { performance: options.performance } : {}),
          ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
          ...(options.header !== undefined ? { header: options.header } : {}),
          ...(options.columnNames ? { columnNames: options.columnNames } : {}),
          ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
          ...(options.maxDecompressedBytes !== undefined
            ? { maxDecompressedBytes: options.maxDecompressedBytes }
            : {}),
          ...(options.maxColumns !== undefined ? { maxColumns: options.maxColumns } : {}),
          onLayout: (layout) => layouts.push(layout),
        },
        (p) => bar.update({ ...p, totalBytes }),
      ).finally(() => bar.done());
      // a profile of nothing would only fail later, in monitoring: say so now, with what was read
      const empty = layouts.filter((l) => l.rows === 0 || l.columns.length === 0);
      if (empty.length)
        throw new InputError(
          `nothing to profile in ${empty.map((l) => `${l.file} (${l.columns.length} column(s), ${l.rows} row(s))`).join(", ")}`,
          { details: layoutHint },
        );
    }
    for (const shard of shards) {
      const next = parseProfile(readFileSync(shard, "utf8"), shard);
      profile = profile ? mergeProfiles(profile, next) : next;
    }
    if (!profile) throw new InputError("no inputs to profile");
    writeFileSync(resolve(io.cwd, flags.output), `${JSON.stringify(profile)}\n`);
    // values a numerical/datetime column could not read (text after the type sample) are said, never silent
    const columns = Object.entries(profile.columns).map(([n, c]) =>
      (c.type === "numerical" || c.type === "datetime") && c.invalid > 0
        ? `${n} (${c.type}; ${c.invalid} value(s) not ${c.type === "numerical" ? "numbers" : "dates"}, counted as invalid)`
        : `${n} (${c.type})`,
    );
    const read = layouts
      .filter((l) => l.format === "csv")
      .map(
        (l) =>
          `${l.file}: delimiter ${delimiterLabel(l.delimiter ?? ",")}, ${l.header ? "header line" : "no header"}`,
      );
    io.stderr(
      `profiled ${profile.rows} rows, ${columns.length} columns: ${columns.join(", ")}${read.length ? `\n${read.join("\n")}` : ""}`,
    );
    const tested = Object.values(profile.columns).filter(
      (c) => c.type === "numerical" || c.type === "categorical",
    );
    if (!tested.length)
      io.stderr(
        "warning: no numerical or categorical column: monitoring against this profile would compare nothing",
      );
  });
}
