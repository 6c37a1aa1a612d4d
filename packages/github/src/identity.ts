/** The login `GITHUB_TOKEN` writes as. */
export const GITHUB_ACTIONS_BOT = "github-actions[bot]";

/** The author fields of a comment or issue that identity matching looks at. */
export interface Author {
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { slug?: string } | null;
}

/**
 * The login the token is assumed to write as, with no request: the given `identity` (`<app-slug>[bot]`
 * for a GitHub App installation token, a user's login for a personal token), else `github-actions[bot]`
 * (`GITHUB_TOKEN`). `GET /user` is not asked: it answers 403 "Resource not accessible by integration" to
 * every installation token (actions/create-github-app-token#258). A wrong assumption is corrected by the
 * login GitHub reports on the token's own first write (see `upsertStickyComment`).
 */
export function assumedIdentity(identity?: string): string {
  return identity?.trim() || GITHUB_ACTIONS_BOT;
}

/** True when two logins name the same account (GitHub logins are case-insensitive). */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * True when `item` was written by `identity`: same login, or, for a `<slug>[bot]` identity, a Bot
 * account acting through the GitHub App with that slug.
 */
export function isAuthoredBy(item: Author, identity: string): boolean {
  const login = item.user?.login;
  if (login && sameLogin(login, identity)) return true;
  const botSlug = /^(.+)\[bot\]$/i.exec(identity)?.[1];
  return (
    botSlug !== undefined &&
    item.user?.type === "Bot" &&
    item.performed_via_github_app?.slug?.toLowerCase() === botSlug.toLowerCase()
  );
}
