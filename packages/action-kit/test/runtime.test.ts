import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandFailed, ConfigError } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { runCommand, runCommandOrFail } from "../src/command.js";
import { readRunContext, workflowFileName } from "../src/context.js";
import { createGitHubRuntime } from "../src/github-runtime.js";
import { createMemoryRuntime } from "../src/memory-runtime.js";
import { runAction } from "../src/run-action.js";

describe("runAction", () => {
  it("turns an error into one failure message and an annotation at its position", async () => {
    const runtime = createMemoryRuntime();
    await runAction(async () => {
      throw new ConfigError("models[0].name: expected a model name", {
        position: { file: "mlops.yml", line: 3, column: 9 },
      });
    }, runtime);
    expect(runtime.failure).toBe("mlops.yml:3:9: models[0].name: expected a model name");
    // one error line (one ::error on GitHub): the failure, annotated at the position (issue 19)
    expect(runtime.lines.filter((line) => line.level === "error")).toEqual([
      {
        level: "error",
        message: "mlops.yml:3:9: models[0].name: expected a model name",
        position: { file: "mlops.yml", line: 3, column: 9 },
      },
    ]);
    expect(runtime.lines.some((line) => line.level === "debug")).toBe(false);
  });

  it("logs the stack trace only in debug mode", async () => {
    const runtime = createMemoryRuntime({ debug: true });
    await runAction(async () => {
      throw new Error("boom");
    }, runtime);
    expect(runtime.failure).toBe("boom");
    expect(runtime.lines.find((line) => line.level === "debug")?.message).toMatch(/Error: boom\n\s+at /);
  });

  it("leaves a successful step alone", async () => {
    const runtime = createMemoryRuntime();
    await runAction(async (rt) => rt.setOutput("passed", true), runtime);
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs).toEqual({ passed: "true" });
  });
});

describe("runCommand", () => {
  it("streams output line by line and reports the exit code", async () => {
    const runtime = createMemoryRuntime();
    const result = await runCommand("echo one; echo two >&2; exit 3", { log: runtime.log });
    expect(result.exitCode).toBe(3);
    expect(runtime.lines.map((line) => line.message).sort()).toEqual(["one", "two"]);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("fails a pipeline when an early command fails (pipefail)", async () => {
    const runtime = createMemoryRuntime();
    await expect(runCommandOrFail("Training", "false | cat", { log: runtime.log })).rejects.toThrow(
      new CommandFailed("Training failed with exit code 1: false | cat", 1),
    );
  });

  it("passes the environment and working directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cmd-"));
    const runtime = createMemoryRuntime();
    await runCommandOrFail("x", 'echo "$MODEL_NAME in $(pwd)"', {
      log: runtime.log,
      cwd: dir,
      env: { ...process.env, MODEL_NAME: "fraud" },
    });
    expect(runtime.lines[0]?.message).toBe(`fraud in ${dir}`);
  });
});

describe("readRunContext", () => {
  it("reads the run and the pull request (fork detection included) from the runner's variables", () => {
    const dir = mkdtempSync(join(tmpdir(), "ctx-"));
    const eventPath = join(dir, "event.json");
    writeFileSync(
      eventPath,
      JSON.stringify({
        pull_request: {
          number: 7,
          head: { sha: "h".repeat(40), ref: "feature", repo: { full_name: "someone/models" } },
          base: { ref: "main", repo: { full_name: "acme/models" } },
        },
      }),
    );
    const context = readRunContext({
      GITHUB_REPOSITORY: "acme/models",
      GITHUB_SHA: "m".repeat(40),
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_RUN_ID: "42",
      GITHUB_RUN_ATTEMPT: "2",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_WORKFLOW_REF: "acme/models/.github/workflows/pr.yml@refs/pull/7/merge",
    });
    expect(context.owner).toBe("acme");
    expect(context.repo).toBe("models");
    expect(context.sha).toBe("h".repeat(40));
    expect(context.runUrl).toBe("https://github.com/acme/models/actions/runs/42");
    expect(context.runAttempt).toBe(2);
    expect(context.pullRequest).toEqual({
      number: 7,
      headSha: "h".repeat(40),
      headRef: "feature",
      baseRef: "main",
      fromFork: true,
    });
    expect(workflowFileName(context)).toBe("pr.yml");
  });
});

describe("appendSummary (GitHub keeps at most 1 MiB of UTF-8 per step, issue 12)", () => {
  const part = "| ✅ | a row of a long report |\n".repeat(20_000); // ~640 KB

  it("the runner's summary file never exceeds 1 MiB; the cut is said", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "summary-")), "step_summary_1");
    writeFileSync(file, "");
    const previous = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      const runtime = createGitHubRuntime();
      await runtime.appendSummary(part);
      await runtime.appendSummary(part);
    } finally {
      if (previous === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = previous;
    }
    const text = readFileSync(file, "utf8");
    expect(statSync(file).size).toBeLessThanOrEqual(1024 * 1024);
    expect(text.startsWith(part)).toBe(true);
    expect(text).toMatch(/Cut to fit GitHub's job summary limit \(1,048,576 bytes\)/);
  });

  it("the memory runtime keeps the same limit", async () => {
    const runtime = createMemoryRuntime();
    await runtime.appendSummary(part);
    await runtime.appendSummary(part);
    const bytes = runtime.summary.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(runtime.summary[1]).toMatch(/Cut to fit GitHub's job summary limit/);
  });
});
