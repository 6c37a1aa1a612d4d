/** Deployments, deployment statuses and environments (created on first deployment). */

import { actionsOf } from "../actions-runtime/state.js";
import { DEFAULT_LOGIN } from "../auth.js";
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import { codePoints } from "../http/limits.js";
import { paginate } from "../http/paginate.js";
import { created, json, noContent } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { DeploymentData, DeploymentStatusData, EnvironmentData, RepoData } from "../state/model.js";
import { findRun } from "./actions-lookup.js";
import { runHtmlUrl } from "./actions-render.js";
import { resolveReviewers, reviewerRules } from "./environment-reviews.js";
import { resolveCommit } from "./git.js";
import { htmlUrl, nodeId, repoUrl, simpleUser } from "./render.js";

const WRITE = { scope: "deployments", level: "write" } as const;
const READ = { scope: "deployments", level: "read" } as const;
const STATES = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
const EMULATOR_ONLY = { permission: null, openapiPath: false } as const;

function renderDeployment(ctx: RouteContext, repo: RepoData, data: DeploymentData): Record<string, unknown> {
  const url = `${repoUrl(ctx, repo)}/deployments/${data.id}`;
  return {
    url,
    id: data.id,
    node_id: nodeId("Deployment", data.id),
    sha: data.sha,
    ref: data.ref,
    task: data.task,
    payload: data.payload,
    original_environment: data.original_environment,
    environment: data.environment,
    description: data.description,
    creator: simpleUser(ctx, data.creator),
    created_at: data.created_at,
    updated_at: data.updated_at,
    statuses_url: `${url}/statuses`,
    repository_url: repoUrl(ctx, repo),
    transient_environment: data.transient_environment,
    production_environment: data.production_environment,
  };
}

function renderStatus(
  ctx: RouteContext,
  repo: RepoData,
  data: DeploymentStatusData,
): Record<string, unknown> {
  const deploymentUrl = `${repoUrl(ctx, repo)}/deployments/${data.deploymentId}`;
  return {
    url: `${deploymentUrl}/statuses/${data.id}`,
    id: data.id,
    node_id: nodeId("DeploymentStatus", data.id),
    state: data.state,
    creator: simpleUser(ctx, data.creator),
    description: data.description,
    environment: data.environment,
    target_url: data.log_url,
    log_url: data.log_url,
    environment_url: data.environment_url,
    created_at: data.created_at,
    updated_at: data.updated_at,
    deployment_url: deploymentUrl,
    repository_url: repoUrl(ctx, repo),
  };
}

function renderEnvironment(
  ctx: RouteContext,
  repo: RepoData,
  data: EnvironmentData,
): Record<string, unknown> {
  return {
    id: data.id,
    node_id: nodeId("Environment", data.id),
    name: data.name,
    url: `${repoUrl(ctx, repo)}/environments/${encodeURIComponent(data.name)}`,
    html_url: `${htmlUrl(ctx, repo)}/deployments/activity_log?environments_filter=${encodeURIComponent(data.name)}`,
    created_at: data.created_at,
    updated_at: data.updated_at,
    protection_rules: [
      ...(data.wait_timer > 0
        ? [{ id: data.id, node_id: nodeId("Gate", data.id), type: "wait_timer", wait_timer: data.wait_timer }]
        : []),
      ...reviewerRules(ctx, data),
    ],
    deployment_branch_policy: data.deployment_branch_policy ?? null,
  };
}

function ensureEnvironment(ctx: RouteContext, repo: RepoData, name: string): EnvironmentData {
  const existing = repo.environments.find((e) => e.name === name);
  if (existing) return existing;
  const now = ctx.store.now();
  const data: EnvironmentData = {
    id: ctx.store.nextId(),
    name,
    created_at: now,
    updated_at: now,
    wait_timer: 0,
    reviewers: [],
    deployment_branch_policy: null,
  };
  repo.environments.push(data);
  return data;
}

function findDeployment(repo: RepoData, id: string | undefined): DeploymentData {
  const found = repo.deployments.find((d) => String(d.id) === id);
  if (!found) throw notFound();
  return found;
}

/** Latest status state of a deployment (undefined when it has none). */
function currentState(repo: RepoData, deploymentId: number): string | undefined {
  return repo.deploymentStatuses.filter((s) => s.deploymentId === deploymentId).sort((a, b) => b.id - a.id)[0]
    ?.state;
}

export function registerDeploymentRoutes(router: Router): void {
  registerJobDeploymentRoutes(router);
  router.post(
    "/repos/{owner}/{repo}/deployments",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<Record<string, unknown>>();
      if (typeof body.ref !== "string")
        throw validationFailed({ resource: "Deployment", code: "missing_field", field: "ref" });
      const commit = resolveCommit(repo, body.ref);
      if (!commit) throw new ApiError(422, `No ref found for: ${body.ref}`);
      const required = Array.isArray(body.required_contexts)
        ? (body.required_contexts as string[])
        : undefined;
      if (required === undefined || required.length > 0) {
        const states = new Map(
          repo.statuses.filter((s) => s.sha === commit.sha).map((s) => [s.context, s.state]),
        );
        const contexts = required ?? [...states.keys()];
        const failing = contexts.filter((c) => states.get(c) !== "success");
        if (failing.length > 0)
          throw new ApiError(409, `Conflict: Commit status checks failed for ${body.ref}.`);
      }
      const environment = typeof body.environment === "string" ? body.environment : "production";
      const now = ctx.store.now();
      const data: DeploymentData = {
        id: ctx.store.nextId(),
        sha: commit.sha,
        ref: body.ref,
        task: typeof body.task === "string" ? body.task : "deploy",
        payload: typeof body.payload === "string" ? safeParse(body.payload) : (body.payload ?? {}),
        environment,
        original_environment: environment,
        description: typeof body.description === "string" ? body.description : null,
        transient_environment: body.transient_environment === true,
        production_environment:
          typeof body.production_environment === "boolean"
            ? body.production_environment
            : environment === "production",
        creator: ctx.caller.login,
        created_at: now,
        updated_at: now,
      };
      ensureEnvironment(ctx, repo, environment);
      repo.deployments.push(data);
      return created(renderDeployment(ctx, repo, data));
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/deployments",
    (ctx) => {
      const repo = ctx.repo();
      const q = ctx.query;
      const matching = repo.deployments
        .filter((d) => (!q.get("sha") || d.sha === q.get("sha")) && (!q.get("ref") || d.ref === q.get("ref")))
        .filter(
          (d) =>
            (!q.get("task") || d.task === q.get("task")) &&
            (!q.get("environment") || d.environment === q.get("environment")),
        )
        .sort((a, b) => b.id - a.id);
      const page = paginate(ctx, matching);
      return json(
        page.items.map((d) => renderDeployment(ctx, repo, d)),
        200,
        page.headers,
      );
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/deployments/{deployment_id}",
    (ctx) => {
      const repo = ctx.repo();
      return json(renderDeployment(ctx, repo, findDeployment(repo, ctx.params.deployment_id)));
    },
    { permission: READ },
  );

  router.delete(
    "/repos/{owner}/{repo}/deployments/{deployment_id}",
    (ctx) => {
      const repo = ctx.repo();
      const data = findDeployment(repo, ctx.params.deployment_id);
      if (repo.deployments.length > 1 && currentState(repo, data.id) !== "inactive") {
        throw new ApiError(
          422,
          "We cannot delete an active deployment unless it is the only deployment in a given environment.",
        );
      }
      repo.deployments = repo.deployments.filter((d) => d !== data);
      repo.deploymentStatuses = repo.deploymentStatuses.filter((s) => s.deploymentId !== data.id);
      return noContent();
    },
    { permission: WRITE },
  );

  router.post(
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    async (ctx) => {
      const repo = ctx.repo();
      const deployment = findDeployment(repo, ctx.params.deployment_id);
      const body = await ctx.body<Record<string, unknown>>();
      if (typeof body.state !== "string" || !STATES.includes(body.state))
        throw validationFailed({ resource: "DeploymentStatus", code: "invalid", field: "state" });
      const description = typeof body.description === "string" ? body.description : "";
      // 140 characters (code points), as GitHub counts them (see http/limits.ts).
      if (codePoints(description) > 140)
        throw validationFailed({
          resource: "DeploymentStatus",
          code: "custom",
          field: "description",
          message: "description is too long (maximum is 140 characters)",
        });
      if (typeof body.environment === "string") {
        deployment.environment = body.environment;
        ensureEnvironment(ctx, repo, body.environment);
      }
      const data = addStatus(ctx, repo, deployment, {
        state: body.state,
        description,
        log_url:
          typeof body.log_url === "string"
            ? body.log_url
            : typeof body.target_url === "string"
              ? body.target_url
              : "",
        environment_url: typeof body.environment_url === "string" ? body.environment_url : "",
        creator: ctx.caller.login,
        autoInactive: body.auto_inactive !== false,
      });
      return created(renderStatus(ctx, repo, data));
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    (ctx) => {
      const repo = ctx.repo();
      const deployment = findDeployment(repo, ctx.params.deployment_id);
      const matching = repo.deploymentStatuses
        .filter((s) => s.deploymentId === deployment.id)
        .sort((a, b) => b.id - a.id);
      const page = paginate(ctx, matching);
      return json(
        page.items.map((s) => renderStatus(ctx, repo, s)),
        200,
        page.headers,
      );
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/environments",
    (ctx) => {
      const repo = ctx.repo();
      const page = paginate(ctx, repo.environments);
      return json(
        {
          total_count: repo.environments.length,
          environments: page.items.map((e) => renderEnvironment(ctx, repo, e)),
        },
        200,
        page.headers,
      );
    },
    { permission: { scope: "actions", level: "read" } },
  );

  router.get(
    "/repos/{owner}/{repo}/environments/{environment_name}",
    (ctx) => {
      const repo = ctx.repo();
      const found = repo.environments.find((e) => e.name === ctx.params.environment_name);
      if (!found) throw notFound();
      return json(renderEnvironment(ctx, repo, found));
    },
    { permission: { scope: "actions", level: "read" } },
  );

  router.put(
    "/repos/{owner}/{repo}/environments/{environment_name}",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{
        wait_timer?: unknown;
        reviewers?: unknown;
        deployment_branch_policy?: unknown;
      }>();
      const data = ensureEnvironment(ctx, repo, ctx.params.environment_name ?? "");
      if (typeof body.wait_timer === "number") {
        if (body.wait_timer < 0 || body.wait_timer > 43200)
          throw validationFailed({ resource: "Environment", code: "invalid", field: "wait_timer" });
        data.wait_timer = body.wait_timer;
      }
      if (Array.isArray(body.reviewers)) data.reviewers = resolveReviewers(ctx, body.reviewers);
      else if (body.reviewers === null) data.reviewers = [];
      if (body.deployment_branch_policy !== undefined)
        data.deployment_branch_policy = body.deployment_branch_policy;
      data.updated_at = ctx.store.now();
      return json(renderEnvironment(ctx, repo, data));
    },
    { permission: { scope: "actions", level: "write" } },
  );
}

function addStatus(
  ctx: RouteContext,
  repo: RepoData,
  deployment: DeploymentData,
  status: {
    state: string;
    description: string;
    log_url: string;
    environment_url: string;
    creator: string;
    autoInactive: boolean;
  },
): DeploymentStatusData {
  const now = ctx.store.now();
  const data: DeploymentStatusData = {
    id: ctx.store.nextId(),
    deploymentId: deployment.id,
    state: status.state,
    description: status.description,
    environment: deployment.environment,
    log_url: status.log_url,
    environment_url: status.environment_url,
    creator: status.creator,
    created_at: now,
    updated_at: now,
  };
  repo.deploymentStatuses.push(data);
  deployment.updated_at = now;
  if (data.state === "success" && status.autoInactive) markEarlierInactive(ctx, repo, deployment);
  return data;
}

/**
 * Emulator-only routes through which the local runner plays GitHub's part for a job that references an
 * environment. GitHub docs, "Deploying with GitHub Actions" (data/reusables/actions/environment-deployment-event.md):
 * "When a workflow job that references an environment runs, it creates a deployment object with the
 * environment property set to the name of your environment. As the workflow progresses, it also creates
 * deployment status objects with the environment property set to the name of your environment, the
 * environment_url property set to the URL for environment (if specified in the workflow), and the state
 * property set to the status of the job." `environment: {deployment: false}` turns this off (docs
 * control-deployments#using-environments-without-deployments, github/docs commit 84e7f9c): the runner then
 * does not call these routes. Undocumented details chosen here: ref = the run's head branch, sha = its head
 * commit, task `deploy`, empty payload, creator `github-actions[bot]`, `log_url` = the job's page.
 */
function registerJobDeploymentRoutes(router: Router): void {
  router.post(
    "/_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/jobs/{job_id}/deployment",
    async (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const job = actionsOf(repo).jobs.find((j) => j.runId === run.id && String(j.id) === ctx.params.job_id);
      if (!job) throw notFound();
      const body = await ctx.body<{ environment?: unknown; environment_url?: unknown }>();
      if (typeof body.environment !== "string" || body.environment === "")
        throw validationFailed({ resource: "Deployment", code: "missing_field", field: "environment" });
      const environment = body.environment;
      const now = ctx.store.now();
      const data: DeploymentData = {
        id: ctx.store.nextId(),
        sha: run.head_sha,
        ref: run.head_branch,
        task: "deploy",
        payload: {},
        environment,
        original_environment: environment,
        description: null,
        transient_environment: false,
        production_environment: environment === "production",
        creator: DEFAULT_LOGIN,
        created_at: now,
        updated_at: now,
      };
      ensureEnvironment(ctx, repo, environment);
      repo.deployments.push(data);
      const logUrl = `${runHtmlUrl(ctx, repo, run.id)}/job/${job.id}`;
      addStatus(ctx, repo, data, {
        state: "in_progress",
        description: "",
        log_url: logUrl,
        environment_url: typeof body.environment_url === "string" ? body.environment_url : "",
        creator: DEFAULT_LOGIN,
        autoInactive: true,
      });
      return created(renderDeployment(ctx, repo, data));
    },
    EMULATOR_ONLY,
  );

  // The job ended: its deployment gets the job's result (`success` or `failure`; `error` when cancelled).
  router.post(
    "/_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/jobs/{job_id}/deployment/{deployment_id}/statuses",
    async (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const deployment = findDeployment(repo, ctx.params.deployment_id);
      const body = await ctx.body<{ state?: unknown; environment_url?: unknown }>();
      if (body.state !== "success" && body.state !== "failure" && body.state !== "error")
        throw validationFailed({ resource: "DeploymentStatus", code: "invalid", field: "state" });
      const data = addStatus(ctx, repo, deployment, {
        state: body.state,
        description: "",
        log_url: `${runHtmlUrl(ctx, repo, run.id)}/job/${ctx.params.job_id}`,
        environment_url: typeof body.environment_url === "string" ? body.environment_url : "",
        creator: DEFAULT_LOGIN,
        autoInactive: true,
      });
      return created(renderStatus(ctx, repo, data));
    },
    EMULATOR_ONLY,
  );
}

/**
 * `auto_inactive` (default true): earlier deployments to the same environment whose latest status is
 * `success` get an `inactive` status. GitHub skips transient and production environments; the emulator
 * follows GitHub and does not touch production environments.
 */
function markEarlierInactive(ctx: RouteContext, repo: RepoData, current: DeploymentData): void {
  if (current.production_environment) return;
  for (const other of repo.deployments) {
    if (other.id === current.id || other.environment !== current.environment || other.id > current.id)
      continue;
    if (other.transient_environment || currentState(repo, other.id) !== "success") continue;
    const now = ctx.store.now();
    repo.deploymentStatuses.push({
      id: ctx.store.nextId(),
      deploymentId: other.id,
      state: "inactive",
      description: "",
      environment: other.environment,
      log_url: "",
      environment_url: "",
      creator: ctx.caller.login,
      created_at: now,
      updated_at: now,
    });
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
