import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type JobResult, runWorkflow, type WorkflowResult } from "../src/index.js";

const repo = join(import.meta.dirname, "fixtures", "repo");

async function run(
  workflow: string,
  event: string,
  extra: Partial<Parameters<typeof runWorkflow>[0]> = {},
): Promise<{ result: WorkflowResult; log: string[] }> {
  const log: string[] = [];
  const result = await runWorkflow({
    workflow: `.github/workflows/${workflow}`,
    workspace: repo,
    toolkitRoot: repo,
    event,
    log: (line) => log.push(line),
    ...extra,
  });
  return { result, log };
}

function job(result: WorkflowResult, id: string): JobResult {
  const found = result.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id} in ${result.jobs.map((j) => j.id).join(", ")}`);
  return found;
}

describe("runWorkflow: two jobs with needs, outputs, if, a matrix and a local action", () => {
  it("runs the jobs in order and passes outputs through needs", async () => {
    const { result, log } = await run("sample.yml", "push", { secrets: { TOKEN_SECRET: "pa55word-xyz" } });
    expect(result.conclusion).toBe("success");
    const build = job(result, "build");
    expect(build.outputs).toEqual({ greeting: "Hello, push-user!", flavour: "vanilla" });
    const greet = build.steps.find((s) => s.id === "greet");
    expect(greet?.outputs.multi).toBe("line one\nline two");
    expect(Number(greet?.outputs["token-length"])).toBeGreaterThan(0);
    expect(build.summary).toContain("### Hello, push-user!");
    expect(build.steps.find((s) => s.name === "Never runs")?.conclusion).toBe("skipped");
    // GITHUB_ENV from the action, then workflow, job and step env in a run step
    expect(log).toContain("    greeted=push-user workflow=from-workflow job=from-job step=from-step");
    expect(log).toContain("    in data");
    // GITHUB_PATH from one step is on PATH in the next
    expect(log).toContain("    tool says hi");
    // pre and post of the action, with state carried
    expect(log).toContain("    post ran for push-user (pre: pre-push-user)");
    // ::group:: and ::add-mask::
    expect(log).toContain("    ▸ Details");
    expect(log).toContain("    masked: ***");
    expect(log.join("\n")).not.toContain("push-user-secret");
  });

  it("expands the matrix with exclude and include and skips a job whose if is false", async () => {
    const { result, log } = await run("sample.yml", "push");
    const tests = result.jobs.filter((j) => j.id === "test");
    expect(tests.map((j) => j.matrix)).toEqual([
      { size: "small", shape: "round", colour: "red" },
      { size: "small", shape: "square", colour: "red" },
      { size: "large", shape: "square" },
      { size: "huge", shape: "star" },
    ]);
    expect(tests.every((j) => j.conclusion === "success")).toBe(true);
    expect(tests.map((j) => j.name)).toContain("test (large, square)");
    expect(log).toContain("    matrix small/round/red from Hello, push-user!");
    expect(job(result, "skipped").conclusion).toBe("skipped");
  });

  it("applies on: filters as GitHub does (branches, missing trigger)", async () => {
    const release = await run("sample.yml", "push", { payload: { ref: "refs/heads/release/1.2" } });
    expect(release.result.conclusion).toBe("success");
    const other = await run("sample.yml", "push", { payload: { ref: "refs/heads/feature-x" } });
    expect(other.result.conclusion).toBe("skipped");
    expect(other.result.skippedReason).toContain("feature-x");
    const pr = await run("sample.yml", "pull_request", {
      payload: { pull_request: { base: { ref: "develop" } } },
    });
    expect(pr.result.conclusion).toBe("skipped");
    const schedule = await run("sample.yml", "schedule");
    expect(schedule.result).toMatchObject({ conclusion: "skipped", jobs: [] });
  });
});

describe("runWorkflow: reusable workflows", () => {
  it("calls ./ and toolkit workflows with typed inputs, secrets and outputs", async () => {
    const { result, log } = await run("caller.yml", "push", { secrets: { "api-key": "s3cr3t-value-1" } });
    expect(result.conclusion).toBe("success");
    expect(result.jobs.map((j) => j.id)).toEqual(["call/compose", "toolkit/compose", "report"]);
    expect(job(result, "call/compose").name).toBe("call / compose");
    // who / loud (boolean from the caller) / count (number default) / length of the inherited secret
    expect(job(result, "call/compose").outputs.message).toBe("octocat/true/3/14");
    // explicit secret, boolean default false
    expect(job(result, "toolkit/compose").outputs.message).toBe("toolkit/false/3/8");
    expect(log).toContain("    A=octocat/true/3/14");
    expect(job(result, "report").summary).toContain("A=octocat/true/3/14 B=toolkit/false/3/8");
    expect(log.join("\n")).not.toContain("s3cr3t-value-1");
  });
});

describe("runWorkflow: pull requests from forks", () => {
  it("gives a fork's pull request a read-only token and no secrets", async () => {
    const secrets = { "api-key": "abcdef" };
    const own = await run("fork.yml", "pull_request", { secrets });
    expect(job(own.result, "check").permissions).toEqual({ contents: "write", "pull-requests": "write" });
    expect(own.log).toContain("    secret length 6");
    const fork = await run("fork.yml", "pull_request", {
      secrets,
      payload: { pull_request: { head: { repo: { full_name: "someone/fork" } } } },
    });
    expect(job(fork.result, "check").permissions).toEqual({ contents: "read", "pull-requests": "read" });
    expect(fork.log).toContain("    secret length 0");
  });
});

describe("runWorkflow: status functions and continue-on-error", () => {
  it("follows success()/failure()/always(), outcome vs conclusion and job-level continue-on-error", async () => {
    const { result, log } = await run("status.yml", "workflow_dispatch");
    const steps = job(result, "steps");
    const byId = Object.fromEntries(steps.steps.map((s) => [s.id, s]));
    expect(byId.soft).toMatchObject({ outcome: "failure", conclusion: "success" });
    expect(log).toContain("    outcome=failure conclusion=success");
    expect(byId.hard).toMatchObject({ outcome: "failure", conclusion: "failure" });
    expect(byId["skipped-by-failure"]?.conclusion).toBe("skipped");
    expect(byId["on-failure"]?.conclusion).toBe("success");
    expect(byId["on-always"]?.conclusion).toBe("success");
    expect(byId["on-success"]?.conclusion).toBe("skipped");
    expect(steps.conclusion).toBe("failure");
    expect(job(result, "after").conclusion).toBe("skipped");
    expect(job(result, "cleanup").conclusion).toBe("success");
    expect(log).toContain("    needs result failure");
    expect(job(result, "tolerated")).toMatchObject({ conclusion: "success", outcome: "failure" });
    expect(result.conclusion).toBe("failure");
  });
});

describe("runWorkflow: matrix fail-fast", () => {
  it("cancels the remaining instances after a failure unless fail-fast is false", async () => {
    const { result } = await run("failfast.yml", "push");
    const conclusions = (id: string) => result.jobs.filter((j) => j.id === id).map((j) => j.conclusion);
    expect(conclusions("shards")).toEqual(["success", "failure", "cancelled"]);
    expect(conclusions("tolerant")).toEqual(["success", "failure", "success"]);
    expect(result.conclusion).toBe("failure");
  });
});

describe("runWorkflow: expression functions", () => {
  it("computes hashFiles like the runner (sha256 of the files' sha256 digests)", async () => {
    const { result } = await run("hash.yml", "push");
    expect(result.conclusion).toBe("success");
    const digest = (files: string[]) => {
      const total = createHash("sha256");
      for (const file of files)
        total.update(
          createHash("sha256")
            .update(readFileSync(join(repo, file)))
            .digest(),
        );
      return total.digest("hex");
    };
    const outputs = job(result, "hash").outputs;
    expect(outputs.txt).toBe(digest(["data/a.txt", "data/b.txt"]));
    expect(outputs.negated).toBe(digest(["data/a.txt", "data/b.txt"]));
    expect(outputs.none).toBe("");
    expect(outputs.functions).toBe("a-b|true|true|1+2|5");
  });
});

describe("runWorkflow: errors", () => {
  it("fails the step of a remote action without a stand-in, naming it", async () => {
    const { result } = await run("remote.yml", "push");
    expect(result.conclusion).toBe("failure");
    const remote = job(result, "remote");
    expect(remote.steps.map((s) => s.conclusion)).toEqual(["failure", "skipped"]);
    expect(remote.annotations[0]?.message).toMatch(
      /remote\.yml:10: remote action 'some-org\/some-action@0123456789abcdef0123456789abcdef01234567' is not available/,
    );
  });

  it("kills a step that exceeds its timeout-minutes and fails it", async () => {
    const { result, log } = await run("timeout.yml", "push");
    const slow = job(result, "slow");
    expect(slow.steps[0]).toMatchObject({ id: "sleepy", outcome: "failure", conclusion: "failure" });
    expect(slow.annotations[0]?.message).toMatch(/timed out/);
    expect(log).toContain("    after the timeout");
    expect(result.conclusion).toBe("failure");
  });

  it("rejects a workflow that does not parse, with file:line:column", async () => {
    await expect(run("../../data/a.txt", "push")).rejects.toMatchObject({
      name: "ConfigError",
      message: "Unexpected value 'alpha'",
      position: { file: "data/a.txt", line: 1, column: 1 },
    });
  });
});

describe("runWorkflow: step summaries (issue 12, item 1)", () => {
  it("keeps a step summary of exactly 1 MiB and drops one byte more with GitHub's error annotation", async () => {
    const { result } = await run("summary-limit.yml", "workflow_dispatch");
    const summaries = job(result, "summaries");
    expect(summaries.conclusion).toBe("success");
    expect(summaries.summary).toContain("a".repeat(1000));
    expect(summaries.summary).not.toContain("b".repeat(1000));
    expect(summaries.annotations).toContainEqual({
      level: "error",
      message:
        "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got 1024k. For more information see: https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary",
    });
  });
});
