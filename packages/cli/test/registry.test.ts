import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerModel } from "@mlops/github";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let token: string;

beforeAll(async () => {
  emulator = await startEmulator();
  token = emulator.createToken({ contents: "write", deployments: "write" });
  const client = emulatorClient(emulator, token);
  const { data: commit } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner: "acme",
    repo: "models",
    ref: "main",
  });
  const dir = mkdtempSync(join(tmpdir(), "cli-registry-"));
  for (const runId of ["101", "102", "103"]) {
    writeFileSync(join(dir, "model.bin"), `weights ${runId}`);
    await registerModel(client, {
      owner: "acme",
      repo: "models",
      model: "fraud",
      commitSha: commit.sha,
      files: [{ path: join(dir, "model.bin"), name: "model.bin" }],
      metrics: { accuracy: 0.9 },
      params: {},
      idempotencyKey: `acme/models/${runId}/fraud`,
      aliases: runId === "101" ? ["production"] : runId === "102" ? ["latest"] : [],
      ...(runId === "103" ? { version: "1.4.0" } : {}),
    });
  }
});
afterAll(() => emulator.close());

function cli(args: string[], cwd = process.cwd()) {
  return runCliCaptured([...args, "--repo", "acme/models", "--api-url", emulator.url], {
    cwd,
    env: { GITHUB_TOKEN: token },
  });
}

describe("mlops registry", () => {
  it("lists models and versions with their aliases", async () => {
    expect(JSON.parse((await cli(["registry", "list", "--format", "json"])).stdout)).toEqual({
      models: ["fraud"],
    });
    const versions = JSON.parse((await cli(["registry", "list", "fraud", "--format", "json"])).stdout) as {
      versions: { version: string; aliases: string[] }[];
    };
    // Semver precedence: 2 (= 2.0.0) > 1.4.0 > 1 (= 1.0.0).
    expect(versions.versions.map((v) => [v.version, v.aliases])).toEqual([
      ["2", ["latest"]],
      ["1.4.0", []],
      ["1", ["production"]],
    ]);
    const table = (await cli(["registry", "list", "fraud"])).stdout;
    expect(
      table
        .split("\n")
        .slice(2, 5)
        .map((line) => line.split("|")[1]?.trim()),
    ).toEqual(["v2", "v1.4.0", "v1"]);
  });

  it("shows the version behind an alias with its checksummed assets, in three API calls (tags, aliases, release)", async () => {
    emulator.clearLog();
    const shown = await cli(["registry", "show", "fraud@production", "--format", "json"]);
    expect(shown.code).toBe(0);
    const json = JSON.parse(shown.stdout) as { version: string; assets: { name: string; digest: string }[] };
    expect(json.version).toBe("1");
    expect(json.assets.map((a) => a.name)).toContain("model.bin");
    expect(json.assets.every((a) => /^sha256:[0-9a-f]{64}$/.test(a.digest))).toBe(true);
    expect(emulator.requestLog.length).toBe(3);
    expect((await cli(["registry", "show", "fraud:v2"])).stdout).toMatch(/^fraud v2 {2}\(fraud\/v2\)/);
    expect((await cli(["registry", "show", "fraud:v1.4.0"])).stdout).toMatch(
      /^fraud v1.4.0 {2}\(fraud\/v1.4.0\)/,
    );
    const build = await cli(["registry", "show", "fraud:1.4.0+build.7"]);
    expect(build.code).toBe(2);
    expect(build.stderr).toMatch(/^mlops: Invalid model version '1.4.0\+build.7': build metadata/);
    expect(build.stderr.split("\n")).toHaveLength(1);
  });

  it("fails with exit 2 and one line for a bad model name", async () => {
    const bad = await cli(["registry", "show", "Fraud/X"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n")).toHaveLength(1);
  });

  it("downloads and verifies a version into a directory", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "cli-download-"));
    const result = await cli(
      ["registry", "download", "fraud@production", "-o", "out", "--format", "json"],
      cwd,
    );
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      version: string;
      directory: string;
      files: { name: string }[];
    };
    expect(json.version).toBe("1");
    expect(json.files.map((f) => f.name)).toEqual(["model.bin"]);
    expect(readFileSync(join(cwd, "out", "model.bin"), "utf8")).toBe("weights 101");
    const table = await cli(["registry", "download", "fraud:v2"], cwd);
    expect(table.stdout).toMatch(/^fraud v2 → .*fraud-v2 \(every file verified\)/);
    expect(readFileSync(join(cwd, "fraud-v2", "model.bin"), "utf8")).toBe("weights 102");
    await cli(["registry", "download", "fraud:1.4.0"], cwd);
    expect(readFileSync(join(cwd, "fraud-v1.4.0", "model.bin"), "utf8")).toBe("weights 103");
  });

  it("promotes a version to an alias and to an environment, and rolls the environment back", async () => {
    const promoted = await cli([
      "registry",
      "promote",
      "fraud:v2",
      "--alias",
      "champion",
      "--format",
      "json",
    ]);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ alias: "champion", version: "2" });
    const shown = JSON.parse((await cli(["registry", "show", "fraud@champion", "--format", "json"])).stdout);
    expect(shown.version).toBe("2");

    const staged = await cli(["registry", "promote", "fraud:v1.4.0", "--to", "staging"]);
    expect(staged.code).toBe(0);
    const toV2 = await cli(["registry", "promote", "fraud:v2", "--to", "staging"]);
    expect(toV2.stdout).toMatch(/^promote: staging now runs fraud v2 \(was v1.4.0\)/);
    const back = await cli(["registry", "rollback", "fraud", "--environment", "staging", "--format", "json"]);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ ok: true, version: "1.4.0", previous_version: "2" });
    const staging = JSON.parse((await cli(["registry", "show", "fraud@staging", "--format", "json"])).stdout);
    expect(staging.version).toBe("1.4.0");
  });

  it("exits 2 with one line when promote gets neither --alias nor --to, or rollback has no history", async () => {
    const neither = await cli(["registry", "promote", "fraud:v2"]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe("mlops: promote: give exactly one of --alias ALIAS or --to ENVIRONMENT");
    const never = await cli(["registry", "rollback", "fraud", "--environment", "qa"]);
    expect(never.code).toBe(2);
    expect(never.stderr).toMatch(/^mlops: fraud has never been deployed to qa/);
  });
});
