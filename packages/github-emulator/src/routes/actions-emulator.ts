/**
 * Emulator-only Actions routes (not GitHub's API): a local runner registers runs (and re-runs), jobs (which
 * get a GitHub token with exactly the job's permissions and a runtime token for the artifact service),
 * completes runs, and tests expire artifacts. Documented in the README.
 */
import { randomUUID } from "node:crypto";
import {
  claimsOfRequest,
  type JobClaims,
  jwks,
  mintIdToken,
  mintIdTokenRequest,
  OIDC_PATH,
} from "../actions-runtime/oidc.js";
import { mintRuntimeToken } from "../actions-runtime/signing.js";
import { actionsOf } from "../actions-runtime/state.js";
import { DEFAULT_LOGIN, mintToken } from "../auth.js";
import type { RouteContext } from "../http/context.js";
import { ApiError, validationFailed } from "../http/errors.js";
import { created, json } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { RepoData, WorkflowRunData } from "../state/model.js";
import { CONCLUSIONS, findArtifact, findRun, renderArtifact, workflowOf } from "./actions-lookup.js";
import { runHtmlUrl, workflowRun } from "./actions-render.js";
import { ensureFork } from "./git.js";
import { userId } from "./render.js";

const EMULATOR_ONLY = { permission: null, openapiPath: false } as const;
const LEVELS = ["read", "write", "none"];

function requireString(body: Record<string, unknown>, field: string, resource: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "")
    throw validationFailed({ resource, code: "missing_field", field });
  return value;
}

interface RunBody {
  workflow_path?: unknown;
  name?: unknown;
  event?: unknown;
  head_branch?: unknown;
  head_sha?: unknown;
  actor?: unknown;
  rerun_of?: unknown;
  pull_request_number?: unknown;
  head_repository?: unknown;
}

/** The title GitHub shows: the PR's title, else the head commit's first line, else the workflow name. */
function displayTitle(
  repo: RepoData,
  run: Pick<WorkflowRunData, "head_sha" | "name">,
  pr: number | undefined,
) {
  const pull = pr === undefined ? undefined : repo.issues.find((issue) => issue.number === pr && issue.pull);
  if (pull) return pull.title;
  const commit = repo.commits[run.head_sha];
  return commit?.message.split("\n")[0] ?? run.name;
}

function rerun(ctx: RouteContext, repo: RepoData, body: RunBody) {
  const run = findRun(repo, String(body.rerun_of));
  const now = ctx.store.now();
  const { run_attempt, status, conclusion, triggering_actor, run_started_at, updated_at } = run;
  run.previous_attempts = [
    ...(run.previous_attempts ?? []),
    { run_attempt, status, conclusion, triggering_actor, run_started_at, updated_at },
  ];
  run.run_attempt += 1;
  run.status = "in_progress";
  run.conclusion = null;
  run.run_started_at = now;
  run.updated_at = now;
  if (typeof body.actor === "string" && body.actor !== "") run.triggering_actor = body.actor;
  return run;
}

function registerRun(ctx: RouteContext, repo: RepoData, body: RunBody): WorkflowRunData {
  const resource = "WorkflowRun";
  const path = requireString(body as Record<string, unknown>, "workflow_path", resource);
  const event = requireString(body as Record<string, unknown>, "event", resource);
  const headBranch = requireString(body as Record<string, unknown>, "head_branch", resource);
  const headSha = requireString(body as Record<string, unknown>, "head_sha", resource);
  const name = typeof body.name === "string" && body.name !== "" ? body.name : undefined;
  const pr = body.pull_request_number;
  if (pr !== undefined && pr !== null && (typeof pr !== "number" || !Number.isInteger(pr)))
    throw validationFailed({ resource, code: "invalid", field: "pull_request_number" });
  // A run of a fork's pull request: its head is the fork (`head_repository` in GitHub's workflow-run
  // object), created as a fork of this repository when the emulator does not know it yet.
  const headRepository = body.head_repository;
  let fork: string | undefined;
  if (headRepository !== undefined && headRepository !== null) {
    const parts = typeof headRepository === "string" ? headRepository.split("/") : [];
    const [owner, name] = parts;
    if (parts.length !== 2 || !owner || !name)
      throw validationFailed({ resource, code: "invalid", field: "head_repository" });
    if (`${owner}/${name}`.toLowerCase() !== `${repo.owner}/${repo.name}`.toLowerCase()) {
      const created = ensureFork(ctx, repo, owner, name);
      fork = `${created.owner}/${created.name}`;
    }
  }
  const actions = actionsOf(repo);
  const now = ctx.store.now();
  let flow = actions.workflows.find((w) => w.path === path);
  if (!flow) {
    flow = { id: ctx.store.nextId(), name: name ?? path, path, created_at: now, updated_at: now };
    actions.workflows.push(flow);
  } else if (name && flow.name !== name) {
    flow.name = name;
    flow.updated_at = now;
  }
  const actor =
    typeof body.actor === "string" && body.actor !== "" ? body.actor : ctx.caller.login || DEFAULT_LOGIN;
  const workflowId = flow.id;
  const runNumber = actions.runs.filter((r) => r.workflowId === workflowId).length + 1;
  const run: WorkflowRunData = {
    id: ctx.store.nextId(),
    backendId: randomUUID(),
    workflowId,
    name: flow.name,
    display_title: "",
    event,
    head_branch: headBranch,
    head_sha: headSha,
    actor,
    triggering_actor: actor,
    run_number: runNumber,
    run_attempt: 1,
    status: "in_progress",
    conclusion: null,
    pull_request_numbers: typeof pr === "number" ? [pr] : [],
    ...(fork ? { head_repository: fork } : {}),
    created_at: now,
    updated_at: now,
    run_started_at: now,
  };
  run.display_title = displayTitle(repo, run, typeof pr === "number" ? pr : undefined);
  actions.runs.push(run);
  return run;
}

/** `{scope: "read"|"write"|"none"}` → the token's permissions (`none` dropped, `metadata: read` always). */
function jobPermissions(raw: unknown): Record<string, "read" | "write"> {
  if (raw !== undefined && (typeof raw !== "object" || raw === null || Array.isArray(raw)))
    throw validationFailed({ resource: "WorkflowJob", code: "invalid", field: "permissions" });
  const permissions: Record<string, "read" | "write"> = { metadata: "read" };
  for (const [name, level] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    // Workflow files spell scopes with hyphens (`pull-requests`); tokens carry the API names (`pull_requests`).
    const scope = name.replaceAll("-", "_");
    if (typeof level !== "string" || !LEVELS.includes(level))
      throw validationFailed({
        resource: "WorkflowJob",
        code: "invalid",
        field: `permissions.${name}`,
        message: `permission level must be one of ${LEVELS.join(", ")}`,
      });
    if (level === "read" || level === "write") permissions[scope] = level;
    else if (scope === "metadata") permissions.metadata = "read";
  }
  return permissions;
}

export function registerActionsEmulatorRoutes(router: Router): void {
  // The OIDC token endpoint of the runner's jobs (see actions-runtime/oidc.ts for the docs it follows).
  router.get(
    `${OIDC_PATH}/token`,
    (ctx) => {
      const [scheme, token] = (ctx.req.headers.authorization ?? "").split(" ");
      const claims =
        scheme?.toLowerCase() === "bearer" && token ? claimsOfRequest(ctx.store, token) : undefined;
      if (!claims)
        throw new ApiError(
          401,
          "Bad credentials: not an ID token request token of a job with id-token: write",
        );
      const audience = ctx.query.get("audience") || `https://github.com/${claims.repository_owner}`;
      return json({
        count: 1,
        value: mintIdToken(ctx.store, `${ctx.baseUrl}${OIDC_PATH}`, claims, audience),
      });
    },
    EMULATOR_ONLY,
  );
  router.get(`${OIDC_PATH}/.well-known/jwks`, (ctx) => json(jwks(ctx.store)), EMULATOR_ONLY);
  router.get(
    `${OIDC_PATH}/.well-known/openid-configuration`,
    (ctx) =>
      json({
        issuer: `${ctx.baseUrl}${OIDC_PATH}`,
        jwks_uri: `${ctx.baseUrl}${OIDC_PATH}/.well-known/jwks`,
        subject_types_supported: ["public", "pairwise"],
        response_types_supported: ["id_token"],
        id_token_signing_alg_values_supported: ["RS256"],
        claims_supported: [
          "sub",
          "aud",
          "exp",
          "iat",
          "iss",
          "jti",
          "nbf",
          "ref",
          "repository",
          "repository_owner",
          "run_id",
          "run_attempt",
          "repository_id",
          "repository_owner_id",
          "repository_visibility",
          "workflow_sha",
          "job_workflow_sha",
          "runner_environment",
          "actor",
          "workflow",
          "workflow_ref",
          "job_workflow_ref",
          "event_name",
          "environment",
        ],
      }),
    EMULATOR_ONLY,
  );

  router.post(
    "/_emulator/repos/{owner}/{repo}/actions/runs",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<RunBody>();
      const run =
        body.rerun_of !== undefined && body.rerun_of !== null
          ? rerun(ctx, repo, body)
          : registerRun(ctx, repo, body);
      return created({
        id: run.id,
        run_number: run.run_number,
        run_attempt: run.run_attempt,
        html_url: runHtmlUrl(ctx, repo, run.id),
      });
    },
    EMULATOR_ONLY,
  );

  router.post(
    "/_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
    async (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const body = await ctx.body<{ name?: unknown; permissions?: unknown; oidc?: Partial<JobClaims> }>();
      const name = requireString(body as Record<string, unknown>, "name", "WorkflowJob");
      const permissions = jobPermissions(body.permissions);
      // As GitHub: only a job with `id-token: write` can request an OIDC ID token.
      const text = (value: unknown, fallback = "") => (typeof value === "string" ? value : fallback);
      const oidc = body.oidc ?? {};
      const idTokenRequest =
        permissions.id_token === "write"
          ? mintIdTokenRequest(ctx.store, {
              repository: `${repo.owner}/${repo.name}`,
              repository_owner: repo.owner,
              ref: text(oidc.ref, `refs/heads/${repo.default_branch}`),
              sha: text(oidc.sha),
              workflow: text(oidc.workflow, run.name),
              workflow_ref: text(oidc.workflow_ref),
              job_workflow_ref: text(oidc.job_workflow_ref, text(oidc.workflow_ref)),
              actor: text(oidc.actor, run.actor),
              event_name: text(oidc.event_name, run.event),
              run_id: String(run.id),
              run_attempt: String(run.run_attempt),
              repository_id: String(repo.id),
              repository_owner_id: String(userId(repo.owner)),
              repository_visibility: repo.visibility ?? "public",
              workflow_sha: text(oidc.workflow_sha, text(oidc.sha)),
              job_workflow_sha: text(oidc.job_workflow_sha, text(oidc.sha)),
              ...(typeof oidc.environment === "string" && oidc.environment
                ? { environment: oidc.environment }
                : {}),
            })
          : undefined;
      const job = {
        id: ctx.store.nextId(),
        runId: run.id,
        run_attempt: run.run_attempt,
        backendId: randomUUID(),
        name,
        permissions,
        created_at: ctx.store.now(),
      };
      actionsOf(repo).jobs.push(job);
      return created({
        job_id: job.id,
        github_token: mintToken(ctx.store, permissions),
        runtime_token: mintRuntimeToken(
          ctx.store,
          { runBackendId: run.backendId, jobBackendId: job.backendId },
          `${repo.owner}/${repo.name}`,
        ),
        results_url: ctx.baseUrl,
        ...(idTokenRequest
          ? {
              id_token_request_url: `${ctx.baseUrl}${OIDC_PATH}/token?api-version=2.0`,
              id_token_request_token: idTokenRequest,
            }
          : {}),
      });
    },
    EMULATOR_ONLY,
  );

  router.post(
    "/_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/complete",
    async (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const body = await ctx.body<{ conclusion?: unknown }>();
      if (typeof body.conclusion !== "string" || !CONCLUSIONS.includes(body.conclusion))
        throw validationFailed({ resource: "WorkflowRun", code: "invalid", field: "conclusion" });
      run.status = "completed";
      run.conclusion = body.conclusion;
      run.updated_at = ctx.store.now();
      return json(workflowRun(ctx, repo, run, workflowOf(repo, run)));
    },
    EMULATOR_ONLY,
  );

  router.post(
    "/_emulator/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/expire",
    (ctx) => {
      const repo = ctx.repo();
      const data = findArtifact(repo, ctx.params.artifact_id);
      const now = ctx.store.now();
      data.expired = true;
      data.expires_at = now;
      data.updated_at = now;
      ctx.store.deleteBlob(data.blob); // GitHub removes an expired artifact's storage
      return json(renderArtifact(ctx, repo, data));
    },
    EMULATOR_ONLY,
  );
}
