/**
 * `mlops gate --baseline <mode>` (issue 14 item 2): registry baselines through the gate's one resolver
 * (`resolveBaseline` in @mlops/github, as the evaluate-gate action) and core's selector parser; the
 * baseline version's metrics are read from the registry in the emulator.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerModel } from "@mlops/github";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let token: string;
let work: string;

beforeAll(async () => {
  emulator = await startEmulator();
  token = emulator.createToken({ contents: "write" });
  const client = emulatorClient(emulator, token);
  const { data: commit } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner: "acme",
    repo: "models",
    ref: "main",
  });
  work = mkdtempSync(join(tmpdir(), "cli-gate-baseline-"));
  // v1 (f1 0.80) in production, v2 (f1 0.95) in staging.
  for (const [run, f1, alias] of [
    ["201", 0.8, "production"],
    ["202", 0.95, "staging"],
  ] as const) {
    writeFileSync(join(work, "model.bin"), `weights ${run}`);
    await registerModel(client, {
      owner: "acme",
      repo: "models",
      model: "fraud",
      commitSha: commit.sha,
      files: [{ path: join(work, "model.bin"), name: "model.bin" }],
      metrics: { f1, accuracy: 0.9 },
      params: {},
      idempotencyKey: `acme/models/${run}/fraud`,
      aliases: [alias],
    });
  }
  writeFileSync(join(work, "candidate.json"), JSON.stringify({ f1: 0.85, accuracy: 0.91 }));
  writeFileSync(join(work, "base.json"), JSON.stringify({ f1: 0.9, accuracy: 0.9 }));
});
afterAll(() => emulator.close());

function gate(baseline: string, env: NodeJS.ProcessEnv = { GITHUB_TOKEN: token }) {
  return runCliCaptured(
    [
      "gate",
      "--metrics",
      "candidate.json",
      "--rule",
      "f1 >= baseline - 0.01",
      "--model",
      "fraud",
      "--baseline",
      baseline,
      "--repo",
      "acme/models",
      "--api-url",
      emulator.url,
      "--format",
      "json",
    ],
    { cwd: work, env },
  );
}

const verdict = (stdout: string) =>
  JSON.parse(stdout) as { passed: boolean; baseline: string; rules: Array<{ baseline: number | null }> };

describe("mlops gate --baseline", () => {
  it("production (and auto) compares with the metrics of the version @production names", async () => {
    for (const mode of ["production", "auto"]) {
      const result = await gate(mode);
      expect(result.code).toBe(0);
      const json = verdict(result.stdout);
      expect(json.baseline).toBe("registry:fraud@production (v1)");
      expect(json.rules[0]?.baseline).toBe(0.8);
      expect(json.passed).toBe(true);
    }
  });

  it("@alias and a version select that version's metrics (v2 is better than the candidate: exit 1)", async () => {
    for (const [mode, source] of [
      ["@staging", "registry:fraud@staging (v2)"],
      ["v2", "registry:fraud:v2"],
      ["latest", "registry:fraud:latest (v2)"],
    ]) {
      const result = await gate(mode as string);
      expect(result.code, mode).toBe(1);
      const json = verdict(result.stdout);
      expect(json.baseline).toBe(source);
      expect(json.rules[0]?.baseline).toBe(0.95);
    }
  });

  it("a file baseline is still read locally, without a token", async () => {
    const result = await gate("base.json", {});
    expect(result.code).toBe(1);
    expect(verdict(result.stdout).baseline).toBe("file:base.json");
  });

  it.each([
    [
      "@champion",
      /^mlops: Model fraud has no alias @champion in acme\/models \(aliases: production, staging\)\.$/,
    ],
    ["v7", /^mlops: Model fraud has no version v7 in acme\/models\.$/],
    ["v0", /^mlops: --baseline: Invalid model version 'v0': whole-number versions start at 1\.$/],
    ["@Bad", /^mlops: --baseline: Invalid alias 'Bad'/],
    ["previous", /^mlops: --baseline: 'previous' is previous, which is not accepted here: expected v7/],
    ["missing.json", /^mlops: baseline metrics file not found: missing\.json/],
  ])("%s: one clear line, exit 2", async (mode, message) => {
    const result = await gate(mode);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split("\n")).toHaveLength(1);
  });

  it("a registry baseline without --repo or a token says which is missing", async () => {
    const noToken = await gate("production", { PATH: "/nonexistent" });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^mlops: no token: set GITHUB_TOKEN/);
  });
});
