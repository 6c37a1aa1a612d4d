import { loadConfig, protectionReport, signingReport } from "@mlops/core";
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";

export function registerValidateCommand(program: Command, io: CliIo): void {
  program
    .command("validate")
    .description("Check mlops.yml against its schema (errors name file, line and column)")
    .option("--config <file>", "config file", "mlops.yml")
    .action((flags) => {
      const path = existingPath(io.cwd, flags.config, "config file");
      const config = loadConfig(path);
      io.stdout(
        `${flags.config}: valid (${config.models.length} model${config.models.length === 1 ? "" : "s"}: ${config.models.map((m) => m.name).join(", ")})`,
      );
      // Protected aliases: which environments deploy checks, and production environments it does not.
      const protection = protectionReport(config);
      for (const line of protection.protectedLines) io.stdout(`protected: ${line}`);
      for (const note of protection.notes) io.stderr(note);
      // Signed versions: what deploy trusts, or a note that unsigned versions are deployed.
      const signing = signingReport(config);
      for (const line of signing.signingLines) io.stdout(line);
      for (const note of signing.notes) io.stderr(note);
    });
}
