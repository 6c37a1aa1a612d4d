import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Harness, headSha, runStep, startHarness, writeTree } from "@mlops/action-kit/testing";
import { type GitHubClient, getPublishedRelease, registerModel } from "@mlops/github";
import { aliasVersion } from "@mlops/github/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";

const OWNER = "acme";
let harness: Harness;
let stateDir: string;

beforeAll(async () => {
  stateDir = join(process.env.TMPDIR ?? "/tmp", `mlops-deploy-state-${process.pid}`);
  harness = await startHarness({ stateDir });
});
afterAll(async () => {
  await harness.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function registerVersions(repo: string, count: number, versions: string[] = []): Promise<void> {
  const dir = join(harness.dir, `${repo}-models`);
  const commitSha = await headSha(harness.client, OWNER, repo);
  for (let run = 1; run <= count; run++) {
    await writeTree(dir, { [`model-${run}.bin`]: `weights ${run}` });
    await registerModel(harness.client, {
      owner: OWNER,
      repo,
      model: "fraud",
      commitSha,
      files: [{ path: join(dir, `model-${run}.bin`), name: "model.bin" }],
      metrics: { accuracy: 0.9 },
      idempotencyKey: `${OWNER}/${repo}/${run}/fraud`,
      ...(versions[run - 1] ? { version: versions[run - 1] } : {}),
    });
  }
}

/** A deploy command that records what it was given, in `<cwd>/deployed-<environment>.txt`. */
const RECORD =
  'printf "%s %s %s\\n" "$MODEL_VERSION" "$MODEL_SHA256" "$(cat "$MODEL_DIR/model.bin")" >> "deployed-$DEPLOY_ENVIRONMENT.txt"';

let runIds = 1000;
async function deploy(repo: string, inputs: Record<string, string>) {
  const cwd = join(harness.dir, repo);
  await mkdir(cwd, { recursive: true });
  return runStep(main, {
    harness,
    repository: `${OWNER}/${repo}`,
    sha: await headSha(harness.client, OWNER, repo),
    runId: runIds++,
    cwd,
    inputs: { "model-name": "fraud", environment: "production", command: RECORD, ...inputs },
    deps: { sleep: async () => {} } as never,
  });
}

async function deployedLines(repo: string, environment = "production"): Promise<string[]> {
  const path = join(harness.dir, repo, `deployed-${environment}.txt`);
  return existsSync(path) ? (await readFile(path, "utf8")).trim().split("\n") : [];
}

async function statesOf(
  client: GitHubClient,
  repo: string,
): Promise<Array<{ version: string; state: string }>> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/deployments", { owner: OWNER, repo });
  const result: Array<{ version: string; state: string }> = [];
  for (const d of [...data].sort((a, b) => Number(a.id) - Number(b.id))) {
    const { data: statuses } = await client.request(
      "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
      { owner: OWNER, repo, deployment_id: Number(d.id) },
    );
    const latest = [...statuses].sort((a, b) => Number(b.id) - Number(a.id))[0];
    result.push({ version: (d.payload as { version: string }).version, state: latest?.state ?? "none" });
  }
  return result;
}

const production = (repo: string) =>
  aliasVersion(harness.client, { owner: OWNER, repo, model: "fraud", alias: "production" });

/** Overwrites the stored bytes of the newest asset `name` in the emulator's state directory. */
async function tamper(repo: string, name: string, content: string): Promise<void> {
  const state = JSON.parse(await readFile(join(stateDir, "state.json"), "utf8")) as {
    repos: Record<string, { assets: Array<{ name: string; blob: string }> }>;
  };
  const assets = state.repos[`${OWNER}/${repo}`]?.assets.filter((a) => a.name === name) ?? [];
  const blob = assets[assets.length - 1]?.blob;
  if (!blob) throw new Error(`no stored asset ${name}`);
  await writeFile(join(stateDir, "blobs", blob), content);
}

describe("deploy action", () => {
  it("deploys with MODEL_* set, moves the alias after success and marks the replaced deployment inactive", async () => {
    const repo = "deploy-ok";
    await registerVersions(repo, 2);
    const first = await deploy(repo, { version: "1", "environment-url": "https://fraud.example" });
    expect(first.failure).toBeUndefined();
    expect(first.outputs).toMatchObject({ version: "1", "environment-url": "https://fraud.example" });
    const [line] = await deployedLines(repo);
    const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
    const manifestDigest = release?.assets.find((a) => a.name === "model.json")?.digest;
    expect(line).toBe(`1 ${manifestDigest?.replace("sha256:", "")} weights 1`);
    expect((await production(repo))?.version).toBe("1");

    const second = await deploy(repo, { version: "latest" });
    expect(second.outputs.version).toBe("2");
    expect((await production(repo))?.version).toBe("2");
    expect(await statesOf(harness.client, repo)).toEqual([
      { version: "1", state: "inactive" },
      { version: "2", state: "success" },
    ]);
    const dispatches = harness.emulator.requestLog.filter(
      (r) => r.method === "POST" && r.path === `/repos/${OWNER}/${repo}/dispatches`,
    );
    expect(dispatches).toHaveLength(2);
  });

  it("a failing command leaves the alias where it was and records the failure", async () => {
    const repo = "deploy-fail";
    await registerVersions(repo, 2);
    await deploy(repo, { version: "1" });
    const failed = await deploy(repo, { version: "2", command: "exit 3", "rollback-on-failure": "false" });
    expect(failed.failure).toMatch(
      /fraud v2 was not deployed to production: deploy command failed with exit code 3; production still runs v1/,
    );
    expect((await production(repo))?.version).toBe("1");
    expect(await statesOf(harness.client, repo)).toEqual([
      { version: "1", state: "success" },
      { version: "2", state: "failure" },
    ]);
  });

  it("refuses an environment mlops.yml requires to be protected when it has no required reviewers", async () => {
    const repo = "deploy-protected";
    await registerVersions(repo, 1);
    const cwd = join(harness.dir, repo);
    await writeTree(cwd, {
      "mlops.yml": [
        "version: 1",
        "models:",
        "  - name: fraud",
        "    environments:",
        "      - name: production",
        "        require_protection: true",
        "",
      ].join("\n"),
    });
    const refused = await deploy(repo, { version: "1" });
    expect(refused.failure).toMatch(
      /Not deploying: the config requires environment 'production' of fraud to be protected .*has no environment 'production'/,
    );
    expect(await deployedLines(repo)).toEqual([]);
    expect(await production(repo)).toBeUndefined();
    expect(await statesOf(harness.client, repo)).toEqual([]);
  });

  it("retries the health check, then rolls back to the last good version", async () => {
    const repo = "deploy-rollback";
    await registerVersions(repo, 2);
    await deploy(repo, { version: "1" });
    const failed = await deploy(repo, {
      version: "2",
      "health-check": 'echo try >> health.txt; test "$MODEL_VERSION" = 1',
      "health-check-retries": "3",
    });
    expect(failed.failure).toMatch(/health check failed 3 times; rolled back to v1/);
    expect(failed.outputs["rolled-back"]).toBe("true");
    // 3 tries for v2, 1 for the rollback of v1.
    expect((await readFile(join(harness.dir, repo, "health.txt"), "utf8")).trim().split("\n")).toHaveLength(
      4,
    );
    expect((await production(repo))?.version).toBe("1");
    expect((await statesOf(harness.client, repo)).map((d) => `${d.version}:${d.state}`)).toEqual([
      "1:inactive",
      "2:failure",
      "1:success",
    ]);
  });

  it("'previous' restores the version deployed before the current one; promote-from copies staging", async () => {
    const repo = "deploy-previous";
    await registerVersions(repo, 2);
    await deploy(repo, { version: "1", environment: "staging" });
    const promoted = await deploy(repo, { "promote-from": "staging" });
    expect(promoted.outputs.version).toBe("1");
    await deploy(repo, { version: "2" });
    expect((await production(repo))?.version).toBe("2");
    const rolledBack = await deploy(repo, { version: "previous" });
    expect(rolledBack.failure).toBeUndefined();
    expect(rolledBack.outputs.version).toBe("1");
    expect((await production(repo))?.version).toBe("1");
    expect((await deployedLines(repo)).map((l) => l.split(" ")[0])).toEqual(["1", "2", "1"]);
  });

  it("refuses a tampered asset and an HTML body before running the deploy command", async () => {
    for (const [repo, content, message] of [
      ["deploy-tampered", "weights 9", /does not match/],
      ["deploy-html", "<!DOCTYPE html><html><body>Rate limited</body></html>", /HTML page/],
    ] as const) {
      await registerVersions(repo, 1);
      await tamper(repo, "model.bin", content);
      const refused = await deploy(repo, { version: "1" });
      expect(refused.failure).toMatch(message);
      expect(await deployedLines(repo)).toEqual([]);
      expect(await production(repo)).toBeUndefined();
      expect(await statesOf(harness.client, repo)).toEqual([{ version: "1", state: "failure" }]);
    }
  });

  it("deploys semver versions given as 1.4.0 or v2.0.0-rc.1; 'previous' goes back across them", async () => {
    const repo = "deploy-action-semver";
    await registerVersions(repo, 2, ["1.4.0", "2.0.0-rc.1"]);
    const first = await deploy(repo, { version: "1.4.0" });
    expect(first.failure).toBeUndefined();
    expect(first.outputs.version).toBe("1.4.0");
    const second = await deploy(repo, { version: "v2.0.0-rc.1" });
    expect(second.outputs.version).toBe("2.0.0-rc.1");
    const back = await deploy(repo, { version: "previous" });
    expect(back.outputs.version).toBe("1.4.0");
    expect((await production(repo))?.version).toBe("1.4.0");
    expect(
      (await deployedLines(repo)).map((l) => `${l.split(" ")[0]} ${l.split(" ").slice(2).join(" ")}`),
    ).toEqual(["1.4.0 weights 1", "2.0.0-rc.1 weights 2", "1.4.0 weights 1"]);
    const bad = await deploy(repo, { version: "2.0.0+build.1" });
    expect(bad.failure).toMatch(/^Invalid input 'version': .*build metadata/);
  });

  it("names the conflicting inputs", async () => {
    const refused = await deploy("deploy-inputs", { version: "1", alias: "staging" });
    expect(refused.failure).toBe(
      "Give only one of 'version', 'alias' or 'promote-from' (got version, alias)",
    );
  });
});
