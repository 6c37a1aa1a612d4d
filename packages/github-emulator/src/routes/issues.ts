/** Issues, issue comments, labels and pull requests (PRs share the issue number sequence). */
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import {
  checkTextLength,
  codePoints,
  MAX_COMMENT_BODY,
  MAX_ISSUE_BODY,
  MAX_PULL_BODY,
} from "../http/limits.js";
import { paginate } from "../http/paginate.js";
import { created, json, noContent } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { CommentData, IssueData, RepoData } from "../state/model.js";
import { resolveCommit } from "./git.js";
import {
  findOrCreateLabel,
  htmlUrl,
  issue,
  label,
  nodeId,
  pullRequest,
  repoUrl,
  simpleUser,
} from "./render.js";

const ISSUES_WRITE = { scope: "issues", level: "write" } as const;
const ISSUES_READ = { scope: "issues", level: "read" } as const;
const PULLS_WRITE = { scope: "pull_requests", level: "write" } as const;
const PULLS_READ = { scope: "pull_requests", level: "read" } as const;
/** Comments live on issues and PRs: either permission works (GitHub accepts both for PR comments). */
const COMMENTS_WRITE = [ISSUES_WRITE, PULLS_WRITE];
const COMMENTS_READ = [ISSUES_READ, PULLS_READ];

function findIssue(repo: RepoData, number: string | undefined): IssueData {
  const found = repo.issues.find((i) => String(i.number) === number);
  if (!found) throw notFound();
  return found;
}

function renderComment(ctx: RouteContext, repo: RepoData, data: CommentData): Record<string, unknown> {
  const parent = repo.issues.find((i) => i.number === data.issueNumber);
  return {
    id: data.id,
    node_id: nodeId("IssueComment", data.id),
    url: `${repoUrl(ctx, repo)}/issues/comments/${data.id}`,
    html_url: `${htmlUrl(ctx, repo)}/${parent?.pull ? "pull" : "issues"}/${data.issueNumber}#issuecomment-${data.id}`,
    issue_url: `${repoUrl(ctx, repo)}/issues/${data.issueNumber}`,
    body: data.body,
    user: simpleUser(ctx, data.user),
    created_at: data.created_at,
    updated_at: data.updated_at,
    author_association: "CONTRIBUTOR",
  };
}

function checkBody(body: unknown): string {
  if (typeof body !== "string" || body === "")
    throw validationFailed({ resource: "IssueComment", code: "missing_field", field: "body" });
  // Counted in characters (code points), GitHub's shape (see MAX_COMMENT_BODY).
  if (codePoints(body) > MAX_COMMENT_BODY)
    throw validationFailed({
      resource: "IssueComment",
      code: "unprocessable",
      field: "data",
      message: `Body is too long (maximum is ${MAX_COMMENT_BODY} characters)`,
    });
  return body;
}

/** Issue bodies (create and update): see MAX_ISSUE_BODY. */
function checkIssueBody(body: unknown): void {
  checkTextLength(body, MAX_ISSUE_BODY, {
    resource: "Issue",
    code: "custom",
    field: "body",
    message: `body is too long (maximum is ${MAX_ISSUE_BODY} characters)`,
  });
}

function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((item) => (typeof item === "string" ? item : String((item as { name?: unknown }).name ?? "")))
    .filter(Boolean);
}

export function registerIssueRoutes(router: Router): void {
  router.post(
    "/repos/{owner}/{repo}/issues",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ title?: unknown; body?: unknown; labels?: unknown }>();
      if (typeof body.title !== "string" || body.title === "")
        throw validationFailed({ resource: "Issue", code: "missing_field", field: "title" });
      checkIssueBody(body.body);
      const now = ctx.store.now();
      const data: IssueData = {
        id: ctx.store.nextId(),
        number: repo.nextIssueNumber++,
        title: body.title,
        body: typeof body.body === "string" ? body.body : null,
        state: "open",
        labels: labelNames(body.labels),
        user: ctx.caller.login,
        created_at: now,
        updated_at: now,
        closed_at: null,
      };
      for (const name of data.labels) findOrCreateLabel(ctx, repo, name);
      repo.issues.push(data);
      return created(issue(ctx, repo, data));
    },
    { permission: ISSUES_WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/issues",
    (ctx) => {
      const repo = ctx.repo();
      const state = ctx.query.get("state") ?? "open";
      const creator = ctx.query.get("creator");
      const labels = (ctx.query.get("labels") ?? "").split(",").filter(Boolean);
      const since = ctx.query.get("since");
      const matching = repo.issues
        .filter((i) => state === "all" || i.state === state)
        .filter((i) => !creator || i.user === creator)
        .filter((i) => labels.every((l) => i.labels.includes(l)))
        // `since` (OpenAPI `GET /repos/{owner}/{repo}/issues`): "Only show results that were last updated
        // after the given time".
        .filter((i) => !since || i.updated_at >= since)
        .sort((a, b) => (ctx.query.get("direction") === "asc" ? a.number - b.number : b.number - a.number));
      const page = paginate(ctx, matching);
      return json(
        page.items.map((i) => issue(ctx, repo, i)),
        200,
        page.headers,
      );
    },
    { permission: ISSUES_READ },
  );

  router.get(
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    (ctx) => {
      const repo = ctx.repo();
      const found = repo.comments.find((c) => String(c.id) === ctx.params.comment_id);
      if (!found) throw notFound();
      return json(renderComment(ctx, repo, found));
    },
    { permission: COMMENTS_READ },
  );

  router.patch(
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    async (ctx) => {
      const repo = ctx.repo();
      const found = repo.comments.find((c) => String(c.id) === ctx.params.comment_id);
      if (!found) throw notFound();
      const body = await ctx.body<{ body?: unknown }>();
      found.body = checkBody(body.body);
      found.updated_at = ctx.store.now();
      return json(renderComment(ctx, repo, found));
    },
    { permission: COMMENTS_WRITE },
  );

  router.delete(
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    (ctx) => {
      const repo = ctx.repo();
      const before = repo.comments.length;
      repo.comments = repo.comments.filter((c) => String(c.id) !== ctx.params.comment_id);
      if (repo.comments.length === before) throw notFound();
      return noContent();
    },
    { permission: COMMENTS_WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/issues/{issue_number}",
    (ctx) => {
      const repo = ctx.repo();
      return json(issue(ctx, repo, findIssue(repo, ctx.params.issue_number)));
    },
    { permission: ISSUES_READ },
  );

  router.patch(
    "/repos/{owner}/{repo}/issues/{issue_number}",
    async (ctx) => {
      const repo = ctx.repo();
      const data = findIssue(repo, ctx.params.issue_number);
      const body = await ctx.body<{ title?: unknown; body?: unknown; state?: unknown; labels?: unknown }>();
      checkIssueBody(body.body);
      if (typeof body.title === "string") data.title = body.title;
      if (typeof body.body === "string" || body.body === null) data.body = body.body;
      if (body.state === "open" || body.state === "closed") {
        data.closed_at = body.state === "closed" ? (data.closed_at ?? ctx.store.now()) : null;
        data.state = body.state;
      }
      if (body.labels !== undefined) data.labels = labelNames(body.labels);
      data.updated_at = ctx.store.now();
      return json(issue(ctx, repo, data));
    },
    { permission: ISSUES_WRITE },
  );

  router.post(
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    async (ctx) => {
      const repo = ctx.repo();
      const parent = findIssue(repo, ctx.params.issue_number);
      const body = await ctx.body<{ body?: unknown }>();
      const now = ctx.store.now();
      const data: CommentData = {
        id: ctx.store.nextId(),
        issueNumber: parent.number,
        body: checkBody(body.body),
        user: ctx.caller.login,
        created_at: now,
        updated_at: now,
      };
      repo.comments.push(data);
      const rendered = renderComment(ctx, repo, data);
      return created(rendered, { location: String(rendered.url) });
    },
    { permission: COMMENTS_WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    (ctx) => {
      const repo = ctx.repo();
      const parent = findIssue(repo, ctx.params.issue_number);
      const since = ctx.query.get("since");
      const matching = repo.comments
        .filter((c) => c.issueNumber === parent.number && (!since || c.updated_at >= since))
        .sort((a, b) => a.id - b.id);
      const page = paginate(ctx, matching);
      return json(
        page.items.map((c) => renderComment(ctx, repo, c)),
        200,
        page.headers,
      );
    },
    { permission: COMMENTS_READ },
  );

  router.post(
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    async (ctx) => {
      const repo = ctx.repo();
      const data = findIssue(repo, ctx.params.issue_number);
      const body = await ctx.body<{ labels?: unknown } | string[]>();
      const names = labelNames(Array.isArray(body) ? body : body.labels);
      for (const name of names) {
        findOrCreateLabel(ctx, repo, name);
        if (!data.labels.includes(name)) data.labels.push(name);
      }
      return json(data.labels.map((name) => label(ctx, repo, findOrCreateLabel(ctx, repo, name))));
    },
    { permission: ISSUES_WRITE },
  );

  router.post(
    "/repos/{owner}/{repo}/labels",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ name?: unknown; color?: unknown; description?: unknown }>();
      if (typeof body.name !== "string" || body.name === "")
        throw validationFailed({ resource: "Label", code: "missing_field", field: "name" });
      if (repo.labels.some((l) => l.name.toLowerCase() === (body.name as string).toLowerCase())) {
        throw validationFailed({ resource: "Label", code: "already_exists", field: "name" });
      }
      const color = typeof body.color === "string" ? body.color.replace(/^#/, "") : "ededed";
      if (!/^[0-9a-fA-F]{6}$/.test(color))
        throw validationFailed({ resource: "Label", code: "invalid", field: "color" });
      const data = {
        id: ctx.store.nextId(),
        name: body.name,
        color,
        description: typeof body.description === "string" ? body.description : null,
      };
      repo.labels.push(data);
      return created(label(ctx, repo, data));
    },
    { permission: ISSUES_WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/labels",
    (ctx) => {
      const repo = ctx.repo();
      const page = paginate(ctx, repo.labels);
      return json(
        page.items.map((l) => label(ctx, repo, l)),
        200,
        page.headers,
      );
    },
    { permission: ISSUES_READ },
  );

  router.get(
    "/repos/{owner}/{repo}/labels/{name}",
    (ctx) => {
      const repo = ctx.repo();
      const found = repo.labels.find((l) => l.name.toLowerCase() === (ctx.params.name ?? "").toLowerCase());
      if (!found) throw notFound();
      return json(label(ctx, repo, found));
    },
    { permission: ISSUES_READ },
  );

  // Pull requests.
  router.post(
    "/repos/{owner}/{repo}/pulls",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{
        title?: unknown;
        body?: unknown;
        head?: unknown;
        base?: unknown;
        draft?: unknown;
      }>();
      for (const field of ["title", "head", "base"] as const) {
        if (typeof body[field] !== "string")
          throw validationFailed({ resource: "PullRequest", code: "missing_field", field });
      }
      checkTextLength(body.body, MAX_PULL_BODY, {
        resource: "PullRequest",
        code: "custom",
        field: "body",
        message: `body is too long (maximum is ${MAX_PULL_BODY} characters)`,
      });
      // `head` is `branch` or `owner:branch`; another owner's branch lives in their fork of this
      // repository (OpenAPI `POST /repos/{owner}/{repo}/pulls`: "namespace head with a user like this:
      // username:branch"). The fork must exist (emulator-only `POST /_emulator/repos/{o}/{r}/forks`).
      const [headOwner, head] = splitHead(String(body.head), repo.owner);
      const headRepo =
        headOwner.toLowerCase() === repo.owner.toLowerCase() ? repo : forkOf(ctx, repo, headOwner);
      const base = String(body.base);
      const headSha = headRepo?.refs[`refs/heads/${head}`];
      const baseSha = repo.refs[`refs/heads/${base}`];
      if (!headRepo || !headSha)
        throw validationFailed({ resource: "PullRequest", code: "invalid", field: "head" });
      if (headRepo !== repo) shareCommits(headRepo, repo);
      if (!baseSha) throw validationFailed({ resource: "PullRequest", code: "invalid", field: "base" });
      if (headSha === baseSha)
        throw new ApiError(422, "Validation Failed", {
          errors: [
            { resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${head}` },
          ],
        });
      const now = ctx.store.now();
      const data: IssueData = {
        id: ctx.store.nextId(),
        number: repo.nextIssueNumber++,
        title: String(body.title),
        body: typeof body.body === "string" ? body.body : null,
        state: "open",
        labels: [],
        user: ctx.caller.login,
        created_at: now,
        updated_at: now,
        closed_at: null,
        pull: {
          head,
          ...(headRepo !== repo ? { headRepo: `${headRepo.owner}/${headRepo.name}` } : {}),
          base,
          headSha,
          baseSha,
          merged: false,
          draft: body.draft === true,
        },
      };
      repo.issues.push(data);
      return created(pullRequest(ctx, repo, data, true));
    },
    { permission: PULLS_WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/pulls",
    (ctx) => {
      const repo = ctx.repo();
      const state = ctx.query.get("state") ?? "open";
      // The `head` (`user:ref-name` or `organization:ref-name`) and `base` (branch name) filters of
      // OpenAPI `GET /repos/{owner}/{repo}/pulls`.
      const headFilter = ctx.query.get("head");
      const [headOwner, headRef] = headFilter ? splitHead(headFilter, repo.owner) : [];
      const baseFilter = ctx.query.get("base");
      const matching = repo.issues
        .filter((i) => i.pull && (state === "all" || i.state === state))
        .filter(
          (i) =>
            (!headFilter ||
              (i.pull?.head === headRef &&
                headOwnerOf(repo, i).toLowerCase() === headOwner?.toLowerCase())) &&
            (!baseFilter || i.pull?.base === baseFilter),
        )
        .sort(pullOrder(ctx.query));
      const page = paginate(ctx, matching);
      return json(
        page.items.map((i) => pullRequest(ctx, repo, refreshHead(ctx, repo, i), false)),
        200,
        page.headers,
      );
    },
    { permission: PULLS_READ },
  );

  router.get(
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    (ctx) => {
      const repo = ctx.repo();
      const data = findIssue(repo, ctx.params.pull_number);
      if (!data.pull) throw notFound();
      return json(pullRequest(ctx, repo, refreshHead(ctx, repo, data), true));
    },
    { permission: PULLS_READ },
  );

  router.get(
    "/repos/{owner}/{repo}/commits/{commit_sha}/pulls",
    (ctx) => {
      const repo = ctx.repo();
      const commit = resolveCommit(repo, ctx.params.commit_sha ?? "");
      if (!commit) throw new ApiError(422, `No commit found for SHA: ${ctx.params.commit_sha}`);
      // GitHub finds the pull requests that are associated with the commit *in this repository*
      // (OpenAPI: "Lists the merged pull request that introduced the commit to the repository. If the
      // commit is not present in the default branch, it will return merged and open pull requests
      // associated with the commit"). An open fork PR's head commit is not part of this repository, so
      // GitHub returns nothing for it: measured live in pulumi/registry#12160, TooTallNate/nx.js#410,
      // quarkusio/pt.quarkus.io#389. Once merged, the commit is in the base branch and the PR is listed.
      const matching = repo.issues.filter(
        (i) =>
          i.pull &&
          refreshHead(ctx, repo, i).pull?.headSha === commit.sha &&
          (i.pull.headRepo === undefined || i.pull.merged),
      );
      return json(matching.map((i) => pullRequest(ctx, repo, i, false)));
    },
    { permission: PULLS_READ },
  );
}

/**
 * The order of `GET /pulls` (OpenAPI `GET /repos/{owner}/{repo}/pulls`): `sort` `created` (default) or
 * `updated`; `direction` "Default: `desc` when sort is `created` or sort is not specified, otherwise `asc`".
 * Ties (same second) by number.
 */
function pullOrder(query: URLSearchParams): (a: IssueData, b: IssueData) => number {
  const sort = query.get("sort") ?? "created";
  const direction = query.get("direction") ?? (sort === "created" ? "desc" : "asc");
  const key = (i: IssueData) => (sort === "updated" ? i.updated_at : i.created_at);
  const sign = direction === "asc" ? 1 : -1;
  return (a, b) => sign * (key(a).localeCompare(key(b)) || a.number - b.number);
}

/** `owner:branch` → [owner, branch]; a bare `branch` belongs to `defaultOwner`. */
function splitHead(head: string, defaultOwner: string): [string, string] {
  const colon = head.indexOf(":");
  return colon < 0 ? [defaultOwner, head] : [head.slice(0, colon), head.slice(colon + 1)];
}

/** `owner`'s fork of `repo`, when it exists. */
function forkOf(ctx: RouteContext, repo: RepoData, owner: string): RepoData | undefined {
  const fork = ctx.store.findRepo(`${owner}/${repo.name}`);
  const parent = `${repo.owner}/${repo.name}`.toLowerCase();
  return fork?.parent?.toLowerCase() === parent ? fork : undefined;
}

/** The owner of a PR's head branch: the fork's owner, or this repository's. */
function headOwnerOf(repo: RepoData, data: IssueData): string {
  return data.pull?.headRepo?.split("/")[0] ?? repo.owner;
}

/**
 * A fork PR's commits are readable from the base repository (GitHub keeps them under
 * `refs/pull/<n>/head`, docs "Checking out pull requests locally"): copy the ones it lacks.
 */
function shareCommits(from: RepoData, to: RepoData): void {
  for (const [sha, commit] of Object.entries(from.commits)) to.commits[sha] ??= commit;
}

/** The repository a PR's head branch lives in (its fork, or `repo`). */
export function pullHeadRepo(ctx: Pick<RouteContext, "store">, repo: RepoData, data: IssueData): RepoData {
  const name = data.pull?.headRepo;
  return (name && ctx.store.findRepo(name)) || repo;
}

/** An open PR follows its head branch (in its fork for a cross-repository PR). */
export function refreshHead(ctx: Pick<RouteContext, "store">, repo: RepoData, data: IssueData): IssueData {
  if (data.pull && data.state === "open") {
    const headRepo = pullHeadRepo(ctx, repo, data);
    const sha = headRepo.refs[`refs/heads/${data.pull.head}`];
    if (sha && sha !== data.pull.headSha && headRepo !== repo) shareCommits(headRepo, repo);
    if (sha) data.pull.headSha = sha;
  }
  return data;
}
