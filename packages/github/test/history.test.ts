// `registry history` (issue 17 item 6): every alias move from Deployments, environment approvals and releases.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderAliasHistoryMermaid, renderAliasHistoryTable } from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliasHistory, deployModel, type GitHubClient, moveAlias } from "../src/index.js";
import { emulatorClient, headSha, OWNER, openPullRequest, registerRun, tempDir } from "./helpers.js";

const REPO = "history";
let emulator: Emulator;
/** Added to the emulator's clock: moved forward between the two production moves so a date filter can tell them apart (GitHub, like the emulator, may give writes in one second the same timestamp). */
let clockOffset = 0;
let admin: GitHubClient;
let maintainer: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  work = await tempDir();
  emulator = await startEmulator({ clock: () => Date.now() + clockOffset });
  admin = emulatorClient(
    emulator,
    emulator.createToken(
      { contents: "write", deployments: "write", actions: "write", pull_requests: "write" },
      "deployer",
    ),
  );
  maintainer = emulatorClient(
    emulator,
    emulator.createToken({ actions: "write", deployments: "write" }, "maintainer"),
  );
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

/** A workflow run by `actor` whose job waited for `environment` and was approved by the maintainer. */
async function approvedRun(actor: string, environment: string, comment: string): Promise<number> {
  const { data: run } = await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
    owner: OWNER,
    repo: REPO,
    workflow_path: ".github/workflows/mlops-release.yml",
    event: "push",
    head_branch: "main",
    head_sha: await headSha(admin, REPO),
    actor,
  });
  await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/environment-waits", {
    owner: OWNER,
    repo: REPO,
    run_id: Number(run.id),
    environment,
    job: `deploy-${environment}`,
  });
  const { data: env } = await admin.request("GET /repos/{owner}/{repo}/environments/{environment_name}", {
    owner: OWNER,
    repo: REPO,
    environment_name: environment,
  });
  await maintainer.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments", {
    owner: OWNER,
    repo: REPO,
    run_id: Number(run.id),
    environment_ids: [Number(env.id)],
    state: "approved",
    comment,
  });
  return Number(run.id);
}

async function deploy(selector: string, environment: string, runId: string, ok = true) {
  return deployModel(admin, {
    owner: OWNER,
    repo: REPO,
    model: "fraud",
    selector,
    environment,
    runId,
    workDir: await mkdtemp(join(tmpdir(), "history-deploy-")),
    run: async () => (ok ? { ok: true } : { ok: false, message: "smoke test failed" }),
    rollbackOnFailure: false,
  });
}

describe("aliasHistory", () => {
  let runA: number;
  let runB: number;
  beforeAll(async () => {
    const { data: me } = await maintainer.request("GET /user");
    await admin.request("PUT /repos/{owner}/{repo}/environments/{environment_name}", {
      owner: OWNER,
      repo: REPO,
      environment_name: "production",
      reviewers: [{ type: "User", id: Number(me.id) }],
    });
    await registerRun(admin, work.dir, REPO, "11");
    // v2 is trained from a pull request's head commit.
    const pr = await openPullRequest(admin, REPO);
    await registerRun(admin, work.dir, REPO, "12", { commitSha: pr.headSha });
    runA = await approvedRun("ana", "production", "ship v1");
    expect((await deploy("1", "production", String(runA))).ok).toBe(true);
    await deploy("2", "staging", "cli:ana:1"); // a CLI deploy: no run, no approval
    await deploy("2", "staging", "cli:ana:2", false); // failed: the alias did not move
    clockOffset += 60_000;
    runB = await approvedRun("bob", "production", "v2 looks good");
    expect((await deploy("2", "production", String(runB))).ok).toBe(true);
  });

  it("lists every alias move with who triggered it, who approved it, the run and the PR, in bounded calls", async () => {
    emulator.clearLog();
    const history = await aliasHistory(admin, { owner: OWNER, repo: REPO, model: "fraud" });
    expect(history.gaps).toEqual([]);
    expect(
      history.moves.map((m) => [
        m.alias,
        m.version,
        m.previousVersion,
        m.triggeredBy,
        m.approvals.map((a) => a.user),
        m.run?.id ?? null,
        m.pullRequest?.number ?? null,
      ]),
    ).toEqual([
      ["production", "1", null, "ana", ["maintainer"], runA, null],
      ["staging", "2", null, "deployer", [], null, 1],
      ["production", "2", "1", "bob", ["maintainer"], runB, 1],
    ]);
    expect(history.moves[2]).toMatchObject({
      creator: "deployer",
      registeredByRun: "12",
      approvals: [{ comment: "v2 looks good", state: "approved" }],
    });
    // 1 deployment page + 4 status lists + 2 runs × 2 + 2 versions × 2 + 2 refs = 15, as counted and as logged.
    expect(history.calls).toBe(15);
    expect(emulator.requestLog).toHaveLength(15);
  });

  it("filters by alias and by date, and renders a table and a Mermaid timeline naming the approver", async () => {
    const production = await aliasHistory(admin, {
      owner: OWNER,
      repo: REPO,
      model: "fraud",
      alias: "production",
    });
    expect(production.moves.map((m) => m.version)).toEqual(["1", "2"]);
    const since = new Date(Date.parse(production.moves[1]?.movedAt ?? "") - 1000);
    const recent = await aliasHistory(admin, {
      owner: OWNER,
      repo: REPO,
      model: "fraud",
      alias: "production",
      since,
    });
    expect(recent.moves.map((m) => m.version)).toEqual(["2"]);
    const table = renderAliasHistoryTable(production.moves);
    expect(table.split("\n")[2]).toMatch(
      /\| @production \| v2 +\| v1 +\| bob +\| maintainer +\| #\d+ \| #1 +\|/,
    );
    const mermaid = renderAliasHistoryMermaid("fraud", production.moves, "production");
    expect(mermaid).toContain("timeline");
    expect(mermaid).toMatch(/UTC : @production → v2 : by bob : approved by maintainer : PR #1\n/);
    expect(
      mermaid
        .split("\n")
        .filter((l) => l.includes(" : "))
        .every((l) => !/\d#58;\d/.test(l.split(" : ")[0] ?? "")),
    ).toBe(true);
  });

  it("reports an alias moved outside a deployment (GitHub keeps no record of ref writes)", async () => {
    await moveAlias(admin, { owner: OWNER, repo: REPO, model: "fraud", alias: "production", selector: "1" });
    const history = await aliasHistory(admin, {
      owner: OWNER,
      repo: REPO,
      model: "fraud",
      alias: "production",
    });
    expect(history.gaps).toEqual([
      expect.stringMatching(
        /^@production names v1, but the last deployment moved it to v2: it was moved outside a deployment/,
      ),
    ]);
    await moveAlias(admin, { owner: OWNER, repo: REPO, model: "fraud", alias: "production", selector: "2" });
  });

  it("says what it could not read instead of leaving approvals silently empty", async () => {
    const noActions = emulatorClient(
      emulator,
      emulator.createToken({ contents: "read", deployments: "read" }, "reader"),
    );
    const history = await aliasHistory(noActions, {
      owner: OWNER,
      repo: REPO,
      model: "fraud",
      alias: "production",
    });
    expect(history.moves.map((m) => [m.version, m.triggeredBy, m.approvals])).toEqual([
      ["1", "deployer", []],
      ["2", "deployer", []],
    ]);
    expect(history.gaps.join("\n")).toMatch(/workflow runs \(actions: read\): not readable/);
  });
});
