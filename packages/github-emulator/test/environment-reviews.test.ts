/** Required reviewers on environments: protection rules, pending deployments, reviews, and the runner's waits. */
import { describe, expect, it } from "vitest";
import { allPermissions } from "../src/auth.js";
import { call, useEmulator } from "./helpers.js";
import { registerRun } from "./support/actions-jobs.js";

const emulator = useEmulator();
type Obj = Record<string, unknown>;

/** A repository whose `production` has `maintainer` as its required reviewer, and a run waiting for it. */
async function waitingRun(repo: string) {
  const base = emulator().url;
  const maintainer = emulator().createToken(allPermissions(), "maintainer");
  const bystander = emulator().createToken(allPermissions(), "bystander");
  const me = (await call(emulator(), "GET", "/user", undefined, { authorization: `token ${maintainer}` }))
    .json as Obj;
  const put = await call(emulator(), "PUT", `/repos/${repo}/environments/production`, {
    wait_timer: 0,
    reviewers: [{ type: "User", id: me.id }],
  });
  expect(put.status).toBe(200);
  const run = await registerRun(base, repo, { workflow_path: ".github/workflows/release.yml" });
  const wait = await call(
    emulator(),
    "POST",
    `/_emulator/repos/${repo}/actions/runs/${run.id}/environment-waits`,
    {
      environment: "production",
      job: "deploy-production",
    },
  );
  expect(wait.status).toBe(201);
  expect(wait.json).toMatchObject({ state: "waiting", reviewers: ["maintainer"] });
  const waitUrl = `/_emulator/repos/${repo}/actions/runs/${run.id}/environment-waits/${(wait.json as Obj).id}`;
  const env = (await call(emulator(), "GET", `/repos/${repo}/environments/production`)).json as Obj;
  return {
    runId: run.id,
    envId: env.id as number,
    env,
    waitUrl,
    maintainer: { authorization: `token ${maintainer}` },
    bystander: { authorization: `token ${bystander}` },
  };
}

describe("environment required reviewers", () => {
  it("renders the required_reviewers protection rule with the reviewer resolved from its id", async () => {
    const { env } = await waitingRun("acme/rules");
    const rules = env.protection_rules as Obj[];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ type: "required_reviewers", prevent_self_review: false });
    expect(((rules[0] as Obj).reviewers as Obj[]).map((r) => [r.type, (r.reviewer as Obj).login])).toEqual([
      ["User", "maintainer"],
    ]);
    const unknown = await call(emulator(), "PUT", "/repos/acme/rules/environments/staging", {
      reviewers: [{ type: "User", id: 1 }],
    });
    expect(unknown.status).toBe(422);
  });

  it("lets a listed reviewer approve: the wait turns approved and the review is logged", async () => {
    const ctx = await waitingRun("acme/approve");
    const pending = await call(
      emulator(),
      "GET",
      `/repos/acme/approve/actions/runs/${ctx.runId}/pending_deployments`,
      undefined,
      ctx.maintainer,
    );
    expect(pending.status).toBe(200);
    const [first] = pending.json as Obj[];
    expect(first).toMatchObject({ current_user_can_approve: true, wait_timer: 0 });
    expect(((first as Obj).environment as Obj).name).toBe("production");
    const asBystander = await call(
      emulator(),
      "GET",
      `/repos/acme/approve/actions/runs/${ctx.runId}/pending_deployments`,
      undefined,
      ctx.bystander,
    );
    expect((asBystander.json as Obj[])[0]).toMatchObject({ current_user_can_approve: false });

    const approved = await call(
      emulator(),
      "POST",
      `/repos/acme/approve/actions/runs/${ctx.runId}/pending_deployments`,
      { environment_ids: [ctx.envId], state: "approved", comment: "Ship it" },
      ctx.maintainer,
    );
    expect(approved.status).toBe(200);
    expect((await call(emulator(), "GET", ctx.waitUrl)).json).toMatchObject({
      state: "approved",
      reviewer: "maintainer",
      comment: "Ship it",
    });
    const after = await call(
      emulator(),
      "GET",
      `/repos/acme/approve/actions/runs/${ctx.runId}/pending_deployments`,
    );
    expect(after.json).toEqual([]);
    const approvals = (
      await call(emulator(), "GET", `/repos/acme/approve/actions/runs/${ctx.runId}/approvals`)
    ).json as Obj[];
    expect(approvals.map((a) => [a.state, (a.user as Obj).login, a.comment])).toEqual([
      ["approved", "maintainer", "Ship it"],
    ]);
    expect(((approvals[0] as Obj).environments as Obj[]).map((e) => e.name)).toEqual(["production"]);
  });

  it("refuses a user who is not a required reviewer, and the run keeps waiting", async () => {
    const ctx = await waitingRun("acme/refuse");
    const refused = await call(
      emulator(),
      "POST",
      `/repos/acme/refuse/actions/runs/${ctx.runId}/pending_deployments`,
      { environment_ids: [ctx.envId], state: "approved", comment: "me too" },
      ctx.bystander,
    );
    expect(refused.status).toBe(422);
    expect((refused.json as Obj).message).toContain("bystander is not a required reviewer");
    expect((await call(emulator(), "GET", ctx.waitUrl)).json).toMatchObject({ state: "waiting" });
    const approvals = await call(emulator(), "GET", `/repos/acme/refuse/actions/runs/${ctx.runId}/approvals`);
    expect(approvals.json).toEqual([]);
  });

  it("records a rejection with the reviewer and comment", async () => {
    const ctx = await waitingRun("acme/reject");
    const rejected = await call(
      emulator(),
      "POST",
      `/repos/acme/reject/actions/runs/${ctx.runId}/pending_deployments`,
      { environment_ids: [ctx.envId], state: "rejected", comment: "not today" },
      ctx.maintainer,
    );
    expect(rejected.status).toBe(200);
    expect((await call(emulator(), "GET", ctx.waitUrl)).json).toMatchObject({
      state: "rejected",
      reviewer: "maintainer",
      comment: "not today",
    });
    const approvals = (
      await call(emulator(), "GET", `/repos/acme/reject/actions/runs/${ctx.runId}/approvals`)
    ).json as Obj[];
    expect(approvals.map((a) => a.state)).toEqual(["rejected"]);
  });

  it("approves at once for environments without reviewers, and withdraws a wait", async () => {
    const ctx = await waitingRun("acme/free");
    const free = await call(
      emulator(),
      "POST",
      `/_emulator/repos/acme/free/actions/runs/${ctx.runId}/environment-waits`,
      {
        environment: "staging",
        job: "deploy-staging",
      },
    );
    expect(free.json).toMatchObject({ state: "approved" });
    const withdrawn = await call(emulator(), "DELETE", ctx.waitUrl);
    expect(withdrawn.json).toMatchObject({ state: "withdrawn" });
    const pending = await call(
      emulator(),
      "GET",
      `/repos/acme/free/actions/runs/${ctx.runId}/pending_deployments`,
    );
    expect(pending.json).toEqual([]);
  });
});
