import type { Json } from "./expressions.js";

export type Access = "none" | "read" | "write";
export type Permissions = Record<string, Access>;

export const SCOPES = [
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
];

const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 };

function all(access: Access): Permissions {
  return Object.fromEntries(SCOPES.map((scope) => [scope, access]));
}

/** GitHub's default token permissions when a workflow sets none ("permissive" repository setting). */
export function defaultPermissions(): Permissions {
  return { ...all("write"), "id-token": "none" };
}

/** A `permissions:` value (evaluated) → a full scope map; undefined when not set. */
export function normalizePermissions(value: Json | undefined): Permissions | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "read-all") return all("read");
  if (value === "write-all") return all("write");
  if (typeof value === "object" && !Array.isArray(value)) {
    const out = all("none");
    for (const [scope, access] of Object.entries(value)) {
      if (access === "read" || access === "write" || access === "none") out[scope] = access;
    }
    return out;
  }
  return undefined;
}

/** Each scope at most what the cap allows (the caller of a reusable workflow caps its jobs). */
export function capPermissions(wanted: Permissions, cap: Permissions | undefined): Permissions {
  if (!cap) return wanted;
  const out: Permissions = {};
  for (const [scope, access] of Object.entries(wanted)) {
    const limit = cap[scope] ?? "none";
    out[scope] = RANK[access] <= RANK[limit] ? access : limit;
  }
  return out;
}

/** Only the scopes that grant something (what the emulator's jobs route takes). */
export function grantedScopes(permissions: Permissions): Record<string, Access> {
  return Object.fromEntries(Object.entries(permissions).filter(([, access]) => access !== "none"));
}
