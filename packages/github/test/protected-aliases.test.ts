// Protected aliases (issue 17 item 7): `deploy` refuses to move the alias of an environment the config
// requires to be protected when its GitHub environment has no required reviewers.
import { join } from "node:path";
import { ConfigError, versionTagRuleset } from "@mlops/core";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployModel, type GitHubClient, readEnvironmentProtection } from "../src/index.js";
import { aliasVersion } from "../src/testing.js";
import { emulatorClient, emulatorWithClient, OWNER, registerRun, tempDir } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
/** The repository's admin (environments are settings). */
let admin: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  ({ emulator, client } = await emulatorWithClient());
  admin = emulatorClient(emulator, emulator.createToken({ actions: "write" }, "admin"));
  work = await tempDir();
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

const deploy = (repo: string, requireProtection: boolean) =>
  deployModel(client, {
    owner: OWNER,
    repo,
    model: "fraud",
    selector: "1",
    environment: "production",
    workDir: join(work.dir, `deploy-${repo}`),
    runId: "7",
    run: async () => ({ ok: true }),
    rollbackOnFailure: false,
    requireProtection,
  });

async function deployments(repo: string): Promise<number> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/deployments", { owner: OWNER, repo });
  return data.length;
}

describe("require_protection", () => {
  it("refuses when the environment does not exist or has no required reviewers, writing nothing", async () => {
    const repo = "protect-missing";
    await registerRun(client, work.dir, repo, "1");
    const missing = await deploy(repo, true).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toMatch(/has no environment 'production'.*@production was not moved/);

    // An environment with only a wait timer: still no approval before production moves.
    await admin.request("PUT /repos/{owner}/{repo}/environments/{environment_name}", {
      owner: OWNER,
      repo,
      environment_name: "production",
      wait_timer: 5,
    });
    expect(
      await readEnvironmentProtection(client, { owner: OWNER, repo, environment: "production" }),
    ).toMatchObject({
      exists: true,
      reviewers: [],
      waitTimer: 5,
      rules: ["wait_timer"],
    });
    const unprotected = await deploy(repo, true).catch((e: unknown) => e);
    expect(unprotected).toBeInstanceOf(ConfigError);
    expect((unprotected as Error).message).toMatch(/no required reviewers \(rules: wait_timer\)/);
    expect(await deployments(repo)).toBe(0);
    expect(
      await aliasVersion(client, { owner: OWNER, repo, model: "fraud", alias: "production" }),
    ).toBeUndefined();
    // Not required: the same environment deploys.
    expect((await deploy(repo, false)).ok).toBe(true);
  });

  it("deploys when the environment has required reviewers", async () => {
    const repo = "protect-ok";
    await registerRun(client, work.dir, repo, "1");
    const { data: me } = await admin.request("GET /user");
    await admin.request("PUT /repos/{owner}/{repo}/environments/{environment_name}", {
      owner: OWNER,
      repo,
      environment_name: "production",
      reviewers: [{ type: "User", id: Number(me.id) }],
    });
    expect((await deploy(repo, true)).ok).toBe(true);
    expect(
      await aliasVersion(client, { owner: OWNER, repo, model: "fraud", alias: "production" }),
    ).toMatchObject({ version: "1" });
  });

  it("says which permission is missing when the token cannot read environments", async () => {
    const repo = "protect-token";
    await registerRun(client, work.dir, repo, "1");
    const { client: noActions } = await emulatorWithClient({ contents: "write", deployments: "write" });
    const error = await deployModel(noActions, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "1",
      environment: "production",
      workDir: join(work.dir, "deploy-token"),
      runId: "8",
      run: async () => ({ ok: true }),
      rollbackOnFailure: false,
      requireProtection: true,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/actions/);
  });

  it("the documented tag ruleset lets the release workflow register versions but never move or delete one", async () => {
    const repo = "protect-ruleset";
    await registerRun(client, work.dir, repo, "1");
    const ruleset = versionTagRuleset(["fraud"]) as {
      name: string;
      conditions: { ref_name: { include: string[] } };
      rules: Array<{ type: string }>;
    };
    // The emulator's ruleset control takes the same include patterns and rule types.
    await client.request("POST /_emulator/repos/{owner}/{repo}/rulesets", {
      owner: OWNER,
      repo,
      name: ruleset.name,
      include: ruleset.conditions.ref_name.include,
      rules: ruleset.rules.map((r) => r.type),
    });
    expect((await registerRun(client, work.dir, repo, "2")).version).toBe("2");
    const { data: head } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo,
      ref: "tags/fraud/v2",
    });
    const moved = await client
      .request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
        owner: OWNER,
        repo,
        ref: "tags/fraud/v1",
        sha: head.object.sha,
        force: true,
      })
      .catch((e: unknown) => e);
    expect((moved as { status?: number }).status).toBe(422);
    const deleted = await client
      .request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { owner: OWNER, repo, ref: "tags/fraud/v1" })
      .catch((e: unknown) => e);
    expect((deleted as { status?: number }).status).toBe(422);
    // Aliases live in refs/mlops/, which no ruleset can target (rulesets cover branches and tags): they still move.
    expect((await deploy(repo, false)).ok).toBe(true);
  });
});
