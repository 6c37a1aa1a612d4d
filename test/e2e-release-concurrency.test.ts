/**
 * Three quick merges through the real release workflow (examples/node-classifier → reusable-release.yml),
 * run concurrently by the local runner, which queues concurrency groups as GitHub documents ("at most one
 * running and one pending job in a concurrency group … any existing pending job … will be canceled").
 * Run A deploys staging (held until the test lets it go); B's staging deploy waits; C's replaces it, so B
 * is cancelled. Nothing is lost: B's model is registered (registration has no group), and staging and
 * production end on the newest version. Needs the bundled actions (`pnpm build`).
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitHubClient } from "@mlops/github";
import { aliasVersion } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import type { WorkflowResult } from "@mlops/workflow-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorClient, exampleCopies, MODEL, OWNER, REPO, runRelease } from "./support/node-example.js";

let emulator: Emulator;
let client: GitHubClient;
let workspace: string;
let sync: string;
let toolchain: string;
const copies = exampleCopies();

// The example's deploy.sh, held until the test creates $SYNC/go (so runs overlap as quick merges do).
const HELD_DEPLOY = `#!/usr/bin/env bash
set -euo pipefail
touch "$SYNC/deploying-$DEPLOY_ENVIRONMENT-v$MODEL_VERSION"
while [ ! -f "$SYNC/go" ]; do sleep 0.1; done
exec bash ./deploy-example.sh
`;

beforeAll(async () => {
  emulator = await startEmulator();
  client = emulatorClient(emulator, { contents: "read", deployments: "read", actions: "read" });
  workspace = copies.create("release-concurrency").dir;
  const { readFileSync } = await import("node:fs");
  writeFileSync(join(workspace, "deploy-example.sh"), readFileSync(join(workspace, "deploy.sh"), "utf8"));
  writeFileSync(join(workspace, "deploy.sh"), HELD_DEPLOY);
  chmodSync(join(workspace, "deploy.sh"), 0o755);
  sync = mkdtempSync(join(tmpdir(), "e2e-concurrency-sync-"));
  toolchain = mkdtempSync(join(tmpdir(), "e2e-toolchain-"));
});
afterAll(async () => {
  await emulator.close();
  copies.dispose();
  for (const dir of [sync, toolchain])
    if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const failed = allLines.find((line) => /✖ Model release: failure/.test(line));
    if (Date.now() > deadline || failed) {
      if (process.env.E2E_LOG) writeFileSync(process.env.E2E_LOG, allLines.join("\n"));
      throw new Error(
        `${failed ? "a run failed" : "timed out"} waiting for ${what}:\n${allLines.slice(-40).join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const allLines: string[] = [];

function start(name: string): { lines: string[]; result: Promise<WorkflowResult> } {
  const lines: string[] = [];
  const result = runRelease(emulator, {
    workspace,
    toolchain,
    log: (line) => {
      lines.push(`[${name}] ${line}`);
      allLines.push(`[${name}] ${line}`);
    },
    env: { SYNC: sync },
  });
  return { lines, result };
}

/** The version an environment alias names (read the product's way, whatever namespace aliases live in). */
async function aliasOf(alias: string): Promise<string | undefined> {
  return (await aliasVersion(client, { owner: OWNER, repo: REPO, model: MODEL, alias }))?.version;
}

const waitsInGroup = (run: { lines: string[] }) => () =>
  run.lines.some((line) => line.includes("deploy (staging): pending in concurrency group"));

describe("release workflow under three quick merges", () => {
  it("registers every run's model; the superseded staging deploy is cancelled; the newest reaches both environments", {
    timeout: 900_000,
  }, async () => {
    // A's registration is slow (its tag creation answers after 45 s), so B and C reach `register` while
    // A's is still running: with a concurrency group on `register`, B's would wait and C's cancel it.
    emulator.setFaults([
      { route: "POST /repos/{owner}/{repo}/git/tags", nth: [1], kind: "slow", delayMs: 45_000 },
    ]);
    const a = start("A");
    await until("A to register", () => a.lines.some((l) => l.includes("▶ Job") && l.includes("register")));
    const b = start("B");
    const c = start("C");
    const runs = [a, b, c];
    const settled = new Map<number, WorkflowResult>();
    for (const [index, run] of runs.entries()) void run.result.then((r) => settled.set(index, r));
    // The first of B and C to reach staging deploys (held); the other waits and is replaced by A's.
    await until("a staging deploy to be superseded", () =>
      [...settled.values()].some((r) => r.conclusion === "cancelled"),
    );
    await until("a staging deploy to wait", () => runs.some((run) => waitsInGroup(run)()));
    writeFileSync(join(sync, "go"), "");
    const results = await Promise.all(runs.map((run) => run.result));
    const log = runs
      .flatMap((run) => run.lines)
      .slice(-150)
      .join("\n");

    const jobsOf = (r: WorkflowResult) => Object.fromEntries(r.jobs.map((j) => [j.id.split("/").pop(), j]));
    // One run was superseded: registered, its pending staging deploy cancelled, production skipped.
    const cancelled = results.filter((r) => r.conclusion === "cancelled");
    expect(cancelled.length, log).toBe(1);
    const superseded = jobsOf(cancelled[0] as WorkflowResult);
    expect(superseded.register?.conclusion).toBe("success");
    expect(superseded["deploy-staging"]?.conclusion).toBe("cancelled");
    expect(superseded["deploy-production"]?.conclusion).toBe("skipped");
    expect(results.filter((r) => r.conclusion === "success").length, log).toBe(2);

    // Every run's registration survived: three versions, published.
    const registered = results.map((r) => jobsOf(r).register?.outputs.version).sort();
    expect(registered, log).toEqual(["1", "2", "3"]);
    for (const version of registered) {
      const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
        owner: OWNER,
        repo: REPO,
        tag: `${MODEL}/v${version}`,
      });
      expect(release.draft).toBe(false);
    }
    // Staging and production end on the newest version.
    expect(await aliasOf("staging")).toBe("3");
    expect(await aliasOf("production")).toBe("3");
    expect(await aliasOf("latest")).toBe("3");
    // One deployment per staging deploy that ran (no job-level duplicates), none for the cancelled one.
    const { data: deployments } = await client.request("GET /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo: REPO,
      environment: "staging",
    });
    expect(deployments.every((d) => d.task === `deploy:${MODEL}`)).toBe(true);
    expect(deployments.length).toBe(2);
  });
});
