/**
 * Secrets of the Actions runtime: the HS256 runtime token (`ACTIONS_RUNTIME_TOKEN`) and the HMAC of signed
 * blob URLs. The key lives in the state (`data.extra`), so tokens and URLs survive a restart with a state dir.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Store } from "../state/store.js";

const KEY_SLOT = "actionsRuntimeKey";
/** Runtime tokens live as long as a GitHub job may (6 h) plus slack. */
const TOKEN_LIFETIME_SECONDS = 8 * 3600;

function key(store: Store): Buffer {
  let hex = store.data.extra[KEY_SLOT];
  if (typeof hex !== "string") {
    hex = randomBytes(32).toString("hex");
    store.data.extra[KEY_SLOT] = hex;
  }
  return Buffer.from(hex as string, "hex");
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");

function hmac(store: Store, text: string): Buffer {
  return createHmac("sha256", key(store)).update(text).digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The backend ids a runtime token grants (`Actions.Results:<run>:<job>`). */
export interface RuntimeScope {
  runBackendId: string;
  jobBackendId: string;
}

/** Mints the JWT handed to a job as `ACTIONS_RUNTIME_TOKEN`. */
export function mintRuntimeToken(store: Store, scope: RuntimeScope, repository: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "HS256" };
  const payload = {
    iss: "github-emulator",
    aud: "vso:actions",
    nbf: now - 60,
    iat: now,
    exp: now + TOKEN_LIFETIME_SECONDS,
    repository,
    scp: `Actions.GenericRead:${scope.runBackendId} Actions.Results:${scope.runBackendId}:${scope.jobBackendId}`,
  };
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${unsigned}.${hmac(store, unsigned).toString("base64url")}`;
}

/** Checks signature, algorithm and expiry; returns the `Actions.Results` scope or a reason it is refused. */
export function verifyRuntimeToken(store: Store, token: string): RuntimeScope | { error: string } {
  const parts = token.split(".");
  if (parts.length !== 3) return { error: "malformed token" };
  const [headerPart = "", payloadPart = "", signature = ""] = parts;
  let header: { alg?: unknown };
  let payload: { exp?: unknown; scp?: unknown };
  try {
    header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8")) as { alg?: unknown };
    payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8")) as typeof payload;
  } catch {
    return { error: "malformed token" };
  }
  if (header.alg !== "HS256") return { error: "unsupported token algorithm" };
  const expected = hmac(store, `${headerPart}.${payloadPart}`);
  if (!sameBytes(expected, Buffer.from(signature, "base64url"))) return { error: "invalid token signature" };
  if (typeof payload.exp !== "number" || payload.exp < Date.now() / 1000) return { error: "token expired" };
  const scope = typeof payload.scp === "string" ? payload.scp : "";
  for (const entry of scope.split(" ")) {
    const [name, run, job, ...rest] = entry.split(":");
    if (name === "Actions.Results" && run && job && rest.length === 0)
      return { runBackendId: run, jobBackendId: job };
  }
  return { error: "token has no Actions.Results scope" };
}

/** Blob URL permissions, as in an Azure SAS: `r` read, `c` create, `w` write. */
export type BlobPermission = "r" | "cw";

/**
 * A signed URL for one blob: `${base}/_blob/devstoreaccount1/artifacts/<name>?sv&sp&se&sig`. The path keeps
 * the account segment because the Azure SDK reads IP-host URLs as `/<account>/<container>/<blob>`; every
 * query value is percent-encoded and the signature is hex (the SDK drops a raw `=` when it re-serialises).
 */
export function signBlobUrl(
  store: Store,
  baseUrl: string,
  blob: string,
  permission: BlobPermission,
  lifetimeSeconds: number,
): string {
  const url = new URL(`/_blob/devstoreaccount1/artifacts/${blob}`, baseUrl);
  const expiry = new Date(Date.now() + lifetimeSeconds * 1000).toISOString();
  url.searchParams.set("sv", "2026-04-06");
  url.searchParams.set("sp", permission);
  url.searchParams.set("se", expiry);
  url.searchParams.set("sig", hmac(store, `${permission}\n${expiry}\n${url.pathname}`).toString("hex"));
  return url.toString();
}

/** Checks a blob URL's signature, expiry and that its permission covers `needed`. */
export function verifyBlobUrl(store: Store, url: URL, needed: "r" | "w"): string | undefined {
  const permission = url.searchParams.get("sp") ?? "";
  const expiry = url.searchParams.get("se") ?? "";
  const signature = url.searchParams.get("sig") ?? "";
  const expected = hmac(store, `${permission}\n${expiry}\n${url.pathname}`);
  if (!/^[0-9a-f]+$/.test(signature) || !sameBytes(expected, Buffer.from(signature, "hex")))
    return "Signature did not match";
  if (!permission.includes(needed)) return "This request is not authorized to perform this operation";
  const expires = Date.parse(expiry);
  if (!Number.isFinite(expires) || expires < Date.now()) return "Signed expiry time has passed";
  return undefined;
}
