/**
 * Conditional GET requests, as GitHub answers them.
 *
 * - Every JSON `200` to a GET carries an `ETag` (a strong validator, `"<64 hex>"`, as recorded in
 *   `@octokit/fixtures` `scenarios/api.github.com/<scenario>/raw-fixture.json`, e.g. `paginate-issues`,
 *   `get-repository`), with `Vary: Accept, Authorization, Cookie, X-GitHub-OTP` (same recordings).
 * - GitHub's ETags are specific to the token: the same resource read with another token has another ETag, so
 *   an `If-None-Match` saved under one token is answered `200` under the next (GitHub Support, quoted in
 *   eclipse-csi/otterdog#201: "It's currently expected for ETags to be auth token specific";
 *   github/docs#34689). The emulator hashes the token with the body.
 * - `Last-Modified` only on a single object with an `updated_at` (the recordings `get-repository`,
 *   `get-organization`, `labels` → `GET /labels/{name}` carry it; the lists `paginate-issues`, `labels` →
 *   `GET /labels`, `add-and-remove-repository-collaborator`, `create-status` → statuses carry none). It does
 *   not depend on the token, so `If-Modified-Since` works across tokens (the work-around GitHub Support names
 *   in the same thread). Lists and release objects get no `Last-Modified` here (not modelled).
 * - `If-None-Match` matching the current ETag (weak comparison, a list of tags, or `*`), or — when no
 *   `If-None-Match` is sent — `If-Modified-Since` at or after `Last-Modified` → `304 Not Modified` with no
 *   body (RFC 9110 §13.1.2 and §13.1.3: `If-None-Match` takes precedence; weak comparison for GET).
 * - A 304 to an authenticated request does not count against the primary rate limit (docs "Best practices
 *   for using the REST API" → "Use conditional requests if appropriate",
 *   https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate:
 *   "Making a conditional request does not count against your primary rate limit if a 304 response is
 *   returned and the request was made while correctly authorized with an Authorization header").
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** The `Vary` header GitHub sends on API responses (recorded in `@octokit/fixtures` raw fixtures). */
export const API_VARY = "Accept, Authorization, Cookie, X-GitHub-OTP";

/** The validators of one JSON response: an ETag (per token) and, for a single updated object, Last-Modified. */
export function validatorsOf(
  bodyText: string,
  body: unknown,
  token: string | undefined,
): { etag: string; lastModified?: string } {
  const etag = `"${createHash("sha256")
    .update(`${token ?? ""}\0`)
    .update(bodyText)
    .digest("hex")}"`;
  const updated =
    body !== null && typeof body === "object" && !Array.isArray(body)
      ? (body as { updated_at?: unknown }).updated_at
      : undefined;
  const ms = typeof updated === "string" ? Date.parse(updated) : Number.NaN;
  return Number.isFinite(ms) ? { etag, lastModified: new Date(ms).toUTCString() } : { etag };
}

/** The opaque part of an entity tag (`W/"x"` and `"x"` compare equal: the weak comparison). */
const opaque = (tag: string) => tag.trim().replace(/^W\//, "");

/** True when the request's preconditions say the client's copy is current (→ 304). */
export function notModified(
  headers: IncomingHttpHeaders,
  validators: { etag: string; lastModified?: string },
): boolean {
  const ifNoneMatch = headers["if-none-match"];
  if (typeof ifNoneMatch === "string" && ifNoneMatch.trim() !== "") {
    if (ifNoneMatch.trim() === "*") return true;
    const current = opaque(validators.etag);
    return ifNoneMatch.split(",").some((tag) => opaque(tag) === current);
  }
  const ifModifiedSince = headers["if-modified-since"];
  if (typeof ifModifiedSince === "string" && validators.lastModified) {
    const since = Date.parse(ifModifiedSince);
    return Number.isFinite(since) && Date.parse(validators.lastModified) <= since;
  }
  return false;
}
