/** Git data: commits, refs (incl. matching-refs), annotated tags, branches, emulator-only commit helper. */
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, unprocessable, validationFailed } from "../http/errors.js";
import { paginate } from "../http/paginate.js";
import { created, json, noContent } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { CommitData, RepoData, RulesetData } from "../state/model.js";
import { sha1 } from "../state/store.js";
import { commitObject, gitCommit, htmlUrl, nodeId, repoUrl } from "./render.js";

/** True when `ref` (`refs/tags/x`) is the tag of a published immutable release: it cannot move or be deleted. */
function isImmutableReleaseTag(repo: RepoData, ref: string): boolean {
  return repo.releases.some((r) => r.immutable === true && `refs/tags/${r.tag_name}` === ref);
}

const WRITE = { scope: "contents", level: "write" } as const;
const READ = { scope: "contents", level: "read" } as const;

/**
 * Page size of `GET /git/matching-refs`. GitHub documents no pagination parameters for this endpoint and
 * has been seen answering 101+ refs in one page while ignoring `per_page` (google/go-github#1567), but
 * nothing promises one page: "When a response from the REST API would include many results, GitHub will
 * paginate the results and return a subset of the results" with a `link` header
 * (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api). The emulator
 * pages at 100 and ignores `per_page`, so a client that does not follow `Link` loses refs in tests.
 */
export const MATCHING_REFS_PER_PAGE = 100;

/** fnmatch as rulesets use it: `*` within one path segment, `**` across segments, `~ALL` everything. */
function refPatternMatches(pattern: string, ref: string): boolean {
  if (pattern === "~ALL") return true;
  const regex = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${regex}$`).test(ref);
}

const RULE_TEXT: Record<RulesetData["rules"][number], string> = {
  creation: "Cannot create ref due to creations being restricted.",
  update: "Cannot update this protected ref.",
  deletion: "Cannot delete this protected ref.",
};

/**
 * Refuses a ref write that an active ruleset restricts, as GitHub does: 422 whose message starts with
 * "Repository rule violations found" followed by the violated rules (the same text git prints for a
 * refused push, GH013: "Cannot create ref due to creations being restricted."). Sources: docs "Available
 * rules for rulesets" (https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/available-rules-for-rulesets#restrict-creations);
 * REST answers recorded in satisfactory-factories/application#67 ("Repository rule violations found
 * Changes must be made through a pull request. - https://docs.github.com/rest/git/refs#update-a-reference")
 * and the GH013 push errors in dmf-mxl/mxl#356 and kernelkit/infix#1610.
 */
function enforceRulesets(
  repo: RepoData,
  login: string,
  ref: string,
  rule: RulesetData["rules"][number],
  operation: "create-a-reference" | "update-a-reference" | "delete-a-reference",
): void {
  const violated = (repo.rulesets ?? []).filter(
    (set) =>
      set.rules.includes(rule) &&
      !set.bypass.includes(login) &&
      set.include.some((p) => refPatternMatches(p, ref)) &&
      !set.exclude.some((p) => refPatternMatches(p, ref)),
  );
  if (violated.length === 0) return;
  throw new ApiError(422, `Repository rule violations found\n\n${RULE_TEXT[rule]}\n\n`, {
    documentationUrl: `https://docs.github.com/rest/git/refs#${operation}`,
  });
}

/** Resolves a branch, tag, full ref or sha to a commit (peeling annotated tags). */
export function resolveCommit(repo: RepoData, ref: string): CommitData | undefined {
  const candidates = [ref, `refs/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of candidates) {
    const sha = repo.refs[name];
    if (sha) return peel(repo, sha);
  }
  if (/^[0-9a-f]{4,40}$/.test(ref)) {
    const sha = Object.keys(repo.commits).find((candidate) => candidate.startsWith(ref));
    if (sha) return repo.commits[sha];
  }
  return undefined;
}

function peel(repo: RepoData, sha: string): CommitData | undefined {
  let current = sha;
  for (let depth = 0; depth < 10; depth++) {
    const commit = repo.commits[current];
    if (commit) return commit;
    const tag = repo.tags[current];
    if (!tag) return undefined;
    current = tag.object.sha;
  }
  return undefined;
}

function objectType(repo: RepoData, sha: string): "commit" | "tag" | undefined {
  if (repo.commits[sha]) return "commit";
  if (repo.tags[sha]) return "tag";
  return undefined;
}

function renderRef(ctx: RouteContext, repo: RepoData, name: string): Record<string, unknown> {
  const sha = repo.refs[name] ?? "";
  const type = objectType(repo, sha) ?? "commit";
  const base = repoUrl(ctx, repo);
  return {
    ref: name,
    node_id: nodeId("Ref", `${repo.id}:${name}`),
    url: `${base}/git/${name}`,
    object: { type, sha, url: `${base}/git/${type}s/${sha}` },
  };
}

function isAncestor(repo: RepoData, ancestor: string, descendant: string): boolean {
  const queue = [descendant];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const sha = queue.shift() as string;
    if (sha === ancestor) return true;
    if (seen.has(sha)) continue;
    seen.add(sha);
    queue.push(...(repo.commits[sha]?.parents ?? []));
  }
  return false;
}

/** Creates a commit on `branch` (created from the default branch when missing); returns it. */
export function commitToBranch(
  ctx: RouteContext,
  repo: RepoData,
  branch: string,
  message: string,
  files: Record<string, string>,
  sha?: string,
): CommitData {
  const refName = `refs/heads/${branch}`;
  const parentSha = repo.refs[refName] ?? repo.refs[`refs/heads/${repo.default_branch}`];
  const parent = parentSha ? repo.commits[parentSha] : undefined;
  const commit = ctx.store.makeCommit(repo, {
    message,
    parents: parent ? [parent.sha] : [],
    files: { ...(parent?.files ?? {}), ...files },
    ...(sha ? { sha } : {}),
  });
  repo.refs[refName] = commit.sha;
  return commit;
}

export function registerGitRoutes(router: Router): void {
  router.get(
    "/repos/{owner}/{repo}/commits/{ref}",
    (ctx) => {
      const repo = ctx.repo();
      const commit = resolveCommit(repo, ctx.params.ref ?? "");
      if (!commit) throw new ApiError(422, `No commit found for SHA: ${ctx.params.ref}`);
      return json(commitObject(ctx, repo, commit));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/git/commits/{commit_sha}",
    (ctx) => {
      const repo = ctx.repo();
      const commit = repo.commits[ctx.params.commit_sha ?? ""];
      if (!commit) throw notFound();
      return json(gitCommit(ctx, repo, commit));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/git/ref/{ref+}",
    (ctx) => {
      const repo = ctx.repo();
      const name = `refs/${ctx.params.ref}`;
      if (!repo.refs[name]) throw notFound();
      return json(renderRef(ctx, repo, name));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/git/matching-refs/{ref+}",
    (ctx) => {
      const repo = ctx.repo();
      const prefix = `refs/${ctx.params.ref}`;
      const names = Object.keys(repo.refs)
        .filter((name) => name.startsWith(prefix))
        .sort();
      const page = paginate(ctx, names, MATCHING_REFS_PER_PAGE);
      return json(
        page.items.map((name) => renderRef(ctx, repo, name)),
        200,
        page.headers,
      );
    },
    { permission: READ },
  );

  // Legacy list (used by the git-refs fixture): `GET /git/refs/` and `GET /git/refs/{namespace}`.
  router.get(
    "/repos/{owner}/{repo}/git/refs/",
    (ctx) => {
      const repo = ctx.repo();
      return json(
        Object.keys(repo.refs)
          .sort()
          .map((name) => renderRef(ctx, repo, name)),
      );
    },
    { permission: READ, openapiPath: false },
  );

  router.post(
    "/repos/{owner}/{repo}/git/refs",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ ref?: unknown; sha?: unknown }>();
      if (typeof body.ref !== "string" || typeof body.sha !== "string") {
        throw validationFailed({
          resource: "Reference",
          code: "missing_field",
          field: typeof body.ref !== "string" ? "ref" : "sha",
        });
      }
      if (!/^refs\/.+\/.+/.test(body.ref))
        throw unprocessable("Reference name must start with 'refs' and have at least two slashes.");
      if (repo.refs[body.ref]) throw unprocessable("Reference already exists");
      if (!objectType(repo, body.sha)) throw unprocessable("Object does not exist");
      enforceRulesets(repo, ctx.caller.login, body.ref, "creation", "create-a-reference");
      repo.refs[body.ref] = body.sha;
      const rendered = renderRef(ctx, repo, body.ref);
      return created(rendered, { location: String(rendered.url) });
    },
    { permission: WRITE },
  );

  router.patch(
    "/repos/{owner}/{repo}/git/refs/{ref+}",
    async (ctx) => {
      const repo = ctx.repo();
      const name = `refs/${ctx.params.ref}`;
      const body = await ctx.body<{ sha?: unknown; force?: unknown }>();
      if (typeof body.sha !== "string")
        throw validationFailed({ resource: "Reference", code: "missing_field", field: "sha" });
      const current = repo.refs[name];
      if (!current) throw unprocessable("Reference does not exist");
      if (!objectType(repo, body.sha)) throw unprocessable("Object does not exist");
      // Fast-forward check only for commits; tag refs pointing at tag objects are moved freely (simplification).
      const bothCommits = repo.commits[current] && repo.commits[body.sha];
      if (body.force !== true && bothCommits && !isAncestor(repo, current, body.sha))
        throw unprocessable("Update is not a fast forward");
      enforceRulesets(repo, ctx.caller.login, name, "update", "update-a-reference");
      // docs "Immutable releases": the tag of a published immutable release "cannot be moved".
      if (isImmutableReleaseTag(repo, name))
        throw unprocessable("Cannot update a tag of an immutable release");
      repo.refs[name] = body.sha;
      return json(renderRef(ctx, repo, name));
    },
    { permission: WRITE },
  );

  router.delete(
    "/repos/{owner}/{repo}/git/refs/{ref+}",
    (ctx) => {
      const repo = ctx.repo();
      const name = `refs/${ctx.params.ref}`;
      if (!repo.refs[name]) throw unprocessable("Reference does not exist");
      enforceRulesets(repo, ctx.caller.login, name, "deletion", "delete-a-reference");
      // docs "Immutable releases": the tag of a published immutable release cannot be deleted.
      if (isImmutableReleaseTag(repo, name))
        throw unprocessable("Cannot delete a tag of an immutable release");
      delete repo.refs[name];
      return noContent();
    },
    { permission: WRITE },
  );

  router.post(
    "/repos/{owner}/{repo}/git/tags",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{
        tag?: unknown;
        message?: unknown;
        object?: unknown;
        type?: unknown;
        tagger?: { name?: string; email?: string; date?: string };
      }>();
      for (const field of ["tag", "message", "object", "type"] as const) {
        if (typeof body[field] !== "string")
          throw validationFailed({ resource: "Tag", code: "missing_field", field });
      }
      const objectSha = body.object as string;
      const type = objectType(repo, objectSha);
      if (!type) throw unprocessable("Object does not exist");
      const tagger = {
        name: body.tagger?.name ?? "github-actions[bot]",
        email: body.tagger?.email ?? "41898282+github-actions[bot]@users.noreply.github.com",
        date: body.tagger?.date ?? ctx.store.now(),
      };
      const sha = sha1(
        `tag\0${body.tag}\0${objectSha}\0${body.message}\0${tagger.date}\0${ctx.store.nextId()}`,
      );
      repo.tags[sha] = {
        sha,
        tag: body.tag as string,
        message: body.message as string,
        object: { sha: objectSha, type: body.type as string },
        tagger,
      };
      return created(renderTag(ctx, repo, sha), { location: `${repoUrl(ctx, repo)}/git/tags/${sha}` });
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/git/tags/{tag_sha}",
    (ctx) => {
      const repo = ctx.repo();
      if (!repo.tags[ctx.params.tag_sha ?? ""]) throw notFound();
      return json(renderTag(ctx, repo, ctx.params.tag_sha ?? ""));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/branches/{branch}",
    (ctx) => {
      const repo = ctx.repo();
      const branch = ctx.params.branch ?? "";
      const sha = repo.refs[`refs/heads/${branch}`];
      const commit = sha ? repo.commits[sha] : undefined;
      if (!commit) throw new ApiError(404, "Branch not found");
      const base = repoUrl(ctx, repo);
      return json({
        name: branch,
        commit: commitObject(ctx, repo, commit),
        _links: { html: `${htmlUrl(ctx, repo)}/tree/${branch}`, self: `${base}/branches/${branch}` },
        protected: false,
        protection: {
          enabled: false,
          required_status_checks: { enforcement_level: "off", contexts: [], checks: [] },
        },
        protection_url: `${base}/branches/${branch}/protection`,
      });
    },
    { permission: READ },
  );

  // Emulator-only: add a ruleset restricting ref writes (GitHub's own ruleset API is not emulated).
  router.post(
    "/_emulator/repos/{owner}/{repo}/rulesets",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<Partial<RulesetData>>();
      const rules = (body.rules ?? ["creation", "update", "deletion"]).filter((r) => r in RULE_TEXT);
      if (!Array.isArray(body.include) || body.include.length === 0 || rules.length === 0)
        throw validationFailed({ resource: "Ruleset", code: "missing_field", field: "include" });
      const ruleset: RulesetData = {
        name: body.name ?? `ruleset ${(repo.rulesets?.length ?? 0) + 1}`,
        include: body.include,
        exclude: body.exclude ?? [],
        rules,
        bypass: body.bypass ?? [],
      };
      repo.rulesets = [...(repo.rulesets ?? []), ruleset];
      return created(ruleset);
    },
    { permission: WRITE, openapiPath: false },
  );

  router.delete(
    "/_emulator/repos/{owner}/{repo}/rulesets",
    (ctx) => {
      ctx.repo().rulesets = [];
      return noContent();
    },
    { permission: WRITE, openapiPath: false },
  );

  router.post(
    "/_emulator/repos/{owner}/{repo}/commits",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{
        branch?: string;
        message?: string;
        files?: Record<string, string>;
        sha?: unknown;
      }>();
      // `sha`: store the commit under a local git commit's id, as if it had been pushed (the emulator has
      // no git transport), so a test's checkout and the repository agree on HEAD.
      if (body.sha !== undefined && (typeof body.sha !== "string" || !/^[0-9a-f]{40}$/.test(body.sha)))
        throw validationFailed({ resource: "Commit", code: "invalid", field: "sha" });
      if (typeof body.sha === "string" && repo.commits[body.sha])
        throw validationFailed({ resource: "Commit", code: "already_exists", field: "sha" });
      const commit = commitToBranch(
        ctx,
        repo,
        body.branch ?? repo.default_branch,
        body.message ?? "Emulator commit",
        body.files ?? {},
        typeof body.sha === "string" ? body.sha : undefined,
      );
      return created({ sha: commit.sha, branch: body.branch ?? repo.default_branch });
    },
    { permission: WRITE, openapiPath: false },
  );

  // Emulator-only: a fork `{owner}/{repo name}` of this repository (its commits and branches copied, as a
  // fresh fork starts), so a test can open a cross-repository pull request (`head: "<owner>:<branch>"`).
  router.post(
    "/_emulator/repos/{owner}/{repo}/forks",
    async (ctx) => {
      const parent = ctx.repo();
      // `organization`: the fork's owner (named like the body field of GitHub's `POST /repos/{o}/{r}/forks`).
      const body = await ctx.body<{ organization?: unknown }>();
      const owner = body.organization;
      if (typeof owner !== "string" || !/^[A-Za-z0-9-]+$/.test(owner))
        throw validationFailed({ resource: "Repository", code: "missing_field", field: "organization" });
      const fork = ensureFork(ctx, parent, owner, parent.name);
      return created({ full_name: `${fork.owner}/${fork.name}`, parent: fork.parent });
    },
    { permission: null, openapiPath: false },
  );
}

/**
 * `owner/name` as a fork of `parent`: created with the parent's commits and branches (a fresh fork), or
 * the existing fork. 422 when `owner/name` exists and is not a fork of `parent`.
 */
export function ensureFork(ctx: RouteContext, parent: RepoData, owner: string, name: string): RepoData {
  const parentName = `${parent.owner}/${parent.name}`;
  const existing = ctx.store.findRepo(`${owner}/${name}`);
  if (existing) {
    if (existing.parent?.toLowerCase() !== parentName.toLowerCase())
      throw unprocessable(`${owner}/${name} exists and is not a fork of ${parentName}`);
    return existing;
  }
  const fork = ctx.store.repo(owner, name);
  fork.parent = parentName;
  fork.default_branch = parent.default_branch;
  fork.commits = { ...parent.commits };
  fork.refs = Object.fromEntries(
    Object.entries(parent.refs).filter(([ref]) => ref.startsWith("refs/heads/")),
  );
  return fork;
}

function renderTag(ctx: RouteContext, repo: RepoData, sha: string): Record<string, unknown> {
  const tag = repo.tags[sha];
  if (!tag) throw notFound();
  const base = repoUrl(ctx, repo);
  return {
    node_id: nodeId("Tag", sha),
    sha,
    url: `${base}/git/tags/${sha}`,
    tag: tag.tag,
    message: tag.message,
    tagger: tag.tagger,
    object: {
      sha: tag.object.sha,
      type: tag.object.type,
      url: `${base}/git/${tag.object.type}s/${tag.object.sha}`,
    },
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}
