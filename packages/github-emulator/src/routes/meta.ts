/** Repository, user, rate limit, repository_dispatch and the emulator-only control routes. */
import { isInstallationLogin, mintToken, type Permissions } from "../auth.js";
import { ApiError, validationFailed } from "../http/errors.js";
import { created, json, noContent } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { RateLimiter } from "../rate-limit.js";
import type { RequestLogEntry } from "../server.js";
import { repository, simpleUser } from "./render.js";

export interface MetaHooks {
  log: RequestLogEntry[];
  rateLimiter: RateLimiter;
}

export function registerMetaRoutes(router: Router, hooks: MetaHooks): void {
  router.get("/repos/{owner}/{repo}", (ctx) => json(repository(ctx, ctx.repo())));

  // "Update a repository" (https://docs.github.com/en/rest/repos/repos#update-a-repository; OpenAPI
  // `PATCH /repos/{owner}/{repo}`, fine-grained permission "Administration" write): `private: true|false`
  // or `visibility: public|private|internal` change what `GET /repos` answers (`private`, `visibility`)
  // and what a job's OIDC token says (`repository_visibility`). The emulator models only these two fields
  // and refuses the others with 422 rather than ignoring them.
  router.patch(
    "/repos/{owner}/{repo}",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<Record<string, unknown>>();
      const unsupported = Object.keys(body).filter((key) => key !== "private" && key !== "visibility");
      if (unsupported.length > 0)
        throw validationFailed(
          ...unsupported.map((field) => ({
            resource: "Repository",
            field,
            code: "invalid",
            message: `the emulator only updates private and visibility, not ${field}`,
          })),
        );
      const { private: isPrivate, visibility } = body;
      if (isPrivate !== undefined && typeof isPrivate !== "boolean")
        throw validationFailed({ resource: "Repository", field: "private", code: "invalid" });
      if (visibility !== undefined && !["public", "private", "internal"].includes(String(visibility)))
        throw validationFailed({ resource: "Repository", field: "visibility", code: "invalid" });
      if (typeof visibility === "string") repo.visibility = visibility as NonNullable<typeof repo.visibility>;
      else if (typeof isPrivate === "boolean") repo.visibility = isPrivate ? "private" : "public";
      return json(repository(ctx, repo));
    },
    { permission: { scope: "administration", level: "write" } },
  );

  router.get("/user", (ctx) => {
    // Only a user's token (PAT, OAuth, user-to-server) has a "user". Without a token GitHub answers 401
    // (OpenAPI `GET /user` lists 401), and an installation token — `GITHUB_TOKEN`, the per-job tokens the
    // runner mints, a GitHub App's `<slug>[bot]` token — gets 403 "Resource not accessible by
    // integration" (OpenAPI lists 403; seen live in actions/create-github-app-token#258 and
    // zerocracy/judges-action#637). The emulator tells them apart by login: bots are installations.
    if (!ctx.caller.token) throw new ApiError(401, "Requires authentication");
    if (isInstallationLogin(ctx.caller.login))
      throw new ApiError(403, "Resource not accessible by integration");
    const user = simpleUser(ctx, ctx.caller.login);
    return json({
      ...user,
      name: ctx.caller.login,
      company: null,
      blog: "",
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    });
  });

  router.get(
    "/rate_limit",
    () => {
      const core = hooks.rateLimiter.snapshot();
      return json({
        resources: { core, search: { limit: 30, remaining: 30, used: 0, reset: core.reset } },
        rate: core,
      });
    },
    { permission: null },
  );

  router.post(
    "/repos/{owner}/{repo}/dispatches",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ event_type?: unknown; client_payload?: unknown }>();
      if (typeof body.event_type !== "string" || body.event_type === "" || body.event_type.length > 100) {
        throw validationFailed({ resource: "Repository", code: "invalid", field: "event_type" });
      }
      const payload = body.client_payload ?? {};
      if (typeof payload !== "object" || Object.keys(payload as object).length > 10) {
        throw validationFailed({
          resource: "Repository",
          code: "invalid",
          field: "client_payload",
          message: "client_payload can have at most 10 top-level properties",
        });
      }
      repo.dispatches.push({
        event_type: body.event_type,
        client_payload: payload,
        received_at: ctx.store.now(),
        sender: ctx.caller.login,
      });
      return noContent();
    },
    { permission: { scope: "contents", level: "write" } },
  );

  // Emulator-only.
  router.get("/_emulator/repos/{owner}/{repo}/dispatches", (ctx) => json(ctx.repo().dispatches), {
    permission: null,
    openapiPath: false,
  });

  router.post(
    "/_emulator/tokens",
    async (ctx) => {
      const body = await ctx.body<{ permissions?: Permissions; login?: string }>();
      return created({ token: mintToken(ctx.store, body.permissions ?? {}, body.login) });
    },
    { permission: null, openapiPath: false },
  );

  router.get("/_emulator/requests", () => json(hooks.log), { permission: null, openapiPath: false });

  router.delete(
    "/_emulator/requests",
    () => {
      hooks.log.length = 0;
      return noContent();
    },
    { permission: null, openapiPath: false, mutates: false },
  );
}
