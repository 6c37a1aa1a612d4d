// `mlops emulator` stops serving when it is told to, also when the signal goes to the pnpm that started it
// (`pnpm mlops emulator &` … `kill $!`): pnpm does not pass signals on to the script it runs.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const started: ChildProcess[] = [];

afterEach(() => {
  // Each test's processes run in their own process group: end whatever is left of it.
  for (const child of started.splice(0)) {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
});

function start(
  command: string,
  args: string[],
): { child: ChildProcess; url: Promise<string>; stderr: () => string } {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("npm_") || name === "INIT_CWD") delete env[name];
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const url = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] as string);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before printing a URL: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

async function serving(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/rate_limit`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for the emulator to stop answering. */
async function stopsServing(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await serving(url))) return true;
    await sleep(200);
  }
  return false;
}

/** Waits up to `ms` for every process of the group `pgid` to have exited. */
async function groupEnds(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    await sleep(200);
  }
  return false;
}

/** Waits up to 10 s for the process's stderr to match (the line comes once the server has closed). */
async function said(stderr: () => string, pattern: RegExp): Promise<boolean> {
  for (let i = 0; i < 50 && !pattern.test(stderr()); i++) await sleep(200);
  return pattern.test(stderr());
}

describe("mlops emulator stops serving", () => {
  it("when the pnpm of `pnpm --dir <checkout> mlops emulator` alone gets SIGTERM (`kill $!`)", async () => {
    const run = start("pnpm", ["--dir", root, "-s", "mlops", "emulator"]);
    const url = await run.url;
    expect(await serving(url)).toBe(true);
    run.child.kill("SIGTERM"); // the pnpm process only
    expect(await stopsServing(url, 20_000)).toBe(true);
    // nothing of the process group is left running (no orphaned node still holding the port; its "stopped"
    // line may be lost with pnpm's pipe)
    expect(await groupEnds(run.child.pid as number, 20_000)).toBe(true);
  }, 60_000);

  it("on Ctrl-C (SIGINT to the process group of `pnpm mlops emulator`)", async () => {
    const run = start("pnpm", ["--dir", root, "-s", "mlops", "emulator"]);
    const url = await run.url;
    expect(await serving(url)).toBe(true);
    process.kill(-(run.child.pid as number), "SIGINT");
    expect(await stopsServing(url, 20_000)).toBe(true);
    expect(await said(run.stderr, /stopped \(SIGINT\)/)).toBe(true);
  }, 60_000);

  it("when it gets SIGTERM itself, and exits 0", async () => {
    const run = start(process.execPath, [join(root, "packages/cli/bin/mlops.mjs"), "emulator"]);
    const url = await run.url;
    expect(await serving(url)).toBe(true);
    const exit = new Promise<number | null>((resolve) => run.child.once("exit", resolve));
    run.child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(await serving(url)).toBe(false);
    expect(run.stderr()).toContain("stopped (SIGTERM)");
  }, 60_000);
});
