// The local loop without hand-written REST: `mlops local pr open` pushes a git branch to the emulator and opens a
// pull request whose payload `mlops run-workflow` takes; `mlops local environment` + `mlops local approve`
// give a waiting production deployment its review.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let repo: string;
const REPOSITORY = "me/model";

function git(...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Me", "-c", "user.email=me@example.com", ...args], {
    cwd: repo,
    encoding: "utf8",
  }).trim();
}

function cli(args: string[]) {
  return runCliCaptured(args, {
    cwd: repo,
    env: { MLOPS_API_URL: emulator.url, GITHUB_REPOSITORY: REPOSITORY },
  });
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${emulator.url}/repos/${REPOSITORY}${path}`);
  return (await response.json()) as T;
}

beforeAll(async () => {
  emulator = await startEmulator();
  repo = mkdtempSync(join(tmpdir(), "mlops-local-"));
  mkdirSync(join(repo, ".github/workflows"), { recursive: true });
  writeFileSync(
    join(repo, ".github/workflows/pr.yml"),
    `name: pr
on: pull_request
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - env:
          NUMBER: \${{ github.event.pull_request.number }}
          HEAD: \${{ github.event.pull_request.head.sha }}
          REF: \${{ github.head_ref }}
        run: echo "checking PR $NUMBER $REF at $HEAD; model says $(cat model.txt)"
`,
  );
  writeFileSync(
    join(repo, ".github/workflows/release.yml"),
    `name: release
on: push
permissions:
  contents: read
jobs:
  production:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo "deployed to production"
`,
  );
  writeFileSync(join(repo, "model.txt"), "v0\n");
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "Initial model");
  git("switch", "-q", "-c", "better");
  writeFileSync(join(repo, "model.txt"), "v1 better\n");
  git("commit", "-q", "-am", "A better model");
});

afterAll(async () => {
  await emulator.close();
});

describe("mlops local", () => {
  it("pr open: pushes main and the branch, opens the PR and writes the payload run-workflow takes", async () => {
    const opened = await cli(["local", "pr", "open", "--head", "better", "--payload-out", "pr.json"]);
    expect(opened.stderr).toContain("opened pull request #1 (better → main)");
    expect(opened.code).toBe(0);
    expect(opened.stderr).toMatch(/pushed main \([0-9a-f]{7}, 3 files\) → me\/model@main/);
    const payload = JSON.parse(readFileSync(join(repo, "pr.json"), "utf8"));
    const pulls =
      await api<{ number: number; title: string; head: { ref: string; sha: string } }[]>("/pulls");
    expect(pulls).toMatchObject([{ number: 1, title: "A better model", head: { ref: "better" } }]);
    expect(payload).toMatchObject({
      action: "opened",
      number: 1,
      pull_request: { head: { ref: "better", sha: pulls[0]?.head.sha }, base: { ref: "main" } },
      repository: { full_name: REPOSITORY },
      sender: { login: "local-maintainer" },
    });

    const run = await cli([
      "run-workflow",
      ".github/workflows/pr.yml",
      "--event",
      "pull_request",
      "--payload",
      "pr.json",
      "--api-url",
      emulator.url,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`checking PR 1 better at ${pulls[0]?.head.sha}; model says v1 better`);
    const runs = await api<{ workflow_runs: { event: string; head_sha: string; conclusion: string }[] }>(
      "/actions/runs",
    );
    expect(runs.workflow_runs).toMatchObject([
      { event: "pull_request", head_sha: pulls[0]?.head.sha, conclusion: "success" },
    ]);
  });

  it("pr open again after a new commit: the same PR, a synchronize payload on stdout", async () => {
    writeFileSync(join(repo, "model.txt"), "v2 even better\n");
    git("commit", "-q", "-am", "An even better model");
    const again = await cli(["local", "pr", "open", "--head", "better"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("updated pull request #1 (better → main)");
    expect(again.stderr).not.toContain("pushed main"); // the emulator's main is already the local main
    const payload = JSON.parse(again.stdout);
    const [pull] = await api<{ head: { sha: string } }[]>("/pulls");
    expect(payload).toMatchObject({
      action: "synchronize",
      number: 1,
      pull_request: { head: { sha: pull?.head.sha } },
    });
    expect((await api<unknown[]>("/pulls?state=all")).length).toBe(1);
  });

  it("pr merge: merges on the emulator and writes the push payload of the base branch", async () => {
    const [before] = await api<{ base: { sha: string } }[]>("/pulls");
    const merge = await cli(["local", "pr", "merge", "1", "--payload-out", "push.json"]);
    expect(merge.code).toBe(0);
    const pull = await api<{ merged: boolean; merge_commit_sha: string }>("/pulls/1");
    expect(pull.merged).toBe(true);
    expect(merge.stderr).toContain(`merged pull request #1 into main (${pull.merge_commit_sha.slice(0, 7)})`);
    const payload = JSON.parse(readFileSync(join(repo, "push.json"), "utf8"));
    expect(payload).toMatchObject({
      ref: "refs/heads/main",
      after: pull.merge_commit_sha,
      before: before?.base.sha,
    });
  });

  it("push: a local branch to the emulator, with the push payload", async () => {
    git("switch", "-q", "-c", "hotfix");
    writeFileSync(join(repo, "model.txt"), "v3 hotfix\n");
    git("commit", "-q", "-am", "Hotfix");
    const pushed = await cli(["local", "push", "--branch", "hotfix"]);
    expect(pushed.code).toBe(0);
    const branch = await api<{ commit: { sha: string } }>("/branches/hotfix");
    expect(JSON.parse(pushed.stdout)).toMatchObject({
      ref: "refs/heads/hotfix",
      before: "0".repeat(40),
      after: branch.commit.sha,
    });
  });

  it("environment + approve: a release waiting for production is approved without REST calls", async () => {
    const env = await cli(["local", "environment", "production", "--required-reviewer"]);
    expect(env).toMatchObject({
      code: 0,
      stdout: `environment production on ${REPOSITORY} (required reviewer: local-maintainer)`,
    });
    const nothing = await cli(["local", "approve", "--env", "production"]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toBe(
      `mlops: no run of ${REPOSITORY} waits for a review of production (--wait SECONDS to wait for one)`,
    );

    git("switch", "-q", "main");
    const release = cli([
      "run-workflow",
      ".github/workflows/release.yml",
      "--event",
      "push",
      "--payload",
      "push.json",
      "--api-url",
      emulator.url,
    ]);
    const approve = await cli(["local", "approve", "--env", "production", "--wait", "60"]);
    expect(approve.stderr).toBe("");
    expect(approve.stdout).toMatch(/^approved run \d+'s deployment to production as local-maintainer$/);
    const released = await release;
    expect(released.code).toBe(0);
    expect(released.stdout).toContain("deployed to production");
    const runId = Number(/run (\d+)/.exec(approve.stdout)?.[1]);
    const approvals = await api<{ state: string; user: { login: string } }[]>(
      `/actions/runs/${runId}/approvals`,
    );
    expect(approvals).toMatchObject([{ state: "approved", user: { login: "local-maintainer" } }]);
  }, 120_000);

  it("approve --wait stops when the runs in progress end without waiting for the environment", async () => {
    writeFileSync(
      join(repo, ".github/workflows/quick.yml"),
      "name: quick\non: push\npermissions:\n  contents: read\njobs:\n  quick:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 3\n",
    );
    const quick = cli([
      "run-workflow",
      ".github/workflows/quick.yml",
      "--event",
      "push",
      "--api-url",
      emulator.url,
      "--repository",
      REPOSITORY,
    ]);
    const approve = await cli(["local", "approve", "--env", "production", "--wait", "60"]);
    expect((await quick).code).toBe(0);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toBe(
      `mlops: no run of ${REPOSITORY} waits for a review of production: the runs in progress ended without waiting`,
    );
  }, 90_000);

  it("says what is missing: no emulator URL, a repository that is not owner/name", async () => {
    const noUrl = await runCliCaptured(["local", "approve", "--env", "production"], { cwd: repo });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("--api-url: the emulator's URL is needed");
    const badRepo = await runCliCaptured(
      ["local", "approve", "--env", "production", "--api-url", emulator.url, "--repo", "nope"],
      { cwd: repo },
    );
    expect(badRepo.code).toBe(2);
    expect(badRepo.stderr).toContain('--repo: expected owner/name, got "nope"');
  });
});
