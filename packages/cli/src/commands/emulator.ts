import { resolve } from "node:path";
import { InputError } from "@mlops/core";
import type { Command } from "commander";
import type { CliIo } from "../io.js";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** How often the command checks that the process that started it is still there. */
const PARENT_POLL_MS = 250;

/**
 * Resolves (with the reason) when the emulator should stop: on SIGINT, SIGTERM or SIGHUP, or when the
 * process that started it went away. The second case is `pnpm mlops emulator` (or `pnpm mlops emulator &`
 * in a script) whose pnpm gets the signal: pnpm dies without passing it on to the script's shell and node,
 * which the system then re-parents; without this check they would go on serving the port.
 */
export function stopRequested(parent = process.ppid, pollMs = PARENT_POLL_MS): Promise<string> {
  return new Promise((done) => {
    const handlers = new Map<NodeJS.Signals, () => void>();
    const finish = (reason: string) => {
      clearInterval(timer);
      for (const [signal, handler] of handlers) process.off(signal, handler);
      done(reason);
    };
    for (const signal of STOP_SIGNALS) {
      const handler = () => finish(signal);
      handlers.set(signal, handler);
      process.once(signal, handler);
    }
    const timer = setInterval(() => {
      if (process.ppid !== parent) finish(`its parent process ${parent} exited`);
    }, pollMs);
  });
}

export function registerEmulatorCommand(program: Command, io: CliIo): void {
  program
    .command("emulator")
    .description("Serve the local GitHub emulator (for tests and demos); prints its base URL first")
    .option("--port <n>", "port (default: any free port)", "0")
    .option("--state <dir>", "persist state in this directory")
    .action(async (flags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new InputError(`--port: expected a port number, got "${flags.port}"`);
      // Loaded only here: the emulator is a development tool, not part of the product's code paths.
      const { startEmulator } = await import("@mlops/github-emulator");
      const stop = stopRequested();
      const emulator = await startEmulator({
        port,
        ...(flags.state ? { stateDir: resolve(io.cwd, flags.state) } : {}),
      });
      io.stdout(emulator.url);
      const reason = await stop;
      await emulator.close();
      io.stderr(`emulator at ${emulator.url} stopped (${reason})`);
    });
}
