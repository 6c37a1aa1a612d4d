import { createPublicKey, type JsonWebKey, verify } from "node:crypto";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobResult, runWorkflow, type WorkflowResult, workflowRunEvent } from "../src/index.js";

const repo = join(import.meta.dirname, "fixtures", "repo");
const repository = "octo-org/fixture";
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

function job(result: WorkflowResult, id: string): JobResult {
  const found = result.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

async function run(
  workflow: string,
  event: string,
  vars: Record<string, string> = {},
): Promise<WorkflowResult> {
  return runWorkflow({
    workflow: `.github/workflows/${workflow}`,
    workspace: repo,
    event,
    apiUrl: emulator.url,
    repository,
    vars,
    log: () => undefined,
  });
}

async function getJson(
  path: string,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("runWorkflow with the emulator", () => {
  it("registers the run and gives each job a token holding exactly its permissions", async () => {
    const result = await run("permissions.yml", "push");
    expect(result.conclusion).toBe("success");
    expect(result.runId).toBeGreaterThan(0);
    // the job's own permissions: contents read only → a write is refused
    expect(job(result, "reader")).toMatchObject({
      permissions: { contents: "read" },
      outputs: { status: "403" },
    });
    // the workflow-level default: issues write → the same write succeeds
    expect(job(result, "writer")).toMatchObject({
      permissions: { contents: "read", issues: "write" },
      outputs: { status: "201" },
    });
    // a called workflow asking for more than its caller allows gets the caller's cap
    expect(job(result, "capped/wants-write").permissions).toEqual({ contents: "read" });
    const token = emulator.createToken({ actions: "read" });
    const runInfo = await getJson(`/repos/${repository}/actions/runs/${result.runId}`, token);
    expect(runInfo.status).toBe(200);
    expect(runInfo.body).toMatchObject({ status: "completed", conclusion: "success", event: "push" });
  });

  it("gives an OIDC ID token only to a job with id-token: write, signed by the emulator's issuer", async () => {
    const result = await run("oidc.yml", "push");
    expect(result.conclusion).toBe("success");
    const claims = JSON.parse(job(result, "signer").outputs.claims ?? "{}");
    expect(claims).toMatchObject({
      aud: "sigstore",
      iss: `${emulator.url}/_emulator/actions/oidc`,
      sub: `repo:${repository}:ref:refs/heads/main`,
      repository,
      ref: "refs/heads/main",
      workflow_ref: `${repository}/.github/workflows/oidc.yml@refs/heads/main`,
      job_workflow_ref: `${repository}/.github/workflows/oidc.yml@refs/heads/main`,
      run_id: String(result.runId),
    });
    expect(job(result, "plain").outputs["has-url"]).toBe("");
    // Without a job's request token the endpoint refuses.
    const refused = await fetch(
      `${emulator.url}/_emulator/actions/oidc/token?api-version=2.0&audience=sigstore`,
      {
        headers: { authorization: `bearer ${emulator.createToken({ contents: "write" })}` },
      },
    );
    expect(refused.status).toBe(401);
    const keys = (await (await fetch(`${emulator.url}/_emulator/actions/oidc/.well-known/jwks`)).json()) as {
      keys: Array<JsonWebKey & { alg: string }>;
    };
    expect(keys.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256" });
    const [header = "", payload = "", signature = ""] = (job(result, "signer").outputs.jwt ?? "").split(".");
    const key = createPublicKey({ key: keys.keys[0] as JsonWebKey, format: "jwk" });
    expect(
      verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url")),
    ).toBe(true);
  });

  it("names a called workflow's file in job_workflow_ref and points keyless signing at the emulator's Sigstore", async () => {
    const result = await runWorkflow({
      workflow: ".github/workflows/oidc-caller.yml",
      workspace: repo,
      toolkitRoot: repo,
      event: "push",
      apiUrl: emulator.url,
      repository,
      log: () => undefined,
    });
    expect(result.conclusion).toBe("success");
    const claims = (id: string) => JSON.parse(job(result, id).outputs.claims ?? "{}");
    // The run's workflow is the caller; the job's is the called file: the caller's repository for
    // `./…`, the toolkit's with its release tag for `owner/repo/…@v1` (docs "About security hardening with
    // OpenID Connect", `job_workflow_ref`).
    expect(claims("local/signer")).toMatchObject({
      workflow_ref: `${repository}/.github/workflows/oidc-caller.yml@refs/heads/main`,
      job_workflow_ref: `${repository}/.github/workflows/oidc-reusable.yml@refs/heads/main`,
    });
    expect(claims("toolkit/signer")).toMatchObject({
      workflow_ref: `${repository}/.github/workflows/oidc-caller.yml@refs/heads/main`,
      job_workflow_ref: "mlops-actions/mlops-actions/.github/workflows/oidc-reusable.yml@refs/tags/v1",
    });
    // Its tokens are only good for the emulator's Fulcio, so its jobs sign and verify with its Sigstore.
    expect(JSON.parse(job(result, "local/signer").outputs.sigstore ?? "{}")).toEqual({
      MLOPS_SIGSTORE_FULCIO_URL: `${emulator.url}/_sigstore/fulcio`,
      MLOPS_SIGSTORE_REKOR_URL: `${emulator.url}/_sigstore/rekor`,
      MLOPS_SIGSTORE_TSA_URL: `${emulator.url}/_sigstore/tsa/api/v1/timestamp`,
      MLOPS_SIGSTORE_TRUSTED_ROOT: expect.stringMatching(/sigstore-trusted-root\.json$/),
      MLOPS_SIGSTORE_OIDC_ISSUER: `${emulator.url}/_emulator/actions/oidc`,
      rootReadable: true,
    });
  });

  it("maps permissions: attestations: write into the job's token (GitHub's artifact attestations API)", async () => {
    const result = await run("attestations.yml", "push");
    expect(result.conclusion).toBe("success");
    // The emulator checks the bundle only once the token may write attestations: 422 there, 403 without.
    expect(job(result, "attester")).toMatchObject({
      permissions: { attestations: "write" },
      outputs: { status: "422" },
    });
    expect(job(result, "plain").outputs.status).toBe("403");
  });

  it("re-runs a run as its next attempt with the same id", async () => {
    const first = await run("hash.yml", "push");
    const again = await runWorkflow({
      workflow: ".github/workflows/hash.yml",
      workspace: repo,
      event: "push",
      apiUrl: emulator.url,
      repository,
      rerunOf: first.runId ?? 0,
      log: () => undefined,
    });
    expect(again).toMatchObject({ runId: first.runId, runAttempt: 2, conclusion: "success" });
    const token = emulator.createToken({ actions: "read" });
    const runInfo = await getJson(`/repos/${repository}/actions/runs/${first.runId}`, token);
    expect(runInfo.body).toMatchObject({ run_attempt: 2, conclusion: "success" });
  });

  it("moves an artifact from one job to the next and to a later run through @actions/artifact", async () => {
    const first = await run("artifacts.yml", "push");
    expect(first.conclusion).toBe("success");
    expect(job(first, "consume").outputs.content).toBe("model weights|metrics");
    const token = emulator.createToken({ actions: "read" });
    const listed = await getJson(`/repos/${repository}/actions/runs/${first.runId}/artifacts`, token);
    expect(listed.body).toMatchObject({ total_count: 1, artifacts: [{ name: "trained" }] });
    const later = await run("artifacts-later.yml", "workflow_dispatch", { EARLIER_RUN: String(first.runId) });
    expect(later.conclusion).toBe("success");
    expect(job(later, "fetch").outputs.content).toBe("model weights");
  });
});

describe("workflowRunEvent (issue 12, item 2)", () => {
  it("gives a companion what GitHub sends: a fork PR's run has the fork as head_repository and no pull_requests", async () => {
    const admin = { authorization: "Bearer admin", "content-type": "application/json" };
    const post = async (path: string, body: unknown) =>
      (await (
        await fetch(`${emulator.url}${path}`, { method: "POST", headers: admin, body: JSON.stringify(body) })
      ).json()) as Record<string, unknown>;
    // A same-repository PR and a PR from mallory's fork, both from a branch named `main` or `topic`.
    await post(`/_emulator/repos/${repository}/commits`, { branch: "topic", files: { "a.txt": "a" } });
    const own = await post(`/repos/${repository}/pulls`, { title: "own", head: "topic", base: "main" });
    await post(`/_emulator/repos/${repository}/forks`, { organization: "mallory" });
    const forkCommit = await post("/_emulator/repos/mallory/fixture/commits", {
      branch: "main",
      files: { "b.txt": "b" },
    });
    const fork = await post(`/repos/${repository}/pulls`, {
      title: "fork",
      head: "mallory:main",
      base: "main",
    });
    const prRun = (number: unknown, ref: string, sha: unknown, headRepo: string) =>
      runWorkflow({
        workflow: ".github/workflows/fork.yml",
        workspace: repo,
        event: "pull_request",
        apiUrl: emulator.url,
        repository,
        payload: {
          number,
          pull_request: {
            number,
            head: { ref, sha, repo: { full_name: headRepo } },
            base: { ref: "main", repo: { full_name: repository } },
          },
        },
        log: () => undefined,
      });
    const ownRun = await prRun(own.number, "topic", (own.head as { sha: string }).sha, repository);
    const forkRun = await prRun(fork.number, "main", forkCommit.sha, "mallory/fixture");

    const ownEvent = await workflowRunEvent({
      apiUrl: emulator.url,
      repository,
      runId: ownRun.runId as number,
    });
    expect(ownEvent).toMatchObject({
      action: "completed",
      workflow_run: {
        event: "pull_request",
        conclusion: "success",
        pull_requests: [{ number: own.number }],
        head_repository: { full_name: repository },
      },
      workflow: { name: "fork", path: ".github/workflows/fork.yml" },
    });
    const forkEvent = await workflowRunEvent({
      apiUrl: emulator.url,
      repository,
      runId: forkRun.runId as number,
    });
    expect(forkEvent.workflow_run).toMatchObject({
      event: "pull_request",
      head_branch: "main",
      head_sha: forkCommit.sha,
      pull_requests: [],
      head_repository: { full_name: "mallory/fixture", fork: true },
    });
  });
});
