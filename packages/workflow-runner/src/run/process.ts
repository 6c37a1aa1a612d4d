import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface SpawnResult {
  exitCode: number;
  timedOut: boolean;
  /** Spawning failed (e.g. the interpreter does not exist). */
  error?: string;
}

/** Process groups of running steps: killed if this process exits first (steps run detached). */
const running = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pid of running) killGroup(pid);
  });
}

/** Runs a command, feeding each stdout/stderr line to `onLine`; kills its process group on timeout. */
export function runProcess(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs?: number;
    onLine: (line: string) => void;
    /** Aborted when the job is cancelled: the step's process group is killed. */
    signal?: AbortSignal;
  },
): Promise<SpawnResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    installExitHook();
    if (child.pid !== undefined) running.add(child.pid);
    let timedOut = false;
    let spawnError: string | undefined;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            if (child.pid !== undefined) killGroup(child.pid);
          }, options.timeoutMs)
        : undefined;
    const onAbort = () => {
      if (child.pid !== undefined) killGroup(child.pid);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    const streams = [child.stdout, child.stderr].map((stream) => {
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on("line", options.onLine);
      return new Promise<void>((done) => lines.on("close", done));
    });
    let settled = false;
    const settle = (result: SpawnResult) => {
      if (settled) return;
      settled = true;
      if (child.pid !== undefined) running.delete(child.pid);
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolvePromise(result);
    };
    child.on("error", (error) => {
      spawnError = error.message;
      if (child.pid === undefined) settle({ exitCode: 127, timedOut: false, error: spawnError });
    });
    child.on("close", async (code, signal) => {
      await Promise.all(streams);
      const result: SpawnResult = { exitCode: code ?? (signal ? 128 : 1), timedOut };
      if (spawnError !== undefined) result.error = spawnError;
      settle(result);
    });
  });
}
