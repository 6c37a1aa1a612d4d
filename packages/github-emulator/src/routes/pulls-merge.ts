/** Pull-request merge: `PUT`/`GET /pulls/{pull_number}/merge` (file-level three-way merge of snapshots). */
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import { json, noContent } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { CommitData, IssueData, RepoData } from "../state/model.js";
import { refreshHead } from "./issues.js";

const CONTENTS_WRITE = { scope: "contents", level: "write" } as const;
const PULLS_READ = { scope: "pull_requests", level: "read" } as const;
const METHODS = ["merge", "squash", "rebase"] as const;
type MergeMethod = (typeof METHODS)[number];

const notMergeable = (message = "Pull Request is not mergeable"): ApiError => new ApiError(405, message);

function findPull(
  repo: RepoData,
  number: string | undefined,
): IssueData & { pull: NonNullable<IssueData["pull"]> } {
  const found = repo.issues.find((i) => String(i.number) === number);
  if (!found?.pull) throw notFound();
  return found as IssueData & { pull: NonNullable<IssueData["pull"]> };
}

/** Every ancestor of `sha` (itself included), in breadth-first order. */
function ancestors(repo: RepoData, sha: string): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const queue = [sha];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    if (seen.has(current)) continue;
    seen.add(current);
    order.push(current);
    queue.push(...(repo.commits[current]?.parents ?? []));
  }
  return order;
}

/** The nearest common ancestor of two commits (breadth-first from `head`), if any. */
export function mergeBase(repo: RepoData, base: string, head: string): CommitData | undefined {
  const baseAncestors = new Set(ancestors(repo, base));
  const sha = ancestors(repo, head).find((candidate) => baseAncestors.has(candidate));
  return sha ? repo.commits[sha] : undefined;
}

/**
 * File-level three-way merge of snapshots: a file changed on one side takes that side; changed on both
 * sides to different contents (deletion counts as a change) is a conflict → `undefined`.
 */
export function mergeFiles(
  ancestor: Record<string, string>,
  base: Record<string, string>,
  head: Record<string, string>,
): Record<string, string> | undefined {
  const result: Record<string, string> = {};
  const paths = new Set([...Object.keys(ancestor), ...Object.keys(base), ...Object.keys(head)]);
  for (const path of [...paths].sort()) {
    const [a, b, h] = [ancestor[path], base[path], head[path]];
    let merged: string | undefined;
    if (h === a || h === b) merged = b;
    else if (b === a) merged = h;
    else return undefined;
    if (merged !== undefined) result[path] = merged;
  }
  return result;
}

function parseMethod(value: unknown): MergeMethod {
  if (value === undefined || value === null) return "merge";
  if (typeof value === "string" && (METHODS as readonly string[]).includes(value))
    return value as MergeMethod;
  throw validationFailed({ resource: "PullRequest", code: "invalid", field: "merge_method" });
}

function commitMessage(
  method: MergeMethod,
  repo: RepoData,
  pr: IssueData & { pull: NonNullable<IssueData["pull"]> },
  head: CommitData,
  body: { commit_title?: unknown; commit_message?: unknown },
): string {
  const defaults: Record<MergeMethod, [string, string]> = {
    merge: [
      `Merge pull request #${pr.number} from ${pr.pull.headRepo?.split("/")[0] ?? repo.owner}/${pr.pull.head}`,
      pr.title,
    ],
    squash: [`${pr.title} (#${pr.number})`, pr.body ?? ""],
    rebase: [head.message, ""],
  };
  const [defaultTitle, defaultMessage] = defaults[method];
  const title = typeof body.commit_title === "string" && body.commit_title ? body.commit_title : defaultTitle;
  const message = typeof body.commit_message === "string" ? body.commit_message : defaultMessage;
  return message ? `${title}\n\n${message}` : title;
}

async function mergePull(ctx: RouteContext) {
  const repo = ctx.repo();
  const pr = findPull(repo, ctx.params.pull_number);
  const body = await ctx.body<{
    commit_title?: unknown;
    commit_message?: unknown;
    sha?: unknown;
    merge_method?: unknown;
  }>();
  const method = parseMethod(body.merge_method);
  if (pr.state !== "open" || pr.pull.merged) throw notMergeable();
  if (pr.pull.draft) throw notMergeable("Pull Request is still a draft");
  const headSha = refreshHead(ctx, repo, pr).pull?.headSha ?? pr.pull.headSha;
  const baseSha = repo.refs[`refs/heads/${pr.pull.base}`];
  const head = repo.commits[headSha];
  const base = baseSha ? repo.commits[baseSha] : undefined;
  if (!head || !base) throw notMergeable();
  pr.pull.headSha = headSha;
  if (typeof body.sha === "string" && body.sha !== headSha)
    throw new ApiError(409, "Head branch was modified. Review and try the merge again.");
  const ancestor = mergeBase(repo, base.sha, head.sha);
  const files = mergeFiles(ancestor?.files ?? {}, base.files, head.files);
  if (!files) throw notMergeable();
  const commit = ctx.store.makeCommit(repo, {
    message: commitMessage(method, repo, pr, head, body),
    parents: method === "merge" ? [base.sha, head.sha] : [base.sha],
    files,
  });
  repo.refs[`refs/heads/${pr.pull.base}`] = commit.sha;
  const now = ctx.store.now();
  Object.assign(pr.pull, {
    baseSha: base.sha,
    merged: true,
    mergedAt: now,
    mergeCommitSha: commit.sha,
    mergedBy: ctx.caller.login,
  });
  Object.assign(pr, { state: "closed", closed_at: now, updated_at: now });
  return json({ sha: commit.sha, merged: true, message: "Pull Request successfully merged" });
}

export function registerPullMergeRoutes(router: Router): void {
  router.put("/repos/{owner}/{repo}/pulls/{pull_number}/merge", mergePull, { permission: CONTENTS_WRITE });

  router.get(
    "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
    (ctx) => {
      const pr = findPull(ctx.repo(), ctx.params.pull_number);
      if (!pr.pull.merged) throw notFound();
      return noContent();
    },
    { permission: PULLS_READ },
  );
}
