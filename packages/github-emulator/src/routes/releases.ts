/** Releases and release assets (uploads on the `/uploads` prefix, downloads streamed from blob files). */
import type { RouteContext } from "../http/context.js";
import { ApiError, notFound, validationFailed } from "../http/errors.js";
import { checkTextLength, MAX_RELEASE_BODY } from "../http/limits.js";
import { paginate } from "../http/paginate.js";
import { created, json, noContent, redirect } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { AssetData, ReleaseData, RepoData } from "../state/model.js";
import { resolveCommit } from "./git.js";
import { asset, release } from "./render.js";

const WRITE = { scope: "contents", level: "write" } as const;
/** 2 GiB: every release asset must be smaller (docs "About releases"). */
export const MAX_ASSET_BYTES = 2 * 1024 ** 3;
const READ = { scope: "contents", level: "read" } as const;
const ADMIN_WRITE = { scope: "administration", level: "write" } as const;
const ADMIN_READ = { scope: "administration", level: "read" } as const;

/**
 * Immutable releases (docs "Immutable releases",
 * https://docs.github.com/en/code-security/concepts/supply-chain-security/immutable-releases): once a
 * release is published with immutability enabled, "release assets cannot be modified or deleted" and its
 * tag "cannot be moved or deleted"; only the title and notes stay editable. Uploading to such a release is
 * answered 422 "Cannot upload assets to an immutable release" (seen from the API in
 * rubyists/linear-cli-ex#18 and openedx/sample-plugin#57); the message for deleting or editing an asset
 * is not documented, so the emulator answers 422 with a message of the same form.
 */
function refuseIfImmutable(owner: ReleaseData, what: "upload" | "modify"): void {
  if (!owner.immutable) return;
  throw new ApiError(
    422,
    what === "upload"
      ? "Cannot upload assets to an immutable release"
      : "Cannot modify assets of an immutable release",
  );
}

/**
 * GitHub's silent asset rename: characters outside `[A-Za-z0-9._+-@]` become `.`, runs of dots collapse,
 * and leading/trailing dots are dropped (`"my model (v2).bin"` → `"my.model.v2.bin"`).
 */
export function normalizeAssetName(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._+\-@]/g, ".")
    .replace(/\.{2,}/g, ".")
    .replace(/^\.+|\.+$/g, "");
}

interface ReleaseBody {
  tag_name?: unknown;
  target_commitish?: unknown;
  name?: unknown;
  body?: unknown;
  draft?: unknown;
  prerelease?: unknown;
  make_latest?: unknown;
}

function findRelease(repo: RepoData, id: string | undefined): ReleaseData {
  const found = repo.releases.find((r) => String(r.id) === id);
  if (!found) throw notFound();
  return found;
}

function findAsset(repo: RepoData, id: string | undefined): { data: AssetData; owner: ReleaseData } {
  const data = repo.assets.find((a) => String(a.id) === id);
  const owner = data ? repo.releases.find((r) => r.id === data.releaseId) : undefined;
  if (!data || !owner) throw notFound();
  return { data, owner };
}

/** On publish: 422 when another published release has the tag; creates the tag from the target if missing. */
function publish(ctx: RouteContext, repo: RepoData, data: ReleaseData): void {
  const clash = repo.releases.find((r) => r.id !== data.id && !r.draft && r.tag_name === data.tag_name);
  if (clash) throw validationFailed({ resource: "Release", code: "already_exists", field: "tag_name" });
  const tagRef = `refs/tags/${data.tag_name}`;
  if (!repo.refs[tagRef]) {
    const target = resolveCommit(repo, data.target_commitish);
    if (!target) throw validationFailed({ resource: "Release", code: "invalid", field: "target_commitish" });
    repo.refs[tagRef] = target.sha;
  }
  data.draft = false;
  data.published_at = ctx.store.now();
  if (repo.immutableReleases) data.immutable = true;
}

function applyFields(data: ReleaseData, body: ReleaseBody): void {
  // Before any change: 125,000 characters, GitHub's shape (see MAX_RELEASE_BODY), on create and update.
  checkTextLength(body.body, MAX_RELEASE_BODY, {
    resource: "Release",
    code: "custom",
    field: "body",
    message: `body is too long (maximum is ${MAX_RELEASE_BODY} characters)`,
  });
  if (typeof body.tag_name === "string") data.tag_name = body.tag_name;
  if (typeof body.target_commitish === "string") data.target_commitish = body.target_commitish;
  if (typeof body.name === "string" || body.name === null) data.name = body.name;
  if (typeof body.body === "string" || body.body === null) data.body = body.body;
  if (typeof body.prerelease === "boolean") data.prerelease = body.prerelease;
  if (typeof body.make_latest === "string") {
    if (!["true", "false", "legacy"].includes(body.make_latest))
      throw validationFailed({ resource: "Release", code: "invalid", field: "make_latest" });
    data.make_latest = body.make_latest;
  }
}

function newestFirst(a: ReleaseData, b: ReleaseData): number {
  return b.id - a.id;
}

export function registerReleaseRoutes(router: Router): void {
  // Enable / check / disable immutable releases (OpenAPI `/repos/{owner}/{repo}/immutable-releases`:
  // PUT 204, GET 200 `{enabled, enforced_by_owner}` or 404 when disabled, DELETE 204; admin access).
  router.put(
    "/repos/{owner}/{repo}/immutable-releases",
    (ctx) => {
      ctx.repo().immutableReleases = true;
      return noContent();
    },
    { permission: ADMIN_WRITE },
  );
  router.get(
    "/repos/{owner}/{repo}/immutable-releases",
    (ctx) => {
      if (!ctx.repo().immutableReleases) throw notFound();
      return json({ enabled: true, enforced_by_owner: false });
    },
    { permission: ADMIN_READ },
  );
  router.delete(
    "/repos/{owner}/{repo}/immutable-releases",
    (ctx) => {
      ctx.repo().immutableReleases = false;
      return noContent();
    },
    { permission: ADMIN_WRITE },
  );

  router.post(
    "/repos/{owner}/{repo}/releases",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<ReleaseBody>();
      if (typeof body.tag_name !== "string" || body.tag_name === "")
        throw validationFailed({ resource: "Release", code: "missing_field", field: "tag_name" });
      const data: ReleaseData = {
        id: ctx.store.nextId(),
        tag_name: body.tag_name,
        target_commitish: repo.default_branch,
        name: null,
        body: null,
        draft: true,
        prerelease: false,
        make_latest: "true",
        created_at: ctx.store.now(),
        published_at: null,
        author: ctx.caller.login,
      };
      applyFields(data, body);
      if (body.draft !== true) publish(ctx, repo, data);
      repo.releases.push(data);
      const rendered = release(ctx, repo, data);
      return created(rendered, { location: String(rendered.url) });
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/releases",
    (ctx) => {
      const repo = ctx.repo();
      // "Information about published releases are available to everyone. Only users with push access will
      // receive listings for draft releases." (`@octokit/openapi` `GET /repos/{owner}/{repo}/releases`)
      const push = ctx.caller.permissions.contents === "write";
      const page = paginate(ctx, repo.releases.filter((r) => push || !r.draft).sort(newestFirst));
      return json(
        page.items.map((r) => release(ctx, repo, r)),
        200,
        page.headers,
      );
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/releases/latest",
    (ctx) => {
      const repo = ctx.repo();
      const candidates = repo.releases
        .filter((r) => !r.draft && !r.prerelease && r.make_latest !== "false")
        .sort(newestFirst);
      const latest = candidates[0];
      if (!latest) throw notFound();
      return json(release(ctx, repo, latest));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/releases/tags/{tag}",
    (ctx) => {
      const repo = ctx.repo();
      const found = repo.releases
        .filter((r) => !r.draft && r.tag_name === ctx.params.tag)
        .sort(newestFirst)[0];
      if (!found) throw notFound();
      return json(release(ctx, repo, found));
    },
    { permission: READ },
  );

  router.get(
    "/repos/{owner}/{repo}/releases/assets/{asset_id}",
    (ctx) => {
      const repo = ctx.repo();
      const { data, owner } = findAsset(repo, ctx.params.asset_id);
      if ((ctx.req.headers.accept ?? "").includes("application/octet-stream")) {
        return redirect(`${ctx.baseUrl}/_emulator/downloads/${repo.owner}/${repo.name}/assets/${data.id}`);
      }
      return json(asset(ctx, repo, owner, data));
    },
    { permission: READ },
  );

  router.patch(
    "/repos/{owner}/{repo}/releases/assets/{asset_id}",
    async (ctx) => {
      const repo = ctx.repo();
      const { data, owner } = findAsset(repo, ctx.params.asset_id);
      refuseIfImmutable(owner, "modify");
      const body = await ctx.body<{ name?: unknown; label?: unknown; state?: unknown }>();
      if (typeof body.name === "string") data.name = normalizeAssetName(body.name);
      if (typeof body.label === "string") data.label = body.label;
      if (body.state === "uploaded" || body.state === "open") data.state = body.state;
      data.updated_at = ctx.store.now();
      return json(asset(ctx, repo, owner, data));
    },
    { permission: WRITE },
  );

  router.delete(
    "/repos/{owner}/{repo}/releases/assets/{asset_id}",
    (ctx) => {
      const repo = ctx.repo();
      const { data, owner } = findAsset(repo, ctx.params.asset_id);
      refuseIfImmutable(owner, "modify");
      repo.assets = repo.assets.filter((a) => a !== data);
      ctx.store.deleteBlob(data.blob);
      return noContent();
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/releases/{release_id}",
    (ctx) => {
      const repo = ctx.repo();
      return json(release(ctx, repo, findRelease(repo, ctx.params.release_id)));
    },
    { permission: READ },
  );

  router.patch(
    "/repos/{owner}/{repo}/releases/{release_id}",
    async (ctx) => {
      const repo = ctx.repo();
      const data = findRelease(repo, ctx.params.release_id);
      const body = await ctx.body<ReleaseBody>();
      const before = { ...data };
      applyFields(data, body);
      try {
        if (body.draft === false && data.draft) publish(ctx, repo, data);
        else if (body.draft === true && !data.draft) data.draft = true;
      } catch (error) {
        Object.assign(data, before);
        throw error;
      }
      return json(release(ctx, repo, data));
    },
    { permission: WRITE },
  );

  router.delete(
    "/repos/{owner}/{repo}/releases/{release_id}",
    (ctx) => {
      const repo = ctx.repo();
      const data = findRelease(repo, ctx.params.release_id);
      for (const a of repo.assets.filter((x) => x.releaseId === data.id)) ctx.store.deleteBlob(a.blob);
      repo.assets = repo.assets.filter((a) => a.releaseId !== data.id);
      repo.releases = repo.releases.filter((r) => r !== data);
      return noContent();
    },
    { permission: WRITE },
  );

  router.get(
    "/repos/{owner}/{repo}/releases/{release_id}/assets",
    (ctx) => {
      const repo = ctx.repo();
      const data = findRelease(repo, ctx.params.release_id);
      const page = paginate(
        ctx,
        repo.assets.filter((a) => a.releaseId === data.id),
      );
      return json(
        page.items.map((a) => asset(ctx, repo, data, a)),
        200,
        page.headers,
      );
    },
    { permission: READ },
  );

  router.post("/uploads/repos/{owner}/{repo}/releases/{release_id}/assets", uploadAsset, {
    permission: WRITE,
  });

  router.get(
    "/_emulator/downloads/{owner}/{repo}/assets/{asset_id}",
    (ctx) => {
      const repo = ctx.repo();
      const { data } = findAsset(repo, ctx.params.asset_id);
      return download(ctx, data);
    },
    { permission: null, openapiPath: false, mutates: true },
  );

  router.get(
    "/{owner}/{repo}/releases/download/{tag+}/{name}",
    (ctx) => {
      const repo = ctx.repo();
      const owner = repo.releases
        .filter((r) => !r.draft && r.tag_name === ctx.params.tag)
        .sort(newestFirst)[0];
      const data = owner
        ? repo.assets.find((a) => a.releaseId === owner.id && a.name === ctx.params.name)
        : undefined;
      if (!data) throw notFound();
      return download(ctx, data);
    },
    { permission: null, openapiPath: false, mutates: true },
  );
}

/**
 * A single `Range: bytes=A-B` / `bytes=A-` / `bytes=-N` header, resolved against `size` (inclusive
 * positions); `"unsatisfiable"` when it starts past the end; undefined when absent, malformed or a
 * multi-range (RFC 9110 §14.2: a server may ignore a Range it does not support and answer 200 whole).
 */
export function parseByteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec((header ?? "").trim());
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

/**
 * An asset's bytes, as the storage behind GitHub's download redirect serves them: the 302 from
 * `GET /releases/assets/{id}` (Accept: application/octet-stream) leads to Azure Blob storage
 * (`server: Windows-Azure-Blob/1.0`, `accept-ranges: bytes` in the recorded exchange of
 * gm3dmo/the-power#393), which honours one byte range: 206 with `Content-Range`, 416 with
 * `Content-Range` naming the size past the end ("Specifying the range header for Blob service
 * operations", https://learn.microsoft.com/en-us/rest/api/storageservices/specifying-the-range-header-for-blob-service-operations;
 * RFC 9110 §14). Streamed from the blob file on disk, never held in memory.
 */
function download(ctx: RouteContext, data: AssetData) {
  data.download_count += 1;
  const base = {
    "content-type": "application/octet-stream",
    "content-disposition": `attachment; filename=${data.name}`,
    "accept-ranges": "bytes",
  };
  const range = parseByteRange(ctx.req.headers.range, data.size);
  if (range === "unsatisfiable")
    return {
      status: 416,
      headers: { ...base, "content-range": `bytes */${data.size}`, "content-length": "0" },
    };
  if (range)
    return {
      status: 206,
      headers: {
        ...base,
        "content-range": `bytes ${range.start}-${range.end}/${data.size}`,
        "content-length": String(range.end - range.start + 1),
      },
      stream: ctx.store.readBlob(data.blob, range),
    };
  return {
    status: 200,
    headers: { ...base, "content-length": String(data.size) },
    stream: ctx.store.readBlob(data.blob),
  };
}

async function uploadAsset(ctx: RouteContext) {
  const repo = ctx.repo();
  const owner = findRelease(repo, ctx.params.release_id);
  refuseIfImmutable(owner, "upload");
  const rawName = ctx.query.get("name");
  if (!rawName) throw validationFailed({ resource: "ReleaseAsset", code: "missing_field", field: "name" });
  const contentType = ctx.req.headers["content-type"];
  if (!contentType)
    throw validationFailed({ resource: "ReleaseAsset", code: "missing_field", field: "content_type" });
  const lengthHeader = ctx.req.headers["content-length"];
  if (lengthHeader === undefined) throw new ApiError(411, "Length Required");
  const declared = Number(lengthHeader);
  if (declared < 1) {
    throw validationFailed({
      resource: "ReleaseAsset",
      code: "custom",
      field: "size",
      message: "size must be greater than or equal to 1",
    });
  }
  // "Each file included in a release must be under 2 GiB" (docs "About releases",
  // https://docs.github.com/en/repositories/releasing-projects-on-github/about-releases); refused from the
  // declared length, before a byte is stored. GitHub's exact answer is not documented (an exactly-2 GiB
  // upload failed with an opaque 500, community discussion #61733): the emulator answers 422.
  if (declared >= MAX_ASSET_BYTES) {
    throw validationFailed({
      resource: "ReleaseAsset",
      code: "custom",
      field: "size",
      message: `size must be less than ${MAX_ASSET_BYTES} bytes (2 GiB)`,
    });
  }
  const name = normalizeAssetName(rawName);
  if (repo.assets.some((a) => a.releaseId === owner.id && a.name === name)) {
    throw validationFailed({ resource: "ReleaseAsset", code: "already_exists", field: "name" });
  }
  if (ctx.fault?.starterAsset) {
    leaveStarterAsset(ctx, repo, owner, name, contentType);
    throw new ApiError(ctx.fault.status ?? 502, "Server Error");
  }
  if (repo.assets.filter((a) => a.releaseId === owner.id).length >= 1000)
    throw new ApiError(422, "file_count limited to 1000 assets per release");
  const stored = await ctx.store.writeBlob(ctx.req);
  if (stored.size !== declared) {
    ctx.store.deleteBlob(stored.blob);
    throw new ApiError(400, "Bad Content-Length");
  }
  // A concurrent upload of the same name may have finished while this one streamed.
  if (repo.assets.some((a) => a.releaseId === owner.id && a.name === name)) {
    ctx.store.deleteBlob(stored.blob);
    throw validationFailed({ resource: "ReleaseAsset", code: "already_exists", field: "name" });
  }
  const now = ctx.store.now();
  const data: AssetData = {
    id: ctx.store.nextId(),
    releaseId: owner.id,
    name,
    label: ctx.query.get("label") ?? "",
    content_type: contentType,
    size: stored.size,
    digest: `sha256:${stored.sha256}`,
    state: "uploaded",
    download_count: 0,
    created_at: now,
    updated_at: now,
    uploader: ctx.caller.login,
    blob: stored.blob,
  };
  repo.assets.push(data);
  return created(asset(ctx, repo, owner, data));
}

/** What a failed upload leaves behind on GitHub: an empty asset in state `starter` (safe to delete). */
function leaveStarterAsset(
  ctx: RouteContext,
  repo: RepoData,
  owner: ReleaseData,
  name: string,
  contentType: string,
): void {
  const now = ctx.store.now();
  repo.assets.push({
    id: ctx.store.nextId(),
    releaseId: owner.id,
    name,
    label: ctx.query.get("label") ?? "",
    content_type: contentType,
    size: 0,
    digest: null,
    state: "starter",
    download_count: 0,
    created_at: now,
    updated_at: now,
    uploader: ctx.caller.login,
    blob: "",
  });
}
