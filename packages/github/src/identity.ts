import type { GitHubClient } from "./client.js";
import { httpStatus } from "./errors.js";

/** The login `GITHUB_TOKEN` writes as. */
export const GITHUB_ACTIONS_BOT = "github-actions[bot]";

/** The author fields of a comment or issue that identity matching looks at. */
export interface Author {
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { slug?: string } | null;
}

/**
 * The login the token writes as. An explicit `identity` wins (pass `<app-slug>[bot]` for a GitHub App
 * installation token). Otherwise `GET /user` answers for user tokens (PAT, OAuth); installation tokens,
 * `GITHUB_TOKEN` included, get 403/404 there on real GitHub, so we then assume `github-actions[bot]`.
 */
export async function resolveIdentity(client: GitHubClient, identity?: string): Promise<string> {
  if (identity) return identity;
  try {
    const { data } = await client.request("GET /user");
    return data.login;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 401 || status === 403 || status === 404) return GITHUB_ACTIONS_BOT;
    throw error;
  }
}

/**
 * True when `item` was written by `identity`: same login, or, for a `<slug>[bot]` identity, a Bot
 * account acting through the GitHub App with that slug.
 */
export function isAuthoredBy(item: Author, identity: string): boolean {
  const login = item.user?.login;
  if (login && login.toLowerCase() === identity.toLowerCase()) return true;
  const botSlug = /^(.+)\[bot\]$/i.exec(identity)?.[1];
  return (
    botSlug !== undefined &&
    item.user?.type === "Bot" &&
    item.performed_via_github_app?.slug?.toLowerCase() === botSlug.toLowerCase()
  );
}
