/** Renders stored data as GitHub's JSON objects (URLs point at the emulator). */
import { createHash } from "node:crypto";
import type { RouteContext } from "../http/context.js";
import type { AssetData, CommitData, IssueData, LabelData, ReleaseData, RepoData } from "../state/model.js";

type Json = Record<string, unknown>;

export const nodeId = (kind: string, id: number | string): string =>
  Buffer.from(`${kind}:${id}`).toString("base64url");

/** Stable numeric id for a login (GitHub's Actions bot is 41898282). */
export function userId(login: string): number {
  if (login === "github-actions[bot]") return 41898282;
  return Number.parseInt(createHash("sha1").update(login).digest("hex").slice(0, 7), 16);
}

export function simpleUser(ctx: Pick<RouteContext, "baseUrl">, login: string): Json {
  const url = `${ctx.baseUrl}/users/${encodeURIComponent(login)}`;
  const id = userId(login);
  return {
    login,
    id,
    node_id: nodeId("User", id),
    avatar_url: `${ctx.baseUrl}/avatars/${id}`,
    gravatar_id: "",
    url,
    html_url: `${ctx.baseUrl}/${encodeURIComponent(login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: login.endsWith("[bot]") ? "Bot" : "User",
    site_admin: false,
  };
}

/**
 * The GitHub App `slug` as a check run's `app` shows it (OpenAPI `nullable-integration`). `github-actions` is
 * the app behind `GITHUB_TOKEN` (id 15368, owner `github`); other slugs get a stable id and their owner.
 */
export function integration(ctx: Pick<RouteContext, "baseUrl">, slug: string, owner: string): Json {
  const id = slug === "github-actions" ? 15368 : userId(`app:${slug}`);
  const html = `${ctx.baseUrl}/apps/${encodeURIComponent(slug)}`;
  return {
    id,
    slug,
    node_id: nodeId("Integration", id),
    owner: simpleUser(ctx, slug === "github-actions" ? "github" : owner),
    name: slug === "github-actions" ? "GitHub Actions" : slug,
    description: null,
    external_url: html,
    html_url: html,
    created_at: "2018-07-30T09:30:17Z",
    updated_at: "2018-07-30T09:30:17Z",
    permissions: { checks: "write", metadata: "read" },
    events: [],
  };
}

export const repoUrl = (ctx: Pick<RouteContext, "baseUrl">, repo: RepoData): string =>
  `${ctx.baseUrl}/repos/${repo.owner}/${repo.name}`;
export const htmlUrl = (ctx: Pick<RouteContext, "baseUrl">, repo: RepoData): string =>
  `${ctx.baseUrl}/${repo.owner}/${repo.name}`;

const URL_TEMPLATES: Record<string, string> = {
  archive_url: "/{archive_format}{/ref}",
  assignees_url: "/assignees{/user}",
  blobs_url: "/git/blobs{/sha}",
  branches_url: "/branches{/branch}",
  collaborators_url: "/collaborators{/collaborator}",
  comments_url: "/comments{/number}",
  commits_url: "/commits{/sha}",
  compare_url: "/compare/{base}...{head}",
  contents_url: "/contents/{+path}",
  contributors_url: "/contributors",
  deployments_url: "/deployments",
  downloads_url: "/downloads",
  events_url: "/events",
  forks_url: "/forks",
  git_commits_url: "/git/commits{/sha}",
  git_refs_url: "/git/refs{/sha}",
  git_tags_url: "/git/tags{/sha}",
  hooks_url: "/hooks",
  issue_comment_url: "/issues/comments{/number}",
  issue_events_url: "/issues/events{/number}",
  issues_url: "/issues{/number}",
  keys_url: "/keys{/key_id}",
  labels_url: "/labels{/name}",
  languages_url: "/languages",
  merges_url: "/merges",
  milestones_url: "/milestones{/number}",
  notifications_url: "/notifications{?since,all,participating}",
  pulls_url: "/pulls{/number}",
  releases_url: "/releases{/id}",
  stargazers_url: "/stargazers",
  statuses_url: "/statuses/{sha}",
  subscribers_url: "/subscribers",
  subscription_url: "/subscription",
  tags_url: "/tags",
  teams_url: "/teams",
  trees_url: "/git/trees{/sha}",
};

/** The `repository` / `full-repository` object. */
export function repository(ctx: Pick<RouteContext, "baseUrl">, repo: RepoData): Json {
  const url = repoUrl(ctx, repo);
  const urls = Object.fromEntries(
    Object.entries(URL_TEMPLATES).map(([key, suffix]) => [key, `${url}${suffix}`]),
  );
  const openIssues = repo.issues.filter((issue) => issue.state === "open").length;
  return {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: simpleUser(ctx, repo.owner),
    private: (repo.visibility ?? "public") !== "public",
    html_url: htmlUrl(ctx, repo),
    description: null,
    fork: repo.parent !== undefined,
    url,
    ...urls,
    clone_url: `${htmlUrl(ctx, repo)}.git`,
    git_url: `${htmlUrl(ctx, repo)}.git`,
    ssh_url: `git@127.0.0.1:${repo.owner}/${repo.name}.git`,
    svn_url: htmlUrl(ctx, repo),
    mirror_url: null,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.default_branch,
    open_issues: openIssues,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repo.visibility ?? "public",
    license: null,
    pushed_at: repo.created_at,
    created_at: repo.created_at,
    updated_at: repo.created_at,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    network_count: 0,
    subscribers_count: 0,
  };
}

/** `git-commit` (`/git/commits/{sha}`). */
export function gitCommit(ctx: Pick<RouteContext, "baseUrl">, repo: RepoData, commit: CommitData): Json {
  const url = repoUrl(ctx, repo);
  return {
    sha: commit.sha,
    node_id: nodeId("Commit", commit.sha),
    url: `${url}/git/commits/${commit.sha}`,
    html_url: `${htmlUrl(ctx, repo)}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.author,
    tree: { sha: commit.tree, url: `${url}/git/trees/${commit.tree}` },
    message: commit.message,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${url}/git/commits/${sha}`,
      html_url: `${htmlUrl(ctx, repo)}/commit/${sha}`,
    })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

/** `commit` (`/commits/{ref}`). */
export function commitObject(ctx: Pick<RouteContext, "baseUrl">, repo: RepoData, commit: CommitData): Json {
  const url = repoUrl(ctx, repo);
  const git = gitCommit(ctx, repo, commit);
  return {
    url: `${url}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: nodeId("Commit", commit.sha),
    html_url: `${htmlUrl(ctx, repo)}/commit/${commit.sha}`,
    comments_url: `${url}/commits/${commit.sha}/comments`,
    commit: {
      url: git.url,
      author: commit.author,
      committer: commit.author,
      message: commit.message,
      comment_count: 0,
      tree: git.tree,
      verification: git.verification,
    },
    author: simpleUser(ctx, commit.author.name),
    committer: simpleUser(ctx, commit.author.name),
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${url}/commits/${sha}`,
      html_url: `${htmlUrl(ctx, repo)}/commit/${sha}`,
    })),
    files: [],
    stats: { additions: 0, deletions: 0, total: 0 },
  };
}

export function asset(
  ctx: Pick<RouteContext, "baseUrl">,
  repo: RepoData,
  release: ReleaseData,
  data: AssetData,
): Json {
  return {
    url: `${repoUrl(ctx, repo)}/releases/assets/${data.id}`,
    browser_download_url: `${htmlUrl(ctx, repo)}/releases/download/${encodeURIComponent(release.tag_name)}/${encodeURIComponent(data.name)}`,
    id: data.id,
    node_id: nodeId("ReleaseAsset", data.id),
    name: data.name,
    label: data.label,
    state: data.state,
    content_type: data.content_type,
    size: data.size,
    digest: data.digest,
    download_count: data.download_count,
    created_at: data.created_at,
    updated_at: data.updated_at,
    uploader: simpleUser(ctx, data.uploader),
  };
}

export function release(
  ctx: Pick<RouteContext, "baseUrl" | "uploadsUrl">,
  repo: RepoData,
  data: ReleaseData,
): Json {
  const url = `${repoUrl(ctx, repo)}/releases/${data.id}`;
  const tagPath = data.draft ? `untagged-${data.id}` : encodeURIComponent(data.tag_name);
  return {
    url,
    html_url: `${htmlUrl(ctx, repo)}/releases/tag/${tagPath}`,
    assets_url: `${url}/assets`,
    upload_url: `${ctx.uploadsUrl}/repos/${repo.owner}/${repo.name}/releases/${data.id}/assets{?name,label}`,
    tarball_url: data.draft ? null : `${repoUrl(ctx, repo)}/tarball/${encodeURIComponent(data.tag_name)}`,
    zipball_url: data.draft ? null : `${repoUrl(ctx, repo)}/zipball/${encodeURIComponent(data.tag_name)}`,
    id: data.id,
    node_id: nodeId("Release", data.id),
    tag_name: data.tag_name,
    target_commitish: data.target_commitish,
    name: data.name,
    body: data.body,
    draft: data.draft,
    prerelease: data.prerelease,
    immutable: data.immutable === true,
    created_at: data.created_at,
    published_at: data.published_at,
    author: simpleUser(ctx, data.author),
    assets: repo.assets.filter((a) => a.releaseId === data.id).map((a) => asset(ctx, repo, data, a)),
  };
}

export function label(ctx: Pick<RouteContext, "baseUrl">, repo: RepoData, data: LabelData): Json {
  return {
    id: data.id,
    node_id: nodeId("Label", data.id),
    url: `${repoUrl(ctx, repo)}/labels/${encodeURIComponent(data.name)}`,
    name: data.name,
    description: data.description,
    color: data.color,
    default: false,
  };
}

export function findOrCreateLabel(ctx: Pick<RouteContext, "store">, repo: RepoData, name: string): LabelData {
  const existing = repo.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (existing) return existing;
  const created: LabelData = { id: ctx.store.nextId(), name, color: "ededed", description: null };
  repo.labels.push(created);
  return created;
}

export function issue(ctx: Pick<RouteContext, "baseUrl" | "store">, repo: RepoData, data: IssueData): Json {
  const url = `${repoUrl(ctx, repo)}/issues/${data.number}`;
  const comments = repo.comments.filter((c) => c.issueNumber === data.number).length;
  const json: Json = {
    id: data.id,
    node_id: nodeId("Issue", data.id),
    url,
    repository_url: repoUrl(ctx, repo),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${htmlUrl(ctx, repo)}/${data.pull ? "pull" : "issues"}/${data.number}`,
    number: data.number,
    state: data.state,
    state_reason: null,
    title: data.title,
    body: data.body,
    user: simpleUser(ctx, data.user),
    labels: data.labels.map((name) => label(ctx, repo, findOrCreateLabel(ctx, repo, name))),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments,
    closed_at: data.closed_at,
    created_at: data.created_at,
    updated_at: data.updated_at,
    author_association: "CONTRIBUTOR",
  };
  if (data.pull) {
    json.pull_request = {
      url: `${repoUrl(ctx, repo)}/pulls/${data.number}`,
      html_url: `${htmlUrl(ctx, repo)}/pull/${data.number}`,
      diff_url: `${htmlUrl(ctx, repo)}/pull/${data.number}.diff`,
      patch_url: `${htmlUrl(ctx, repo)}/pull/${data.number}.patch`,
      merged_at: data.pull.mergedAt ?? null,
    };
  }
  return json;
}

/** `pull-request` (full when `full`), else `pull-request-simple`. */
export function pullRequest(
  ctx: Pick<RouteContext, "baseUrl" | "store">,
  repo: RepoData,
  data: IssueData,
  full: boolean,
): Json {
  const pull = data.pull;
  if (!pull) throw new Error("not a pull request");
  const url = `${repoUrl(ctx, repo)}/pulls/${data.number}`;
  const html = `${htmlUrl(ctx, repo)}/pull/${data.number}`;
  // A cross-repository PR's head is in the fork: its label, user and repo are the fork's.
  const headRepo = (pull.headRepo && ctx.store.findRepo(pull.headRepo)) || repo;
  const branch = (ref: string, sha: string, at: RepoData) => ({
    label: `${at.owner}:${ref}`,
    ref,
    sha,
    user: simpleUser(ctx, at.owner),
    repo: repository(ctx, at),
  });
  const json: Json = {
    url,
    id: data.id,
    node_id: nodeId("PullRequest", data.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${repoUrl(ctx, repo)}/issues/${data.number}`,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoUrl(ctx, repo)}/pulls/comments{/number}`,
    comments_url: `${repoUrl(ctx, repo)}/issues/${data.number}/comments`,
    statuses_url: `${repoUrl(ctx, repo)}/statuses/${pull.headSha}`,
    number: data.number,
    state: data.state,
    locked: false,
    title: data.title,
    user: simpleUser(ctx, data.user),
    body: data.body,
    labels: data.labels.map((name) => label(ctx, repo, findOrCreateLabel(ctx, repo, name))),
    milestone: null,
    active_lock_reason: null,
    created_at: data.created_at,
    updated_at: data.updated_at,
    closed_at: data.closed_at,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: pull.mergeCommitSha ?? null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branch(pull.head, pull.headSha, headRepo),
    base: branch(pull.base, pull.baseSha, repo),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: `${repoUrl(ctx, repo)}/issues/${data.number}` },
      comments: { href: `${repoUrl(ctx, repo)}/issues/${data.number}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${repoUrl(ctx, repo)}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${repoUrl(ctx, repo)}/statuses/${pull.headSha}` },
    },
    author_association: "CONTRIBUTOR",
    auto_merge: null,
    draft: pull.draft,
  };
  if (full) {
    Object.assign(json, {
      merged: pull.merged,
      mergeable: pull.merged ? null : true,
      rebaseable: pull.merged ? null : true,
      mergeable_state: pull.merged ? "unknown" : "clean",
      merged_by: pull.mergedBy ? simpleUser(ctx, pull.mergedBy) : null,
      comments: repo.comments.filter((c) => c.issueNumber === data.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: 0,
      deletions: 0,
      changed_files: 0,
    });
  }
  return json;
}
