import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "@mlops/core";
import { mergeProfiles, type Profile, parseProfile, profileFiles, totalSize } from "@mlops/monitor";
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { configOptions, progressBar } from "./monitor.js";

export function registerProfileCommand(program: Command, io: CliIo): void {
  program
    .command("profile")
    .description(
      "Build a reference profile from data files (CSV, JSONL, Parquet, .gz) and/or merge shard profiles (.json)",
    )
    .argument("<inputs...>", "data files to profile and/or profile JSON files to merge")
    .requiredOption("-o, --output <file>", "where to write the profile JSON")
    .option("--config <file>", "mlops.yml: declared column types and label/prediction columns")
    .option("--model <name>", "model in the config (default: the only one)")
    .action(async (inputs: string[], flags) => {
      const paths = inputs.map((p) => existingPath(io.cwd, p, "input file"));
      const shards = paths.filter((p) => p.toLowerCase().endsWith(".json"));
      const data = paths.filter((p) => !p.toLowerCase().endsWith(".json"));
      const options = configOptions(io.cwd, flags.config, flags.model);
      let profile: Profile | undefined;
      if (data.length) {
        const totalBytes = await totalSize(data);
        const bar = progressBar(io, "profile");
        profile = await profileFiles(
          data,
          {
            ...(options.types ? { types: options.types } : {}),
            ...(options.performance ? { performance: options.performance } : {}),
          },
          (p) => bar.update({ ...p, totalBytes }),
        ).finally(() => bar.done());
      }
      for (const shard of shards) {
        const next = parseProfile(readFileSync(shard, "utf8"), shard);
        profile = profile ? mergeProfiles(profile, next) : next;
      }
      if (!profile) throw new InputError("no inputs to profile");
      writeFileSync(resolve(io.cwd, flags.output), `${JSON.stringify(profile)}\n`);
      const columns = Object.entries(profile.columns).map(([n, c]) => `${n} (${c.type})`);
      io.stderr(`profiled ${profile.rows} rows, ${columns.length} columns: ${columns.join(", ")}`);
    });
}
