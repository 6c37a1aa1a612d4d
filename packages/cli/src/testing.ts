// Test support, imported as `@mlops/cli/testing` (the CLI tests and the adoption end-to-end test): run `mlops` in-process and capture what it prints.
import type { CliIo } from "./io.js";
import { runCli } from "./main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The directory `mlops` runs in. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  interactive?: boolean;
}

/** `mlops ARGS` in-process, with its stdout and stderr lines joined by newlines. */
export async function runCliCaptured(
  args: string[],
  { cwd, env = {}, interactive = false }: CliOptions,
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    interactive,
    cwd,
    env,
  };
  const code = await runCli(args, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}
