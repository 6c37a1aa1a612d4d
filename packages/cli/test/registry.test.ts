import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGitHubClient, registerModel } from "@mlops/github";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/io.js";
import { runCli } from "../src/main.js";

let emulator: Emulator;
let token: string;

beforeAll(async () => {
  emulator = await startEmulator();
  token = emulator.createToken({ contents: "write" });
  const client = createGitHubClient({
    token,
    apiUrl: emulator.url,
    pacing: { writeIntervalMs: 0, notificationIntervalMs: 0 },
  });
  const { data: commit } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner: "acme",
    repo: "models",
    ref: "main",
  });
  const dir = mkdtempSync(join(tmpdir(), "cli-registry-"));
  writeFileSync(join(dir, "model.bin"), "weights");
  for (const runId of ["101", "102"]) {
    await registerModel(client, {
      owner: "acme",
      repo: "models",
      model: "fraud",
      commitSha: commit.sha,
      files: [{ path: join(dir, "model.bin"), name: "model.bin" }],
      metrics: { accuracy: 0.9 },
      params: {},
      lineage: { runId },
      idempotencyKey: `acme/models/${runId}/fraud`,
      aliases: runId === "101" ? ["production"] : ["latest"],
    } as Parameters<typeof registerModel>[1]);
  }
});
afterAll(() => emulator.close());

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    interactive: false,
    cwd: process.cwd(),
    env: { GITHUB_TOKEN: token },
  };
  const code = await runCli([...args, "--repo", "acme/models", "--api-url", emulator.url], io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("mlops registry", () => {
  it("lists models and versions with their aliases", async () => {
    expect(JSON.parse((await cli(["registry", "list", "--format", "json"])).stdout)).toEqual({
      models: ["fraud"],
    });
    const versions = JSON.parse((await cli(["registry", "list", "fraud", "--format", "json"])).stdout) as {
      versions: { version: number; aliases: string[] }[];
    };
    expect(versions.versions.map((v) => [v.version, v.aliases])).toEqual([
      [2, ["latest"]],
      [1, ["production"]],
    ]);
  });

  it("shows the version behind an alias with its checksummed assets, in two API calls", async () => {
    emulator.clearLog();
    const shown = await cli(["registry", "show", "fraud@production", "--format", "json"]);
    expect(shown.code).toBe(0);
    const json = JSON.parse(shown.stdout) as { version: number; assets: { name: string; digest: string }[] };
    expect(json.version).toBe(1);
    expect(json.assets.map((a) => a.name)).toContain("model.bin");
    expect(json.assets.every((a) => /^sha256:[0-9a-f]{64}$/.test(a.digest))).toBe(true);
    expect(emulator.requestLog.length).toBe(2);
    expect((await cli(["registry", "show", "fraud:v2"])).stdout).toMatch(/^fraud v2 {2}\(fraud\/v2\)/);
  });

  it("fails with exit 2 and one line for a bad model name", async () => {
    const bad = await cli(["registry", "show", "Fraud/X"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n")).toHaveLength(1);
  });
});
