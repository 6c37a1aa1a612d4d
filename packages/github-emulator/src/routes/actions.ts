/**
 * Actions REST routes (`/repos/{owner}/{repo}/actions/...`: workflows, workflow runs, artifacts), plus the
 * emulator-only ones of `actions-emulator.ts`.
 */
import { signBlobUrl } from "../actions-runtime/signing.js";
import { actionsOf } from "../actions-runtime/state.js";
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import { paginate } from "../http/paginate.js";
import { json, noContent, redirect } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { ArtifactData, RepoData, WorkflowRunData } from "../state/model.js";
import { registerActionsEmulatorRoutes } from "./actions-emulator.js";
import {
  CONCLUSIONS,
  findArtifact,
  findRun,
  findWorkflow,
  renderArtifact,
  workflowOf,
} from "./actions-lookup.js";
import { workflow, workflowRun } from "./actions-render.js";

const READ = { scope: "actions", level: "read" } as const;
const WRITE = { scope: "actions", level: "write" } as const;
/**
 * Lifetime of the signed URL a zip download redirects to: REST "Download an artifact" (OpenAPI
 * `GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}`): "Gets a redirect URL to
 * download an archive for a repository. This URL expires after 1 minute." A client that keeps the URL
 * for later gets the storage's 403 here as there.
 */
const DOWNLOAD_URL_SECONDS = 60;
/** The run list filters GitHub documents: `branch`, `event`, `status` (a status or a conclusion), `head_sha`, `actor`. */
function runFilter(query: URLSearchParams): (run: WorkflowRunData) => boolean {
  const branch = query.get("branch");
  const event = query.get("event");
  const status = query.get("status");
  const headSha = query.get("head_sha");
  const actor = query.get("actor");
  const created = createdRange(query.get("created"));
  return (run) =>
    created(run.created_at) &&
    (!branch || run.head_branch === branch) &&
    (!event || run.event === event) &&
    (!headSha || run.head_sha === headSha) &&
    (!actor || run.actor === actor) &&
    (!status || (CONCLUSIONS.includes(status) ? run.conclusion === status : run.status === status));
}

/**
 * The `created` filter of `GET /actions/runs` (OpenAPI parameter `created`: "Returns workflow runs created
 * within the given date-time range", in the search syntax of "Understanding the search syntax", *Query for
 * dates*: `>=2026-11-01`, `>2026-11-01T10:00:00Z`, `<=…`, `<…`, `a..b`, or one date). A date without a
 * time is the whole day (UTC). An unreadable value answers 422, as GitHub's validation does.
 */
function createdRange(text: string | null): (at: string) => boolean {
  if (!text) return () => true;
  const day = (d: string, end: boolean) =>
    /^\d{4}-\d\d-\d\d$/.test(d) ? `${d}T${end ? "23:59:59" : "00:00:00"}Z` : d.replace(/\.\d+Z$/, "Z");
  const valid = (d: string) => !Number.isNaN(Date.parse(d));
  const check = (ok: boolean, test: (at: string) => boolean) => {
    if (!ok) throw validationFailed({ resource: "WorkflowRun", code: "invalid", field: "created" });
    return test;
  };
  const range = /^(.+)\.\.(.+)$/.exec(text);
  if (range?.[1] && range[2]) {
    const [from, to] = [day(range[1], false), day(range[2], true)];
    return check(valid(from) && valid(to), (at) => at >= from && at <= to);
  }
  const op = /^(>=|<=|>|<)?(.+)$/.exec(text);
  const value = op?.[2] ?? "";
  const kind = op?.[1] ?? "=";
  const start = day(value, false);
  const end = day(value, true);
  const tests: Record<string, (at: string) => boolean> = {
    ">=": (at) => at >= start,
    ">": (at) => at > end,
    "<=": (at) => at <= end,
    "<": (at) => at < start,
    "=": (at) => at >= start && at <= end,
  };
  return check(valid(start), tests[kind] as (at: string) => boolean);
}

function listRuns(ctx: RouteContext, repo: RepoData, runs: WorkflowRunData[]) {
  const matching = runs.filter(runFilter(ctx.query)).sort((a, b) => b.id - a.id);
  const page = paginate(ctx, matching);
  const excludePullRequests = ctx.query.get("exclude_pull_requests") === "true";
  return json(
    {
      total_count: matching.length,
      workflow_runs: page.items.map((run) =>
        workflowRun(ctx, repo, run, workflowOf(repo, run), { excludePullRequests }),
      ),
    },
    200,
    page.headers,
  );
}

function listArtifacts(ctx: RouteContext, repo: RepoData, artifacts: ArtifactData[]) {
  const name = ctx.query.get("name");
  const matching = artifacts
    .filter((a) => a.finalized && (!name || a.name === name))
    .sort((a, b) => (ctx.query.get("direction") === "asc" ? a.id - b.id : b.id - a.id));
  const page = paginate(ctx, matching);
  return json(
    { total_count: matching.length, artifacts: page.items.map((a) => renderArtifact(ctx, repo, a)) },
    200,
    page.headers,
  );
}

export function registerActionsRoutes(router: Router): void {
  registerActionsEmulatorRoutes(router);

  router.get(
    "/repos/{owner}/{repo}/actions/workflows",
    (ctx) => {
      const repo = ctx.repo();
      const all = [...actionsOf(repo).workflows].sort((a, b) => a.id - b.id);
      const page = paginate(ctx, all);
      return json(
        { total_count: all.length, workflows: page.items.map((w) => workflow(ctx, repo, w)) },
        200,
        page.headers,
      );
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/workflows/{workflow_id}",
    (ctx) => {
      const repo = ctx.repo();
      return json(workflow(ctx, repo, findWorkflow(repo, ctx.params.workflow_id)));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
    (ctx) => {
      const repo = ctx.repo();
      const flow = findWorkflow(repo, ctx.params.workflow_id);
      return listRuns(
        ctx,
        repo,
        actionsOf(repo).runs.filter((r) => r.workflowId === flow.id),
      );
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/runs",
    (ctx) => listRuns(ctx, ctx.repo(), actionsOf(ctx.repo()).runs),
    {
      permission: READ,
    },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/runs/{run_id}",
    (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const excludePullRequests = ctx.query.get("exclude_pull_requests") === "true";
      return json(workflowRun(ctx, repo, run, workflowOf(repo, run), { excludePullRequests }));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}",
    (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      const wanted = Number(ctx.params.attempt_number);
      const earlier = run.previous_attempts?.find((a) => a.run_attempt === wanted);
      if (wanted !== run.run_attempt && !earlier) throw notFound();
      const excludePullRequests = ctx.query.get("exclude_pull_requests") === "true";
      const shown = earlier ? { ...run, ...earlier } : run;
      return json(workflowRun(ctx, repo, shown, workflowOf(repo, run), { excludePullRequests }));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
    (ctx) => {
      const repo = ctx.repo();
      const run = findRun(repo, ctx.params.run_id);
      return listArtifacts(
        ctx,
        repo,
        actionsOf(repo).artifacts.filter((a) => a.runId === run.id),
      );
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/artifacts",
    (ctx) => listArtifacts(ctx, ctx.repo(), actionsOf(ctx.repo()).artifacts),
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}",
    (ctx) => {
      const repo = ctx.repo();
      return json(renderArtifact(ctx, repo, findArtifact(repo, ctx.params.artifact_id)));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}",
    (ctx) => {
      const repo = ctx.repo();
      const data = findArtifact(repo, ctx.params.artifact_id);
      if (ctx.params.archive_format !== "zip") throw notFound();
      // The same OpenAPI operation's responses: 302 (`Location`) and 410 (`#/components/responses/gone`) once
      // the artifact expired; an expired artifact stays listed with `expired: true` (schema `artifact`).
      if (data.expired)
        throw new ApiError(410, "Artifact has expired", {
          documentationUrl: "https://docs.github.com/rest/actions/artifacts#download-an-artifact",
        });
      return redirect(signBlobUrl(ctx.store, ctx.baseUrl, data.blob, "r", DOWNLOAD_URL_SECONDS));
    },
    { permission: READ },
  );

  router.delete(
    "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}",
    (ctx) => {
      const repo = ctx.repo();
      const data = findArtifact(repo, ctx.params.artifact_id);
      const actions = actionsOf(repo);
      actions.artifacts = actions.artifacts.filter((a) => a !== data);
      ctx.store.deleteBlob(data.blob);
      return noContent();
    },
    { permission: WRITE },
  );
}
