/** Tokens and permissions: who is calling, and may they? */

import { randomBytes } from "node:crypto";
import type { Caller } from "./http/context.js";
import { ApiError } from "./http/errors.js";
import type { RoutePermission } from "./http/router.js";
import type { Store } from "./state/store.js";

export type PermissionLevel = "read" | "write";
/** scope → level (e.g. `{ contents: "write", issues: "read" }`). */
export type Permissions = Partial<Record<string, PermissionLevel>>;

export interface TokenSpec {
  login?: string;
  permissions?: Permissions;
}

export const ALL_SCOPES = [
  "contents",
  "issues",
  "pull_requests",
  "checks",
  "statuses",
  "deployments",
  "actions",
  "administration",
  "attestations",
  "metadata",
] as const;
export const DEFAULT_LOGIN = "github-actions[bot]";

/**
 * True for the login of an installation token (`github-actions[bot]` for `GITHUB_TOKEN` and the runner's
 * per-job tokens, `<slug>[bot]` for a GitHub App): GitHub's bot accounts end in `[bot]`. Other logins are
 * users (personal tokens).
 */
export function isInstallationLogin(login: string): boolean {
  return /\[bot\]$/.test(login);
}

export function allPermissions(): Permissions {
  return Object.fromEntries(ALL_SCOPES.map((scope) => [scope, "write"]));
}

export interface AuthOptions {
  /** Configured tokens. When given, other tokens (not minted) are rejected with 401. */
  tokens?: Record<string, TokenSpec>;
  /** Permissions for tokens without explicit ones (default: every scope `write`). */
  defaultPermissions?: Permissions;
}

/** Resolves the caller from the `Authorization` header. Throws 401 for unknown tokens in strict mode. */
export function identify(authorization: string | undefined, store: Store, options: AuthOptions): Caller {
  const token = authorization?.replace(/^(token|bearer)\s+/i, "").trim() || undefined;
  const defaults = options.defaultPermissions ?? allPermissions();
  if (token) {
    const minted = store.data.tokens[token];
    if (minted) return { login: minted.login, permissions: minted.permissions, token };
    const configured = options.tokens?.[token];
    if (configured) {
      return {
        login: configured.login ?? DEFAULT_LOGIN,
        permissions: asRecord(configured.permissions ?? defaults),
        token,
      };
    }
    if (options.tokens) throw new ApiError(401, "Bad credentials");
  }
  return { login: DEFAULT_LOGIN, permissions: asRecord(defaults), token };
}

/** Mints a token with exactly these permissions (stored in the state, so it survives restarts). */
export function mintToken(store: Store, permissions: Permissions, login = DEFAULT_LOGIN): string {
  const token = `ghs_emu${randomBytes(16).toString("hex")}`;
  store.data.tokens[token] = { login, permissions: asRecord(permissions) };
  return token;
}

/**
 * 403 "Resource not accessible by integration" unless the caller holds one of the accepted permissions.
 * The `x-accepted-github-permissions` header lists the alternatives as GitHub does: `contents=write`, or
 * `issues=write; pull_requests=write`.
 */
export function authorize(caller: Caller, accepted: RoutePermission | RoutePermission[]): void {
  const alternatives = Array.isArray(accepted) ? accepted : [accepted];
  if (alternatives.some((needed) => holds(caller, needed))) return;
  throw new ApiError(403, "Resource not accessible by integration", {
    headers: { "x-accepted-github-permissions": alternatives.map((p) => `${p.scope}=${p.level}`).join("; ") },
  });
}

function holds(caller: Caller, needed: RoutePermission): boolean {
  if (needed.scope === "metadata" && needed.level === "read") return true; // every token has metadata:read
  const held = caller.permissions[needed.scope];
  return needed.level === "read" ? held === "read" || held === "write" : held === "write";
}

function asRecord(permissions: Permissions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [scope, level] of Object.entries(permissions)) if (level) out[scope] = level;
  return out;
}
