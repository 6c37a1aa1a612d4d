/** Where commands write; replaced in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
  /** The directory the user ran `mlops` in: every relative path of a command is resolved against it. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The directory the user ran the command in. Through the checkout's `pnpm mlops …` script (also
 * `pnpm --dir ~/mlops-actions mlops …`, or from a subfolder of the checkout), pnpm and npm start the script in
 * the repository root and keep the user's directory in `INIT_CWD`; any other way, it is the process's own.
 * (Only for the `mlops` script: a process merely started under another script, such as `pnpm test`, inherits
 * an `INIT_CWD` that is not its directory.)
 */
export function invocationDir(env: NodeJS.ProcessEnv, cwd: string): string {
  return env.npm_lifecycle_event === "mlops" && env.INIT_CWD ? env.INIT_CWD : cwd;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    interactive: Boolean(process.stderr.isTTY),
    cwd: invocationDir(process.env, process.cwd()),
    env: process.env,
  };
}
