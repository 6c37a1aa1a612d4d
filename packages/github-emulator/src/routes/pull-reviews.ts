/**
 * Pull-request reviews and a pull request's commits:
 * - `POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews` and `GET …/reviews` (docs "REST API endpoints
 *   for pull request reviews", https://docs.github.com/en/rest/pulls/reviews; OpenAPI
 *   `/repos/{owner}/{repo}/pulls/{pull_number}/reviews`): `event` APPROVE / REQUEST_CHANGES / COMMENT,
 *   `body` "Required when using REQUEST_CHANGES or COMMENT", reviews listed "in chronological order";
 *   GitHub refuses to approve or request changes on one's own pull request with 422 ("Can not approve your
 *   own pull request", "Can not request changes on your own pull request").
 * - `GET /repos/{owner}/{repo}/pulls/{pull_number}/commits` (https://docs.github.com/en/rest/pulls/pulls#list-commits-on-a-pull-request;
 *   OpenAPI `/repos/{owner}/{repo}/pulls/{pull_number}/commits`): "Lists a maximum of 250 commits for a pull
 *   request", oldest first (the commits the head has that the base had not).
 */
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import { paginate } from "../http/paginate.js";
import { json } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { CommitData, IssueData, PullReviewData, RepoData } from "../state/model.js";
import { commitObject, htmlUrl, nodeId, repoUrl, simpleUser } from "./render.js";

const PULLS_WRITE = { scope: "pull_requests", level: "write" } as const;
const PULLS_READ = { scope: "pull_requests", level: "read" } as const;
/** The most commits `GET /pulls/{n}/commits` lists. */
const MAX_PULL_COMMITS = 250;
const EVENTS: Record<string, PullReviewData["state"]> = {
  APPROVE: "APPROVED",
  REQUEST_CHANGES: "CHANGES_REQUESTED",
  COMMENT: "COMMENTED",
};

function findPull(
  repo: RepoData,
  number: string | undefined,
): IssueData & { pull: NonNullable<IssueData["pull"]> } {
  const found = repo.issues.find((i) => String(i.number) === number && i.pull);
  if (!found?.pull) throw notFound();
  return found as IssueData & { pull: NonNullable<IssueData["pull"]> };
}

function review(ctx: { baseUrl: string }, repo: RepoData, pr: IssueData, data: PullReviewData) {
  const html = `${htmlUrl(ctx, repo)}/pull/${pr.number}#pullrequestreview-${data.id}`;
  const pullUrl = `${repoUrl(ctx, repo)}/pulls/${pr.number}`;
  return {
    id: data.id,
    node_id: nodeId("PullRequestReview", data.id),
    user: simpleUser(ctx, data.user),
    body: data.body,
    state: data.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: data.submitted_at,
    commit_id: data.commit_id,
    author_association: "CONTRIBUTOR",
  };
}

/** Commits reachable from `head` that are not reachable from `base`, oldest first. */
function pullCommits(repo: RepoData, head: string, base: string): CommitData[] {
  const reachable = (from: string) => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const sha = stack.pop() as string;
      if (seen.has(sha)) continue;
      seen.add(sha);
      for (const parent of repo.commits[sha]?.parents ?? []) stack.push(parent);
    }
    return seen;
  };
  const inBase = reachable(base);
  const order: CommitData[] = [];
  const visit = (sha: string, seen: Set<string>) => {
    if (seen.has(sha) || inBase.has(sha)) return;
    seen.add(sha);
    const commit = repo.commits[sha];
    if (!commit) return;
    for (const parent of commit.parents) visit(parent, seen);
    order.push(commit); // parents first: oldest first
  };
  visit(head, new Set());
  return order.slice(0, MAX_PULL_COMMITS);
}

export function registerPullReviewRoutes(router: Router): void {
  router.post(
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    async (ctx) => {
      const repo = ctx.repo();
      const pr = findPull(repo, ctx.params.pull_number);
      const body = await ctx.body<{ event?: unknown; body?: unknown; commit_id?: unknown }>();
      const state = typeof body.event === "string" ? EVENTS[body.event] : undefined;
      if (!state) throw validationFailed({ resource: "PullRequestReview", code: "invalid", field: "event" });
      const text = typeof body.body === "string" ? body.body : "";
      if (state !== "APPROVED" && text.trim() === "")
        throw validationFailed({
          resource: "PullRequestReview",
          code: "missing_field",
          field: "body",
          message: `Review body is required for ${String(body.event)}`,
        });
      if (state !== "COMMENTED" && pr.user === ctx.caller.login)
        throw new ApiError(
          422,
          state === "APPROVED"
            ? "Can not approve your own pull request"
            : "Can not request changes on your own pull request",
        );
      const data: PullReviewData = {
        id: ctx.store.nextId(),
        user: ctx.caller.login,
        body: text,
        state,
        commit_id: typeof body.commit_id === "string" ? body.commit_id : pr.pull.headSha,
        submitted_at: ctx.store.now(),
      };
      pr.pull.reviews = [...(pr.pull.reviews ?? []), data];
      pr.updated_at = data.submitted_at; // a review updates the pull request (its `updated_at` moves)
      return json(review(ctx, repo, pr, data));
    },
    { permission: PULLS_WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    (ctx) => {
      const repo = ctx.repo();
      const pr = findPull(repo, ctx.params.pull_number);
      const page = paginate(ctx, pr.pull.reviews ?? []);
      return json(
        page.items.map((r) => review(ctx, repo, pr, r)),
        200,
        page.headers,
      );
    },
    { permission: PULLS_READ },
  );

  router.get(
    "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
    (ctx) => {
      const repo = ctx.repo();
      const pr = findPull(repo, ctx.params.pull_number);
      const page = paginate(ctx, pullCommits(repo, pr.pull.headSha, pr.pull.baseSha));
      return json(
        page.items.map((c) => commitObject(ctx, repo, c)),
        200,
        page.headers,
      );
    },
    { permission: PULLS_READ },
  );
}
