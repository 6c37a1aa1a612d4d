/** Check runs and commit statuses. */
import { isInstallationLogin } from "../auth.js";
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import { checkCheckRunOutput } from "../http/limits.js";
import { paginate } from "../http/paginate.js";
import { created, json } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { CheckRunData, RepoData, StatusData } from "../state/model.js";
import { resolveCommit } from "./git.js";
import { htmlUrl, integration, nodeId, repository, repoUrl, simpleUser } from "./render.js";

const MAX_ANNOTATIONS = 50;
const CREATE_DOCS = "https://docs.github.com/rest/checks/runs#create-a-check-run";
const UPDATE_DOCS = "https://docs.github.com/rest/checks/runs#update-a-check-run";

interface CheckRunBody {
  name?: unknown;
  head_sha?: unknown;
  status?: unknown;
  conclusion?: unknown;
  details_url?: unknown;
  external_id?: unknown;
  started_at?: unknown;
  completed_at?: unknown;
  output?: { title?: unknown; summary?: unknown; text?: unknown; annotations?: unknown[] };
}

function renderCheckRun(ctx: RouteContext, repo: RepoData, data: CheckRunData): Record<string, unknown> {
  const url = `${repoUrl(ctx, repo)}/check-runs/${data.id}`;
  return {
    id: data.id,
    node_id: nodeId("CheckRun", data.id),
    head_sha: data.head_sha,
    external_id: data.external_id,
    url,
    html_url: `${htmlUrl(ctx, repo)}/runs/${data.id}`,
    details_url: data.details_url,
    status: data.status,
    conclusion: data.conclusion,
    started_at: data.started_at,
    completed_at: data.completed_at,
    output: { ...data.output, annotations_url: `${url}/annotations` },
    name: data.name,
    check_suite: { id: 1 },
    // The app whose installation token created the run: a check run made with GITHUB_TOKEN shows the
    // `github-actions` app, one made with an App's token that app (OpenAPI `check-run.app`; the Checks API is
    // for GitHub Apps, docs "Using the REST API to interact with checks").
    app: data.app ? integration(ctx, data.app, repo.owner) : null,
    pull_requests: [],
  };
}

/**
 * Applies a create/update body. Output fields are checked in GitHub's units (`checkCheckRunOutput`:
 * 65,535 characters, then 65,535 UTF-8 bytes). Annotations are **appended** on every request, as GitHub
 * documents ("Each time you update the check run, annotations are appended to the list of annotations
 * that already exist for the check run", `@octokit/openapi` `PATCH /repos/{owner}/{repo}/check-runs/
 * {check_run_id}` → `output.annotations`), at most 50 per request.
 */
function applyCheckRun(ctx: RouteContext, data: CheckRunData, body: CheckRunBody, docs: string): void {
  const output = body.output;
  const annotations = output?.annotations ?? [];
  // Validate before changing anything: a refused request leaves the run as it was.
  if (output) {
    if (typeof output.summary !== "string")
      throw validationFailed({ resource: "CheckRun", code: "missing_field", field: "output.summary" });
    for (const field of ["summary", "text"] as const) checkCheckRunOutput(field, output[field], docs);
    if (annotations.length > MAX_ANNOTATIONS) {
      throw validationFailed({
        resource: "CheckRun",
        code: "custom",
        field: "output.annotations",
        message: `Only ${MAX_ANNOTATIONS} annotations are allowed per request`,
      });
    }
  }
  const conclusion = typeof body.conclusion === "string" ? body.conclusion : data.conclusion;
  const status =
    typeof body.conclusion === "string"
      ? "completed"
      : typeof body.status === "string"
        ? body.status
        : data.status;
  if (status === "completed" && !conclusion)
    throw validationFailed({ resource: "CheckRun", code: "missing_field", field: "conclusion" });
  if (typeof body.name === "string") data.name = body.name;
  if (typeof body.details_url === "string") data.details_url = body.details_url;
  if (typeof body.external_id === "string") data.external_id = body.external_id;
  data.status = status;
  data.conclusion = conclusion;
  if (data.status === "completed" && !data.completed_at)
    data.completed_at = typeof body.completed_at === "string" ? body.completed_at : ctx.store.now();
  if (output) {
    data.output.title = typeof output.title === "string" ? output.title : data.output.title;
    data.output.summary = output.summary as string;
    if (typeof output.text === "string") data.output.text = output.text;
    data.annotations.push(...annotations);
    data.output.annotations_count = data.annotations.length;
  }
}

function renderStatus(ctx: RouteContext, repo: RepoData, data: StatusData): Record<string, unknown> {
  const creator = simpleUser(ctx, data.creator);
  return {
    url: `${repoUrl(ctx, repo)}/statuses/${data.sha}`,
    avatar_url: creator.avatar_url,
    id: data.id,
    node_id: nodeId("StatusContext", data.id),
    state: data.state,
    description: data.description,
    target_url: data.target_url,
    context: data.context,
    created_at: data.created_at,
    updated_at: data.updated_at,
    creator,
  };
}

/** Latest status per context (case-insensitive), newest first. */
function latestStatuses(repo: RepoData, sha: string): StatusData[] {
  const seen = new Set<string>();
  const out: StatusData[] = [];
  for (const status of repo.statuses.filter((s) => s.sha === sha).sort((a, b) => b.id - a.id)) {
    const key = status.context.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(status);
  }
  return out;
}

function combinedState(statuses: StatusData[]): string {
  if (statuses.some((s) => s.state === "failure" || s.state === "error")) return "failure";
  if (statuses.length === 0 || statuses.some((s) => s.state === "pending")) return "pending";
  return "success";
}

export function registerCheckRoutes(router: Router): void {
  router.post(
    "/repos/{owner}/{repo}/check-runs",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<CheckRunBody>();
      if (typeof body.name !== "string")
        throw validationFailed({ resource: "CheckRun", code: "missing_field", field: "name" });
      if (typeof body.head_sha !== "string" || !repo.commits[body.head_sha])
        throw validationFailed({ resource: "CheckRun", code: "invalid", field: "head_sha" });
      const data: CheckRunData = {
        id: ctx.store.nextId(),
        name: body.name,
        head_sha: body.head_sha,
        status: "queued",
        conclusion: null,
        started_at: typeof body.started_at === "string" ? body.started_at : ctx.store.now(),
        completed_at: null,
        details_url: null,
        external_id: null,
        output: { title: null, summary: null, text: null, annotations_count: 0 },
        annotations: [],
        ...(isInstallationLogin(ctx.caller.login) ? { app: ctx.caller.login.replace(/\[bot\]$/, "") } : {}),
      };
      applyCheckRun(ctx, data, body, CREATE_DOCS);
      repo.checkRuns.push(data);
      return created(renderCheckRun(ctx, repo, data));
    },
    { permission: { scope: "checks", level: "write" } },
  );

  router.patch(
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    async (ctx) => {
      const repo = ctx.repo();
      const data = repo.checkRuns.find((c) => String(c.id) === ctx.params.check_run_id);
      if (!data) throw notFound();
      applyCheckRun(ctx, data, await ctx.body<CheckRunBody>(), UPDATE_DOCS);
      return json(renderCheckRun(ctx, repo, data));
    },
    { permission: { scope: "checks", level: "write" } },
  );

  // Every annotation ever sent to the run, in order (`@octokit/openapi` `GET /repos/{owner}/{repo}/
  // check-runs/{check_run_id}/annotations`, docs "List check run annotations"), paginated.
  router.get(
    "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
    (ctx) => {
      const repo = ctx.repo();
      const data = repo.checkRuns.find((c) => String(c.id) === ctx.params.check_run_id);
      if (!data) throw notFound();
      const page = paginate(ctx, data.annotations as Record<string, unknown>[]);
      return json(
        page.items.map((a) => ({
          path: a.path,
          blob_href: `${htmlUrl(ctx, repo)}/blob/${data.head_sha}/${String(a.path)}`,
          start_line: a.start_line,
          end_line: a.end_line,
          start_column: a.start_column ?? null,
          end_column: a.end_column ?? null,
          annotation_level: a.annotation_level ?? null,
          title: a.title ?? null,
          message: a.message ?? null,
          raw_details: a.raw_details ?? null,
        })),
        200,
        page.headers,
      );
    },
    { permission: { scope: "checks", level: "read" } },
  );

  router.get(
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    (ctx) => {
      const repo = ctx.repo();
      const data = repo.checkRuns.find((c) => String(c.id) === ctx.params.check_run_id);
      if (!data) throw notFound();
      return json(renderCheckRun(ctx, repo, data));
    },
    { permission: { scope: "checks", level: "read" } },
  );

  router.get(
    "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    (ctx) => {
      const repo = ctx.repo();
      const commit = resolveCommit(repo, ctx.params.ref ?? "");
      if (!commit) throw new ApiError(422, `No commit found for SHA: ${ctx.params.ref}`);
      const name = ctx.query.get("check_name");
      const matching = repo.checkRuns
        .filter((c) => c.head_sha === commit.sha && (!name || c.name === name))
        .sort((a, b) => b.id - a.id);
      const page = paginate(ctx, matching);
      return json(
        { total_count: matching.length, check_runs: page.items.map((c) => renderCheckRun(ctx, repo, c)) },
        200,
        page.headers,
      );
    },
    { permission: { scope: "checks", level: "read" } },
  );

  router.post(
    "/repos/{owner}/{repo}/statuses/{sha}",
    async (ctx) => {
      const repo = ctx.repo();
      const sha = ctx.params.sha ?? "";
      if (!repo.commits[sha]) throw new ApiError(422, `No commit found for SHA: ${sha}`);
      const body = await ctx.body<{
        state?: unknown;
        target_url?: unknown;
        description?: unknown;
        context?: unknown;
      }>();
      if (
        typeof body.state !== "string" ||
        !["error", "failure", "pending", "success"].includes(body.state)
      ) {
        throw validationFailed({
          resource: "Status",
          code: "custom",
          field: "state",
          message: "state is not included in the list",
        });
      }
      const now = ctx.store.now();
      const data: StatusData = {
        id: ctx.store.nextId(),
        sha,
        state: body.state,
        context: typeof body.context === "string" ? body.context : "default",
        description: typeof body.description === "string" ? body.description : null,
        target_url: typeof body.target_url === "string" ? body.target_url : null,
        created_at: now,
        updated_at: now,
        creator: ctx.caller.login,
      };
      repo.statuses.push(data);
      return created(renderStatus(ctx, repo, data), { location: `${repoUrl(ctx, repo)}/statuses/${sha}` });
    },
    { permission: { scope: "statuses", level: "write" } },
  );

  router.get(
    "/repos/{owner}/{repo}/commits/{ref}/statuses",
    (ctx) => {
      const repo = ctx.repo();
      const commit = resolveCommit(repo, ctx.params.ref ?? "");
      const matching = commit
        ? repo.statuses.filter((s) => s.sha === commit.sha).sort((a, b) => b.id - a.id)
        : [];
      const page = paginate(ctx, matching);
      return json(
        page.items.map((s) => renderStatus(ctx, repo, s)),
        200,
        page.headers,
      );
    },
    { permission: { scope: "statuses", level: "read" } },
  );

  router.get(
    "/repos/{owner}/{repo}/commits/{ref}/status",
    (ctx) => {
      const repo = ctx.repo();
      const commit = resolveCommit(repo, ctx.params.ref ?? "");
      if (!commit) throw notFound();
      const statuses = latestStatuses(repo, commit.sha);
      return json({
        state: combinedState(statuses),
        statuses: statuses.map((s) => renderStatus(ctx, repo, s)),
        sha: commit.sha,
        total_count: statuses.length,
        repository: minimalRepository(ctx, repo),
        commit_url: `${repoUrl(ctx, repo)}/commits/${commit.sha}`,
        url: `${repoUrl(ctx, repo)}/commits/${commit.sha}/status`,
      });
    },
    { permission: { scope: "statuses", level: "read" } },
  );
}

function minimalRepository(ctx: RouteContext, repo: RepoData): Record<string, unknown> {
  return repository(ctx, repo);
}
