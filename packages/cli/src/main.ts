import { Command, CommanderError } from "commander";
import { EXIT_OK, EXIT_USAGE, handleCliError } from "./exit-codes.js";
import { type CliIo, processIo } from "./io.js";
import { TOOLKIT_VERSION } from "./toolkit.js";

export type CommandRegistrar = (program: Command, io: CliIo) => void;

/**
 * Every command, in the order `--help` lists them, each loaded only when needed: a run of one command
 * imports that command's module alone (so `mlops --version` or `mlops diff` do not load Octokit, zod's
 * schemas of other commands, the workflow parser or the emulator).
 */
const COMMANDS: Record<string, () => Promise<CommandRegistrar>> = {
  diff: async () => (await import("./commands/diff.js")).registerDiffCommand,
  validate: async () => (await import("./commands/validate.js")).registerValidateCommand,
  gate: async () => (await import("./commands/gate.js")).registerGateCommand,
  sweep: async () => (await import("./commands/sweep.js")).registerSweepCommand,
  init: async () => (await import("./commands/init.js")).registerInitCommand,
  registry: async () => (await import("./commands/registry.js")).registerRegistryCommand,
  emulator: async () => (await import("./commands/emulator.js")).registerEmulatorCommand,
  local: async () => (await import("./commands/local.js")).registerLocalCommand,
  "run-workflow": async () => (await import("./commands/run-workflow.js")).registerRunWorkflowCommand,
  profile: async () => (await import("./commands/profile.js")).registerProfileCommand,
  monitor: async () => (await import("./commands/monitor.js")).registerMonitorCommand,
  insights: async () => (await import("./commands/insights.js")).registerInsightsCommand,
};

/** The commands `argv` needs: the one it names, none for `--version`, else all (help, unknown names). */
function commandsFor(argv: readonly string[] | undefined): string[] {
  const all = Object.keys(COMMANDS);
  if (argv === undefined) return all;
  const first = argv.find((arg) => !arg.startsWith("-"));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === undefined && (argv.includes("--version") || argv.includes("-V"))) return [];
  return all;
}

/** Builds the `mlops` program with the commands `argv` needs (all when it is not given). */
export async function buildProgram(io: CliIo, argv?: readonly string[]): Promise<Command> {
  const program = new Command("mlops")
    .description("Train, gate, register, deploy and monitor ML models inside GitHub.")
    .version(TOOLKIT_VERSION, "-V, --version", "print the version of mlops")
    .option("--debug", "print stack traces for errors")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // a usage error is one line, the hint on the same line (issue 19)
      outputError: (text, write) => write(`${text.trimEnd()} (run with --help for usage)\n`),
    });
  const names = commandsFor(argv);
  const registrars = await Promise.all(
    names.map((name) => (COMMANDS[name] as () => Promise<CommandRegistrar>)()),
  );
  for (const register of registrars) register(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns its exit code (0 success, 1 finding, 2 usage or input error). */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = await buildProgram(io, argv);
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
