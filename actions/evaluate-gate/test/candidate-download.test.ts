/**
 * Without `metrics`, the gate downloads this run's `train` artifact itself (newest attempt) through the
 * artifact store, whose operations are retried — the reusable workflows no longer need a separate
 * `download-artifact` step, whose client waits forever on an answer cut mid-body (issue 12, "Faults
 * across the whole life").
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { describe, expect, it } from "vitest";
import { openPullRequest, runGate, tempDir, useGateEmulator, workspace } from "./helpers.js";

const gh = useGateEmulator(
  { contents: "write", pull_requests: "write" },
  { token: { contents: "read", checks: "write", pull_requests: "write", actions: "read" } },
);

/** A `train` artifact of run 500 holding a run.json with these metrics. */
async function trainArtifact(
  store: ReturnType<typeof createDirectoryArtifactStore>,
  name: string,
  f1: number,
) {
  const dir = await tempDir("gate-train-");
  await mkdir(join(dir, "model"), { recursive: true });
  await writeFile(
    join(dir, "run.json"),
    JSON.stringify({
      schema_version: 1,
      model: "churn",
      commit: "0".repeat(40),
      ref: "refs/heads/feature",
      repository: "acme/x",
      run: { id: 500, attempt: 1, url: "", workflow: "pr" },
      command: { exit_code: 0, duration_ms: 1 },
      params: {},
      metrics: { accuracy: 0.9, f1 },
      files: [],
      data: [],
      runner: { os: "linux", arch: "x64", node: "v20", name: "test" },
      created_at: "2026-12-01T00:00:00Z",
    }),
  );
  await store.upload(name, [join(dir, "run.json")], dir);
}

describe("evaluate-gate without 'metrics'", () => {
  it("downloads this run's newest train artifact and gates its run.json", async () => {
    const pr = await openPullRequest(gh.admin, "gate-download");
    const work = await workspace({});
    const store = createDirectoryArtifactStore(join(work, ".artifacts"), { runId: 500 });
    await trainArtifact(store, "mlops-churn", 0.5);
    await trainArtifact(store, "mlops-churn-attempt-2", 0.85);
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      store,
      attempt: 2,
      inputs: { metrics: "", baseline: "none", comment: "false" },
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.lines.map((l) => l.message)).toContain(
      "Candidate: the train artifact mlops-churn-attempt-2 of this run.",
    );
    expect(runtime.outputs.passed).toBe("true");
  });

  it("fails naming the missing artifact when the run has none", async () => {
    const pr = await openPullRequest(gh.admin, "gate-no-artifact");
    const work = await workspace({});
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { metrics: "", baseline: "none", comment: "false" },
    });
    expect(runtime.failure).toMatch(/this run has no train artifact mlops-churn/);
  });
});
