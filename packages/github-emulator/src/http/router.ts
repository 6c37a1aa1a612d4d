/**
 * A tiny router over GitHub-style path templates. `{name}` matches one path segment (percent-decoded, so
 * `tags%2Ffraud%2Fv3` becomes `tags/fraud/v3`); `{name+}` matches the rest of the path, slashes included
 * (for refs such as `/git/refs/{ref+}`).
 */
import type { RouteContext } from "./context.js";
import type { Reply } from "./reply.js";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** Token permission scopes the emulator knows (a subset of GitHub's). */
export type PermissionScope =
  | "contents"
  | "issues"
  | "pull_requests"
  | "checks"
  | "statuses"
  | "deployments"
  | "actions"
  | "administration"
  | "attestations"
  | "metadata";

/** What a route needs from the token; `null` means no token check at all (e.g. public downloads). */
export interface RoutePermission {
  scope: PermissionScope;
  level: "read" | "write";
}

export interface RouteDefinition {
  method: HttpMethod;
  /** Path template, e.g. `/repos/{owner}/{repo}/git/refs/{ref+}`. */
  template: string;
  /**
   * Permission the token must hold; an array means any one of them suffices (e.g. comments on a PR:
   * `issues=write` or `pull_requests=write`). `null` = anonymous route. Default: `metadata: read`.
   */
  permission?: RoutePermission | RoutePermission[] | null;
  /**
   * OpenAPI path used to validate responses (`/repos/{owner}/{repo}/git/refs/{ref}`). Default: the template
   * with `+` removed. `false` for emulator-only routes that are not part of GitHub's API.
   */
  openapiPath?: string | false;
  /** True when the route changes state (the store is persisted after it). Default: method !== GET. */
  mutates?: boolean;
  handler: (ctx: RouteContext) => Promise<Reply> | Reply;
}

interface CompiledRoute {
  definition: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

export interface RouteMatch {
  definition: RouteDefinition;
  params: Record<string, string>;
}

/** Ordered route table: the first registered match wins. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(definition: RouteDefinition): this {
    const names: string[] = [];
    const source = definition.template
      .replace(/[.*?^$()|[\]\\]/g, "\\$&")
      .replace(/\{(\w+)(\+?)\}/g, (_m, name: string, rest: string) => {
        names.push(name);
        return rest === "+" ? "(.+)" : "([^/]+)";
      });
    this.routes.push({ definition, pattern: new RegExp(`^${source}$`), names });
    return this;
  }

  /** Shorthands: `router.get(template, handler, options)`. */
  get(template: string, handler: RouteDefinition["handler"], options: Partial<RouteDefinition> = {}): this {
    return this.add({ ...options, method: "GET", template, handler });
  }
  post(template: string, handler: RouteDefinition["handler"], options: Partial<RouteDefinition> = {}): this {
    return this.add({ ...options, method: "POST", template, handler });
  }
  patch(template: string, handler: RouteDefinition["handler"], options: Partial<RouteDefinition> = {}): this {
    return this.add({ ...options, method: "PATCH", template, handler });
  }
  put(template: string, handler: RouteDefinition["handler"], options: Partial<RouteDefinition> = {}): this {
    return this.add({ ...options, method: "PUT", template, handler });
  }
  delete(
    template: string,
    handler: RouteDefinition["handler"],
    options: Partial<RouteDefinition> = {},
  ): this {
    return this.add({ ...options, method: "DELETE", template, handler });
  }

  /** Finds the route for a method + raw (still percent-encoded) pathname. */
  match(method: string, pathname: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.definition.method !== method) continue;
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = safeDecode(found[index + 1] ?? "");
      });
      return { definition: route.definition, params };
    }
    return undefined;
  }

  /** True when some route matches the path with another method (→ 404 as GitHub, but useful in logs). */
  hasPath(pathname: string): boolean {
    return this.routes.some((route) => route.pattern.test(pathname));
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
