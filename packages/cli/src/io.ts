/** Where commands write; replaced in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    interactive: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
    env: process.env,
  };
}
