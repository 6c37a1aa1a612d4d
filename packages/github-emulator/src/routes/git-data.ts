/**
 * Git database objects a client writes itself: blobs, trees and commits (`POST /git/blobs`, `/git/trees`,
 * `/git/commits`) and their reads. Sources (`@octokit/openapi`, generated/api.github.com.json):
 * - `POST /repos/{owner}/{repo}/git/blobs` (git/create-blob): body `content` + `encoding` (`utf-8` or
 *   `base64`), 201 `{ url, sha }`; `GET …/git/blobs/{file_sha}` (git/get-blob): `content` base64;
 * - `POST /repos/{owner}/{repo}/git/trees` (git/create-tree): `tree[]` of `{ path, mode, type, sha | content }`,
 *   `base_tree` to start from (its entries kept unless overwritten); 201 git-tree; `GET …/git/trees/{tree_sha}`
 *   (git/get-tree), `recursive` for the whole tree;
 * - `POST /repos/{owner}/{repo}/git/commits` (git/create-commit): `message`, `tree`, `parents` (empty or
 *   omitted: a root commit), 201 git-commit.
 * Docs: https://docs.github.com/rest/git/blobs, https://docs.github.com/rest/git/trees,
 * https://docs.github.com/rest/git/commits. Writing needs `contents: write` ("Contents" repository
 * permissions (write) on each operation's fine-grained token table). Blob SHAs are git's own
 * (`sha1("blob <size>\0" + bytes)`), so the same bytes give the same SHA as on GitHub.
 */
import { createHash } from "node:crypto";
import type { RouteContext } from "../http/context.js";
import { notFound, unprocessable, validationFailed } from "../http/errors.js";
import { created, json } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { RepoData } from "../state/model.js";
import { sha1 } from "../state/store.js";
import { gitCommit, nodeId, repoUrl } from "./render.js";

const WRITE = { scope: "contents", level: "write" } as const;
const READ = { scope: "contents", level: "read" } as const;

/** Blobs (base64) and trees (flat `path → blob sha`) the client wrote, kept in the repository's free space. */
interface GitObjects {
  blobs: Record<string, string>;
  trees: Record<string, Record<string, string>>;
}

function objects(repo: RepoData): GitObjects {
  const extra = repo.extra as { gitObjects?: GitObjects };
  extra.gitObjects ??= { blobs: {}, trees: {} };
  return extra.gitObjects;
}

function blobSha(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function storeBlob(repo: RepoData, bytes: Buffer): string {
  const sha = blobSha(bytes);
  objects(repo).blobs[sha] = bytes.toString("base64");
  return sha;
}

function storeTree(repo: RepoData, flat: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(flat).sort(([a], [b]) => (a < b ? -1 : 1)));
  const sha = sha1(`tree\0${JSON.stringify(sorted)}`);
  objects(repo).trees[sha] = sorted;
  return sha;
}

/** The flat file map of a tree SHA: one written here, or the tree of a commit made another way. */
function flatTree(repo: RepoData, sha: string): Record<string, string> | undefined {
  const stored = objects(repo).trees[sha];
  if (stored) return stored;
  const commit = Object.values(repo.commits).find((c) => c.tree === sha);
  if (!commit) return undefined;
  return Object.fromEntries(
    Object.entries(commit.files).map(([path, text]) => [path, storeBlob(repo, Buffer.from(text, "utf8"))]),
  );
}

/** Entries of a tree as GitHub lists them: files, and (recursive or not) the directories above them. */
function treeEntries(ctx: RouteContext, repo: RepoData, flat: Record<string, string>, recursive: boolean) {
  const base = repoUrl(ctx, repo);
  const entries: Record<string, unknown>[] = [];
  const dirs = new Map<string, Record<string, string>>();
  for (const [path, sha] of Object.entries(flat)) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const sub = dirs.get(dir) ?? {};
      sub[parts.slice(i).join("/")] = sha;
      dirs.set(dir, sub);
    }
    if (recursive || parts.length === 1) {
      const size = Buffer.from(objects(repo).blobs[sha] ?? "", "base64").length;
      entries.push({ path, mode: "100644", type: "blob", sha, size, url: `${base}/git/blobs/${sha}` });
    }
  }
  for (const [dir, sub] of dirs) {
    if (!recursive && dir.includes("/")) continue;
    const sha = storeTree(repo, sub);
    entries.push({ path: dir, mode: "040000", type: "tree", sha, url: `${base}/git/trees/${sha}` });
  }
  return entries.sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
}

export function registerGitDataRoutes(router: Router): void {
  router.post(
    "/repos/{owner}/{repo}/git/blobs",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ content?: unknown; encoding?: unknown }>();
      if (typeof body.content !== "string")
        throw validationFailed({ resource: "Blob", code: "missing_field", field: "content" });
      const encoding = body.encoding ?? "utf-8";
      if (encoding !== "utf-8" && encoding !== "utf8" && encoding !== "base64")
        throw validationFailed({ resource: "Blob", code: "invalid", field: "encoding" });
      const bytes = Buffer.from(body.content, encoding === "base64" ? "base64" : "utf8");
      const sha = storeBlob(repo, bytes);
      return created({ sha, url: `${repoUrl(ctx, repo)}/git/blobs/${sha}` });
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/git/blobs/{file_sha}",
    (ctx) => {
      const repo = ctx.repo();
      const sha = ctx.params.file_sha ?? "";
      const content = objects(repo).blobs[sha];
      if (content === undefined) throw notFound();
      return json({
        sha,
        node_id: nodeId("Blob", sha),
        size: Buffer.from(content, "base64").length,
        url: `${repoUrl(ctx, repo)}/git/blobs/${sha}`,
        content,
        encoding: "base64",
      });
    },
    { permission: READ },
  );

  router.post(
    "/repos/{owner}/{repo}/git/trees",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ tree?: unknown; base_tree?: unknown }>();
      if (!Array.isArray(body.tree))
        throw validationFailed({ resource: "Tree", code: "missing_field", field: "tree" });
      let flat: Record<string, string> = {};
      if (typeof body.base_tree === "string") {
        const base = flatTree(repo, body.base_tree);
        if (!base) throw unprocessable("base_tree is not a valid tree oid");
        flat = { ...base };
      }
      for (const raw of body.tree as Record<string, unknown>[]) {
        const path = raw?.path;
        if (typeof path !== "string" || path === "" || path.startsWith("/") || path.endsWith("/"))
          throw validationFailed({ resource: "Tree", code: "invalid", field: "tree.path" });
        if (raw.type !== "blob" || (raw.mode !== "100644" && raw.mode !== "100755"))
          throw unprocessable(`tree.type: only blobs are emulated (got ${String(raw.type)} for ${path})`);
        if (raw.sha === null) {
          delete flat[path];
          continue;
        }
        if (typeof raw.content === "string") flat[path] = storeBlob(repo, Buffer.from(raw.content, "utf8"));
        else if (typeof raw.sha === "string" && objects(repo).blobs[raw.sha] !== undefined)
          flat[path] = raw.sha;
        else throw unprocessable(`tree.sha ${String(raw.sha)} is not a valid blob`);
      }
      const sha = storeTree(repo, flat);
      return created({
        sha,
        url: `${repoUrl(ctx, repo)}/git/trees/${sha}`,
        tree: treeEntries(ctx, repo, flat, false),
        truncated: false,
      });
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/git/trees/{tree_sha}",
    (ctx) => {
      const repo = ctx.repo();
      const sha = ctx.params.tree_sha ?? "";
      const flat = flatTree(repo, sha);
      if (!flat) throw notFound();
      const recursive = ctx.query.has("recursive");
      return json({
        sha,
        url: `${repoUrl(ctx, repo)}/git/trees/${sha}`,
        tree: treeEntries(ctx, repo, flat, recursive),
        truncated: false,
      });
    },
    { permission: READ },
  );

  router.post(
    "/repos/{owner}/{repo}/git/commits",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ message?: unknown; tree?: unknown; parents?: unknown }>();
      if (typeof body.message !== "string")
        throw validationFailed({ resource: "Commit", code: "missing_field", field: "message" });
      if (typeof body.tree !== "string")
        throw validationFailed({ resource: "Commit", code: "missing_field", field: "tree" });
      const flat = flatTree(repo, body.tree);
      if (!flat) throw unprocessable("Tree SHA does not exist");
      const parents = body.parents === undefined ? [] : body.parents;
      if (!Array.isArray(parents) || parents.some((p) => typeof p !== "string" || !repo.commits[p]))
        throw unprocessable("Parent SHA does not exist or is not a commit object");
      // The commit's file snapshot (what the other routes read) holds the blobs' bytes as text.
      const files = Object.fromEntries(
        Object.entries(flat).map(([path, sha]) => [
          path,
          Buffer.from(objects(repo).blobs[sha] ?? "", "base64").toString("utf8"),
        ]),
      );
      const commit = ctx.store.makeCommit(repo, {
        message: body.message,
        parents: parents as string[],
        files,
      });
      commit.tree = body.tree;
      const rendered = gitCommit(ctx, repo, commit);
      return created(rendered, { location: String(rendered.url) });
    },
    { permission: WRITE },
  );
}
