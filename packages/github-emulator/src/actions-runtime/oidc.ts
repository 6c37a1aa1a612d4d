/**
 * The Actions OIDC provider for the runner's jobs (docs "About security hardening with OpenID Connect",
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect):
 * a job with `permissions: id-token: write` gets `ACTIONS_ID_TOKEN_REQUEST_URL` and
 * `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; `GET <url>&audience=<aud>` with `Authorization: bearer <token>` answers
 * `{"value": "<JWT>"}`, an RS256 token whose claims describe the job (`sub` = `repo:OWNER/REPO:ref:REF`,
 * or `repo:OWNER/REPO:environment:NAME` for a job with an environment; default `aud` = the owner's URL).
 * The issuer is the emulator (`<base>/_emulator/actions/oidc`), whose keys are at `.well-known/jwks`.
 * A job without that permission gets no request token, so it cannot obtain an ID token.
 */
import { createPublicKey, createSign, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import type { Store } from "../state/store.js";

const KEY_SLOT = "actionsOidcKey";
const REQUESTS_SLOT = "actionsOidcRequests";
/** ID tokens are valid for minutes (GitHub: about 5 min in practice; here 10). */
const ID_TOKEN_SECONDS = 600;
export const OIDC_PATH = "/_emulator/actions/oidc";

/** What the token's claims say about the job (from the runner's job registration). */
export interface JobClaims {
  repository: string;
  repository_owner: string;
  ref: string;
  sha: string;
  workflow: string;
  workflow_ref: string;
  job_workflow_ref: string;
  actor: string;
  event_name: string;
  run_id: string;
  run_attempt: string;
  environment?: string;
  /**
   * Claims GitHub's tokens carry that Fulcio's GitHub mapping needs (docs "Understanding the OIDC token",
   * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#understanding-the-oidc-token;
   * Fulcio's config/identity/config.yaml fails a certificate when a template's claim is missing).
   */
  repository_id?: string;
  repository_owner_id?: string;
  repository_visibility?: string;
  workflow_sha?: string;
  job_workflow_sha?: string;
}

function keyPair(store: Store): { privatePem: string; kid: string } {
  let slot = store.data.extra[KEY_SLOT] as { privatePem: string; kid: string } | undefined;
  if (!slot) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    slot = {
      privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      kid: randomBytes(8).toString("hex"),
    };
    store.data.extra[KEY_SLOT] = slot;
  }
  return slot;
}

function requests(store: Store): Record<string, JobClaims> {
  let slot = store.data.extra[REQUESTS_SLOT] as Record<string, JobClaims> | undefined;
  if (!slot) {
    slot = {};
    store.data.extra[REQUESTS_SLOT] = slot;
  }
  return slot;
}

/** A request token for a job that has `id-token: write`. */
export function mintIdTokenRequest(store: Store, claims: JobClaims): string {
  const token = randomBytes(24).toString("hex");
  requests(store)[token] = claims;
  return token;
}

/** The claims a request token was minted for, or undefined. */
export function claimsOfRequest(store: Store, token: string): JobClaims | undefined {
  return Object.hasOwn(requests(store), token) ? requests(store)[token] : undefined;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");

/** The emulator's OIDC signing key as a public key (for the Sigstore stand-ins' Fulcio). */
export function oidcPublicKey(store: Store): { key: KeyObject; kid: string } {
  const { privatePem, kid } = keyPair(store);
  return { key: createPublicKey(privatePem), kid };
}

/** The signed ID token for `claims` and `audience`. */
export function mintIdToken(store: Store, issuer: string, claims: JobClaims, audience: string): string {
  const { privatePem, kid } = keyPair(store);
  const now = Math.floor(Date.now() / 1000);
  const { environment, ...rest } = claims;
  const payload = {
    ...rest,
    ...(environment ? { environment } : {}),
    jti: randomBytes(16).toString("hex"),
    sub: environment
      ? `repo:${claims.repository}:environment:${environment}`
      : `repo:${claims.repository}:ref:${claims.ref}`,
    aud: audience,
    ref_type: claims.ref.startsWith("refs/tags/") ? "tag" : "branch",
    runner_environment: "self-hosted",
    iss: issuer,
    nbf: now - 5,
    iat: now,
    exp: now + ID_TOKEN_SECONDS,
  };
  const unsigned = `${b64url(JSON.stringify({ typ: "JWT", alg: "RS256", kid }))}.${b64url(JSON.stringify(payload))}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(privatePem);
  return `${unsigned}.${b64url(signature)}`;
}

/** The JWKS of the issuer. */
export function jwks(store: Store): { keys: Array<Record<string, string>> } {
  const { privatePem, kid } = keyPair(store);
  const jwk = createPublicKey(privatePem).export({ format: "jwk" }) as Record<string, string>;
  return { keys: [{ ...jwk, kid, alg: "RS256", use: "sig" }] };
}
