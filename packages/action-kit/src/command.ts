import { spawn } from "node:child_process";
import { CommandFailed } from "@mlops/core";
import type { Logger } from "./runtime.js";

export interface CommandResult {
  exitCode: number;
  durationMs: number;
}

/**
 * Runs a user command (training, deploy, health check) through bash with `-eo pipefail`, streaming its
 * output live to the log line by line. Resolves with the exit code; never throws for a non-zero exit
 * (see `runCommandOrFail`).
 */
export function runCommand(
  command: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; log: Logger; timeoutMs?: number },
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            options.log.error(`Command timed out after ${options.timeoutMs} ms: ${command}`);
            child.kill("SIGTERM");
          }, options.timeoutMs);
    const forward = (stream: NodeJS.ReadableStream) => {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) options.log.info(line);
      });
      stream.on("end", () => {
        if (pending) options.log.info(pending);
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), durationMs: Math.round(performance.now() - started) });
    });
  });
}

/** `runCommand`, failing with `CommandFailed` (exit code in the message) on a non-zero exit. */
export async function runCommandOrFail(
  what: string,
  command: string,
  options: Parameters<typeof runCommand>[1],
): Promise<CommandResult> {
  const result = await runCommand(command, options);
  if (result.exitCode !== 0) {
    throw new CommandFailed(`${what} failed with exit code ${result.exitCode}: ${command}`, result.exitCode);
  }
  return result;
}
