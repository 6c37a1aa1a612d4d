import { resolve } from "node:path";
import { InputError } from "@mlops/core";
import type { Command } from "commander";
import type { CliIo } from "../io.js";

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
      const emulator = await startEmulator({
        port,
        ...(flags.state ? { stateDir: resolve(io.cwd, flags.state) } : {}),
      });
      io.stdout(emulator.url);
      await new Promise<void>((done) => {
        const stop = () => void emulator.close().then(done);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
