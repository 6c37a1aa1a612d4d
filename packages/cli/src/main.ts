import { Command, CommanderError } from "commander";
import { registerDiffCommand } from "./commands/diff.js";
import { registerEmulatorCommand } from "./commands/emulator.js";
import { registerGateCommand } from "./commands/gate.js";
import { registerInitCommand } from "./commands/init.js";
import { registerMonitorCommand } from "./commands/monitor.js";
import { registerProfileCommand } from "./commands/profile.js";
import { registerRegistryCommand } from "./commands/registry.js";
import { registerRunWorkflowCommand } from "./commands/run-workflow.js";
import { registerValidateCommand } from "./commands/validate.js";
import { EXIT_OK, EXIT_USAGE, handleCliError } from "./exit-codes.js";
import { type CliIo, processIo } from "./io.js";

export type CommandRegistrar = (program: Command, io: CliIo) => void;

const registrars: CommandRegistrar[] = [
  registerDiffCommand,
  registerValidateCommand,
  registerGateCommand,
  registerInitCommand,
  registerRegistryCommand,
  registerEmulatorCommand,
  registerRunWorkflowCommand,
  registerProfileCommand,
  registerMonitorCommand,
];

/** Builds the `mlops` program; every command registers itself from `commands/`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("mlops")
    .description("Train, gate, register, deploy and monitor ML models inside GitHub.")
    .option("--debug", "print stack traces for errors")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  for (const register of registrars) register(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns its exit code (0 success, 1 finding, 2 usage or input error). */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return handleCliError(error, Boolean(program.opts().debug) || argv.includes("--debug"), io.stderr);
  }
}
