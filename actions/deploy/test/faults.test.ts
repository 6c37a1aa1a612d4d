import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Harness, headSha, runStep, startHarness, writeTree } from "@mlops/action-kit/testing";
import { main as register } from "@mlops/action-register";
import { listVersions } from "@mlops/github";
import { emulatorClientFactory } from "@mlops/github/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as deploy } from "../src/main.js";

const OWNER = "acme";
const REPO = "faulty";
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ seed: Number(process.env.MLOPS_FAULT_SEED ?? 11) });
});
afterAll(() => harness.close());

describe("register → deploy with 20% injected transient faults", () => {
  it("succeeds, twice over (a re-run), without duplicate versions, releases or deployments", async () => {
    const cwd = join(harness.dir, REPO);
    await mkdir(cwd, { recursive: true });
    await writeTree(cwd, { "model.bin": "weights", "metrics.json": '{"accuracy": 0.93}' });
    const sha = await headSha(harness.client, OWNER, REPO);
    // More retries than the default harness client: about one request in five fails.
    const createClient = emulatorClientFactory({ retries: 8 });
    harness.emulator.setFaults([
      { rate: 0.1, kind: "5xx" },
      { rate: 0.05, kind: "reset-mid-body" },
      { rate: 0.05, kind: "secondary-rate-limit" },
    ]);
    for (const runAttempt of [1, 2]) {
      const step = { harness, repository: `${OWNER}/${REPO}`, sha, runId: 77, runAttempt, cwd };
      const registered = await runStep(register, {
        ...step,
        inputs: { "model-name": "fraud", files: "model.bin", metrics: "metrics.json" },
        deps: { createClient },
      });
      expect(registered.failure).toBeUndefined();
      expect(registered.outputs.version).toBe("1");
      for (const environment of ["staging", "production"]) {
        const deployed = await runStep(deploy, {
          ...step,
          inputs: {
            "model-name": "fraud",
            version: "1",
            environment,
            command: 'test -s "$MODEL_DIR/model.bin"',
          },
          deps: { createClient, sleep: async () => {} } as never,
        });
        expect(deployed.failure).toBeUndefined();
        expect(deployed.outputs.version).toBe("1");
      }
    }
    expect(harness.emulator.requestLog.filter((r) => r.fault !== undefined).length).toBeGreaterThan(10);
    harness.emulator.setFaults([]);
    expect(
      (await listVersions(harness.client, { owner: OWNER, repo: REPO, model: "fraud" })).map(
        (v) => v.version,
      ),
    ).toEqual(["1"]);
    const { data: releases } = await harness.client.request("GET /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo: REPO,
    });
    expect(releases.map((r) => r.tag_name)).toEqual(["fraud/v1"]);
    expect(releases[0]?.assets.map((a) => a.name).sort()).toEqual(["SHA256SUMS", "model.bin", "model.json"]);
    const { data: deployments } = await harness.client.request("GET /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo: REPO,
    });
    expect(deployments.map((d) => d.environment).sort()).toEqual(["production", "staging"]);
  });
});
