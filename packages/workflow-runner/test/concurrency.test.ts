/**
 * `concurrency:` as GitHub documents it (docs "Control the concurrency of workflows and jobs"): at most
 * one running and one pending run or job per group, a newly queued one cancels the pending one and takes
 * its place, `cancel-in-progress: true` cancels the running one, group names are case-insensitive.
 * Several `runWorkflow` calls of one process share the groups.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWorkflow, type WorkflowResult } from "../src/index.js";
import { concurrencySetting } from "../src/run/concurrency.js";

const repo = join(import.meta.dirname, "fixtures", "repo");
let sync: string;
let emulator: Emulator;

beforeAll(async () => {
  sync = mkdtempSync(join(tmpdir(), "runner-concurrency-"));
  emulator = await startEmulator();
});
afterAll(async () => {
  rmSync(sync, { recursive: true, force: true });
  await emulator.close();
});

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Started {
  name: string;
  lines: string[];
  result: Promise<WorkflowResult>;
  settled: () => boolean;
}

function start(
  workflow: string,
  name: string,
  options: { vars?: Record<string, string>; repository?: string; apiUrl?: string } = {},
): Started {
  const lines: string[] = [];
  let done = false;
  const result = runWorkflow({
    workflow: `.github/workflows/${workflow}`,
    workspace: repo,
    event: workflow === "concurrency.yml" ? "workflow_dispatch" : "push",
    repository: options.repository ?? "octo/concurrency",
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    vars: options.vars ?? {},
    env: { SYNC: sync, NAME: name },
    log: (line) => lines.push(line),
  }).finally(() => {
    done = true;
  });
  return { name, lines, result, settled: () => done };
}

const started = (run: Started) => () => existsSync(join(sync, `${run.name}.started`));
const pending = (run: Started) => () =>
  run.lines.some((line) => line.includes("pending in concurrency group"));
const go = (run: Started) => writeFileSync(join(sync, `${run.name}.go`), "");

describe("workflow concurrency", () => {
  it("keeps one pending run per group: a third run cancels the second, which never starts", async () => {
    const vars = { GROUP: "prod" };
    const a = start("concurrency.yml", "wf-a", { vars });
    await until("a to start", started(a));
    const b = start("concurrency.yml", "wf-b", { vars: { GROUP: "PROD" } }); // case-insensitive
    await until("b to wait", pending(b));
    const c = start("concurrency.yml", "wf-c", { vars });
    await until("c to wait", pending(c));
    const bResult = await b.result;
    expect(bResult.conclusion).toBe("cancelled");
    expect(bResult.jobs).toEqual([]);
    expect(bResult.cancelledReason).toBe(
      "Canceling since a higher priority waiting request for 'deploy-prod' exists",
    );
    expect(existsSync(join(sync, "wf-b.started"))).toBe(false);
    // c waits for a; a finishes, then c runs.
    expect(existsSync(join(sync, "wf-c.started"))).toBe(false);
    go(a);
    expect((await a.result).conclusion).toBe("success");
    await until("c to start", started(c));
    go(c);
    expect((await c.result).conclusion).toBe("success");
  });

  it("cancel-in-progress: true cancels the running run (its step is killed, `if: cancelled()` steps run)", async () => {
    const vars = { GROUP: "cip", CANCEL: "true" };
    const a = start("concurrency.yml", "cip-a", { vars });
    await until("a to start", started(a));
    const b = start("concurrency.yml", "cip-b", { vars });
    const aResult = await a.result;
    expect(aResult.conclusion).toBe("cancelled");
    expect(aResult.jobs[0]?.steps.map((s) => s.conclusion)).toEqual(["cancelled", "success"]);
    expect(existsSync(join(sync, "cip-a.cleanup"))).toBe(true);
    await until("b to start", started(b));
    go(b);
    expect((await b.result).conclusion).toBe("success");
  });

  it("groups are per repository: another repository's run does not wait", async () => {
    const a = start("concurrency.yml", "repo-a", { vars: { GROUP: "shared" } });
    await until("a to start", started(a));
    const b = start("concurrency.yml", "repo-b", { vars: { GROUP: "shared" }, repository: "octo/other" });
    await until("b to start", started(b));
    go(a);
    go(b);
    expect((await a.result).conclusion).toBe("success");
    expect((await b.result).conclusion).toBe("success");
  });

  it("rejects queue: max with cancel-in-progress: true, as GitHub's validation does", () => {
    expect(() =>
      concurrencySetting({ group: "g", queue: "max", "cancel-in-progress": true }, "w.yml:3"),
    ).toThrow(/queue: max cannot be combined with cancel-in-progress: true/);
    expect(concurrencySetting("g", "w.yml")).toEqual({
      group: "g",
      cancelInProgress: false,
      queue: "single",
    });
  });
});

describe("job concurrency", () => {
  it("three quick runs: the middle run's pending job is cancelled, its dependents skipped, the run cancelled (emulator too)", async () => {
    const options = { apiUrl: emulator.url, repository: "octo/job-concurrency" };
    const a = start("job-concurrency.yml", "job-a", options);
    await until("a's register to start", started(a));
    const b = start("job-concurrency.yml", "job-b", options);
    await until("b's register to wait", pending(b));
    const c = start("job-concurrency.yml", "job-c", options);
    await until("c's register to wait", pending(c));
    const bResult = await b.result;
    expect(bResult.jobs.map((j) => [j.id, j.conclusion])).toEqual([
      ["build", "success"],
      ["register", "cancelled"],
      ["deploy", "skipped"],
    ]);
    expect(bResult.conclusion).toBe("cancelled");
    go(a);
    go(c);
    const [aResult, cResult] = await Promise.all([a.result, c.result]);
    expect(aResult.conclusion).toBe("success");
    expect(cResult.conclusion).toBe("success");
    expect(cResult.jobs.find((j) => j.id === "register")?.outputs.who).toBe("job-c");
    const response = await fetch(`${emulator.url}/repos/octo/job-concurrency/actions/runs`);
    const runs = (await response.json()) as { workflow_runs: Array<{ id: number; conclusion: string }> };
    const conclusionOf = (id: number | undefined) => runs.workflow_runs.find((r) => r.id === id)?.conclusion;
    expect(conclusionOf(bResult.runId)).toBe("cancelled");
    expect(conclusionOf(aResult.runId)).toBe("success");
  });
});
