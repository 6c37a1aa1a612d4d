/**
 * Environment protection by required reviewers: reviewer ids resolved to logins, the pending deployments of
 * a run (GET/POST), its review log (`approvals`), and the emulator-only routes through which the local
 * runner registers a job that waits for an environment and reads the decision (documented in the README).
 */
import { actionsOf } from "../actions-runtime/state.js";
import { DEFAULT_LOGIN } from "../auth.js";
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import { created, json } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type {
  DeploymentReviewData,
  DeploymentWaitData,
  EnvironmentData,
  RepoData,
  ReviewerData,
  WorkflowRunData,
} from "../state/model.js";
import { findRun } from "./actions-lookup.js";
import { htmlUrl, nodeId, repoUrl, simpleUser, userId } from "./render.js";

const EMULATOR_ONLY = { permission: null, openapiPath: false } as const;
const MAX_REVIEWERS = 6;

/** Logins the emulator knows: minted tokens' users, repository owners, the caller and the Actions bot. */
function knownLogins(ctx: RouteContext): Set<string> {
  const logins = new Set<string>([DEFAULT_LOGIN, ctx.caller.login]);
  for (const token of Object.values(ctx.store.data.tokens)) logins.add(token.login);
  for (const repo of Object.values(ctx.store.data.repos)) logins.add(repo.owner);
  return logins;
}

/** `[{type: "User", id}]` → reviewers with their login; 422 for teams, unknown ids or more than six. */
export function resolveReviewers(ctx: RouteContext, raw: unknown[]): ReviewerData[] {
  if (raw.length > MAX_REVIEWERS)
    throw validationFailed({ resource: "Environment", code: "invalid", field: "reviewers" });
  const byId = new Map([...knownLogins(ctx)].map((login) => [userId(login), login]));
  return raw.map((entry) => {
    const { type, id } = (entry ?? {}) as { type?: unknown; id?: unknown };
    const login = typeof id === "number" ? byId.get(id) : undefined;
    if (type !== "User" || login === undefined || typeof id !== "number")
      throw validationFailed({
        resource: "Environment",
        code: "invalid",
        field: "reviewers",
        message:
          type === "Team"
            ? "team reviewers are not emulated"
            : `reviewer ${JSON.stringify(entry)} is not a user the emulator knows`,
      });
    return { type: "User", id, login };
  });
}

/** The `required_reviewers` protection rule as GitHub renders it (none without reviewers). */
export function reviewerRules(ctx: RouteContext, data: EnvironmentData): Record<string, unknown>[] {
  const reviewers = validReviewers(data);
  if (reviewers.length === 0) return [];
  const id = data.id + 1;
  return [
    {
      id,
      node_id: nodeId("Gate", id),
      prevent_self_review: false,
      type: "required_reviewers",
      reviewers: reviewers.map((r) => ({ type: "User", reviewer: simpleUser(ctx, r.login) })),
    },
  ];
}

/** Reviewers stored by older emulator versions were raw request entries: keep only resolved ones. */
function validReviewers(data: EnvironmentData): ReviewerData[] {
  return (data.reviewers ?? []).filter((r): r is ReviewerData => typeof r?.login === "string");
}

function environmentRef(ctx: RouteContext, repo: RepoData, data: EnvironmentData) {
  return {
    id: data.id,
    node_id: nodeId("Environment", data.id),
    name: data.name,
    url: `${repoUrl(ctx, repo)}/environments/${encodeURIComponent(data.name)}`,
    html_url: `${htmlUrl(ctx, repo)}/deployments/activity_log?environments_filter=${encodeURIComponent(data.name)}`,
  };
}

function waitsOf(repo: RepoData): DeploymentWaitData[] {
  const actions = actionsOf(repo);
  actions.waits ??= [];
  return actions.waits;
}

function reviewsOf(repo: RepoData): DeploymentReviewData[] {
  const actions = actionsOf(repo);
  actions.reviews ??= [];
  return actions.reviews;
}

/** Waiting jobs of the run's current attempt, grouped by environment. */
function pendingEnvironments(
  repo: RepoData,
  run: WorkflowRunData,
): Map<EnvironmentData, DeploymentWaitData[]> {
  const pending = new Map<EnvironmentData, DeploymentWaitData[]>();
  for (const wait of waitsOf(repo)) {
    if (wait.runId !== run.id || wait.run_attempt !== run.run_attempt || wait.state !== "waiting") continue;
    const environment = repo.environments.find((e) => e.id === wait.environmentId);
    if (!environment) continue;
    pending.set(environment, [...(pending.get(environment) ?? []), wait]);
  }
  return pending;
}

function canReview(ctx: RouteContext, environment: EnvironmentData): boolean {
  return validReviewers(environment).some((r) => r.login === ctx.caller.login);
}

function renderWait(ctx: RouteContext, repo: RepoData, wait: DeploymentWaitData) {
  const environment = repo.environments.find((e) => e.id === wait.environmentId);
  return {
    id: wait.id,
    environment: environment?.name ?? null,
    job: wait.job,
    state: wait.state,
    reviewer: wait.reviewer ?? null,
    comment: wait.comment ?? null,
    reviewers: environment ? validReviewers(environment).map((r) => r.login) : [],
    url: `${ctx.baseUrl}/_emulator/repos/${repo.owner}/${repo.name}/actions/runs/${wait.runId}/environment-waits/${wait.id}`,
  };
}

function findWait(repo: RepoData, runId: number, id: string | undefined): DeploymentWaitData {
  const wait = waitsOf(repo).find((w) => w.runId === runId && String(w.id) === id);
  if (!wait) throw notFound();
  return wait;
}

export function registerEnvironmentReviewRoutes(router: Router): void {
  router.get(
    "/repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments",
    (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const pending = [...pendingEnvironments(repo, run)].map(([environment, waits]) => ({
        environment: environmentRef(ctx, repo, environment),
        wait_timer: environment.wait_timer,
        wait_timer_started_at: environment.wait_timer > 0 ? (waits[0]?.created_at ?? null) : null,
        current_user_can_approve: canReview(ctx, environment),
        reviewers: validReviewers(environment).map((r) => ({
          type: "User",
          reviewer: simpleUser(ctx, r.login),
        })),
      }));
      return json(pending);
    },
    { permission: { scope: "actions", level: "read" } },
  );

  router.post(
    "/repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments",
    async (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const body = await ctx.body<{ environment_ids?: unknown; state?: unknown; comment?: unknown }>();
      const ids = body.environment_ids;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id)))
        throw validationFailed({ resource: "PendingDeployment", code: "invalid", field: "environment_ids" });
      if (body.state !== "approved" && body.state !== "rejected")
        throw validationFailed({ resource: "PendingDeployment", code: "invalid", field: "state" });
      if (typeof body.comment !== "string")
        throw validationFailed({ resource: "PendingDeployment", code: "missing_field", field: "comment" });
      const pending = pendingEnvironments(repo, run);
      const chosen = (ids as number[]).map((id) => {
        const environment = [...pending.keys()].find((e) => e.id === id);
        // GitHub answers 422 for environments the run does not wait for, or that the caller may not review.
        if (!environment) throw new ApiError(422, `No pending deployment for environment id ${id}`);
        if (!canReview(ctx, environment))
          throw new ApiError(
            422,
            `${ctx.caller.login} is not a required reviewer of the environment ${environment.name}`,
          );
        return environment;
      });
      const state = body.state;
      for (const environment of chosen) {
        for (const wait of pending.get(environment) ?? []) {
          wait.state = state;
          wait.reviewer = ctx.caller.login;
          wait.comment = body.comment;
        }
      }
      reviewsOf(repo).push({
        runId: run.id,
        environmentIds: chosen.map((e) => e.id),
        state,
        user: ctx.caller.login,
        comment: body.comment,
        created_at: ctx.store.now(),
      });
      // GitHub answers with the deployments it creates for the approved jobs. Here the local runner
      // creates an approved job's deployment when the job starts (POST …/jobs/{job_id}/deployment, unless
      // `deployment: false`), after this answer: the list stays empty (a known gap, README).
      return json([]);
    },
    { permission: { scope: "deployments", level: "write" } },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/runs/{run_id}/approvals",
    (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const reviews = reviewsOf(repo).filter((r) => r.runId === run.id);
      return json(
        reviews.map((review) => ({
          environments: review.environmentIds
            .map((id) => repo.environments.find((e) => e.id === id))
            .filter((e): e is EnvironmentData => e !== undefined)
            .map((e) => ({
              ...environmentRef(ctx, repo, e),
              created_at: e.created_at,
              updated_at: e.updated_at,
            })),
          state: review.state,
          user: simpleUser(ctx, review.user),
          comment: review.comment,
        })),
      );
    },
    { permission: { scope: "actions", level: "read" } },
  );

  // Emulator-only: a job of the run waits for the environment's reviewers (state `approved` at once when
  // the environment has none), then the runner polls the wait and withdraws it when it gives up.
  router.post(
    "/_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/environment-waits",
    async (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const body = await ctx.body<{ environment?: unknown; job?: unknown }>();
      if (typeof body.environment !== "string" || body.environment === "")
        throw validationFailed({ resource: "EnvironmentWait", code: "missing_field", field: "environment" });
      if (typeof body.job !== "string" || body.job === "")
        throw validationFailed({ resource: "EnvironmentWait", code: "missing_field", field: "job" });
      const environment = repo.environments.find((e) => e.name === body.environment);
      const wait: DeploymentWaitData = {
        id: ctx.store.nextId(),
        runId: run.id,
        run_attempt: run.run_attempt,
        job: body.job,
        environmentId: environment?.id ?? 0,
        state: environment && validReviewers(environment).length > 0 ? "waiting" : "approved",
        created_at: ctx.store.now(),
      };
      if (wait.state === "waiting") waitsOf(repo).push(wait);
      return created({ ...renderWait(ctx, repo, wait), environment: body.environment });
    },
    EMULATOR_ONLY,
  );

  router.get(
    "/_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/environment-waits/{wait_id}",
    (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      return json(renderWait(ctx, repo, findWait(repo, run.id, ctx.params.wait_id)));
    },
    EMULATOR_ONLY,
  );

  router.delete(
    "/_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/environment-waits/{wait_id}",
    (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const wait = findWait(repo, run.id, ctx.params.wait_id);
      if (wait.state === "waiting") wait.state = "withdrawn";
      return json(renderWait(ctx, repo, wait));
    },
    EMULATOR_ONLY,
  );
}
