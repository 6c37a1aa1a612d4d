/**
 * Fulcio's `POST /api/v2/signingCert` for the runner's jobs: the identity token is checked as Fulcio checks
 * it, the certificate is issued by `@sigstore/mock`'s CA, and what goes into it follows Fulcio's GitHub
 * Actions mapping:
 * - request, refusals and error texts: sigstore/fulcio pkg/server/grpc_server.go `CreateSigningCertificate`
 *   and pkg/server/error.go (every token problem is `InvalidArgument` "There was an error processing the
 *   identity token"; a bad key "The public key supplied in the request could not be parsed"; a bad proof of
 *   possession "The signature supplied in the request could not be verified"), sent by grpc-gateway as HTTP
 *   400 `{"code": 3, "message": …, "details": []}`;
 * - token checks: go-oidc's verifier as Fulcio configures it (signature by the issuer's key, `iss` a
 *   configured issuer, `aud` containing the client id `sigstore`, not expired, `nbf` with a minute of leeway);
 * - certificate contents: Fulcio's config/identity/config.yaml `ci-issuer-metadata` → `github-workflow`
 *   (SAN `{{ .url }}/{{ .job_workflow_ref }}`, `url` = the server URL) and the OIDs of docs/oid-info.md
 *   (1.1–1.6 raw strings, 1.8 onwards DER UTF8String; empty values are left out, as `Extensions.Render`
 *   does; a template whose claim the token lacks fails the request, as `applyTemplateOrReplace` does).
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import type { CA, ExtensionValue } from "@sigstore/mock/dist/fulcio/ca.js";
import { bytesOf } from "./services.js";

/** What the route answers: a status and a JSON body. */
export interface FulcioReply {
  status: number;
  json: unknown;
  /** Why a request was refused (the emulator's own diagnostic, sent as `x-emulator-detail`). */
  detail?: string;
}

export const INVALID_IDENTITY_TOKEN = "There was an error processing the identity token";
export const INVALID_PUBLIC_KEY = "The public key supplied in the request could not be parsed";
export const INVALID_SIGNATURE = "The signature supplied in the request could not be verified";
const GENERIC_CA_ERROR = "error communicating with CA backend";
/** gRPC status codes as grpc-gateway puts them in the body. */
const INVALID_ARGUMENT = 3;
const INTERNAL = 13;
/** go-oidc's allowance for clock skew on `nbf`. */
const NBF_LEEWAY_SECONDS = 60;

export interface FulcioContext {
  ca: CA;
  caRoot: Buffer;
  /** The only issuer this Fulcio is configured for (the emulator's Actions OIDC issuer). */
  issuer: string;
  /** The issuer's signing key (RS256) and key id. */
  issuerKey: { key: KeyObject; kid: string };
  /** The `url` of Fulcio's GitHub template: the jobs' `GITHUB_SERVER_URL`. */
  serverUrl: string;
  now?: () => number;
}

const refuse = (message: string, detail: string, status = 400, code = INVALID_ARGUMENT): FulcioReply => ({
  status,
  json: { code, message, details: [] },
  detail,
});

type Claims = Record<string, unknown>;

/** Verifies the JWT as go-oidc does for Fulcio; the claims, or why not. */
function verifyToken(token: string, ctx: FulcioContext): Claims | string {
  const parts = token.split(".");
  if (parts.length !== 3) return "not a JWT";
  const [head = "", body = "", signature = ""] = parts;
  let header: Claims;
  let claims: Claims;
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as Claims;
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Claims;
  } catch {
    return "JWT header or payload is not JSON";
  }
  if (header.alg !== "RS256") return `unsupported signing algorithm ${String(header.alg)}`;
  if (claims.iss !== ctx.issuer) return `issuer ${String(claims.iss)} is not configured (only ${ctx.issuer})`;
  const signed = verify(
    "RSA-SHA256",
    Buffer.from(`${head}.${body}`),
    ctx.issuerKey.key,
    Buffer.from(signature, "base64url"),
  );
  if (!signed) return "failed to verify signature: not signed by the issuer's key";
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes("sigstore"))
    return `expected audience "sigstore", got ${JSON.stringify(claims.aud ?? null)}`;
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  if (typeof claims.exp !== "number" || claims.exp < now) return "token is expired";
  if (typeof claims.nbf === "number" && claims.nbf > now + NBF_LEEWAY_SECONDS)
    return "token is not valid yet";
  if (typeof claims.sub !== "string" || claims.sub === "") return "token has no subject";
  return claims;
}

interface Template {
  oid: string;
  /** A claim name, or a function of the claims (`{{ .url }}/…` templates). */
  value: string | ((claim: (name: string) => string) => string);
  legacy?: boolean;
}

/**
 * Fulcio's `github-workflow` extension templates (config/identity/config.yaml) with their OIDs
 * (docs/oid-info.md), in the order `Extensions.Render` writes them.
 */
const GITHUB_TEMPLATES: Template[] = [
  { oid: "1.3.6.1.4.1.57264.1.2", value: "event_name", legacy: true }, // GitHub Workflow Trigger
  { oid: "1.3.6.1.4.1.57264.1.3", value: "sha", legacy: true }, // GitHub Workflow SHA
  { oid: "1.3.6.1.4.1.57264.1.4", value: "workflow", legacy: true }, // GitHub Workflow Name
  { oid: "1.3.6.1.4.1.57264.1.5", value: "repository", legacy: true }, // GitHub Workflow Repository
  { oid: "1.3.6.1.4.1.57264.1.6", value: "ref", legacy: true }, // GitHub Workflow Ref
  { oid: "1.3.6.1.4.1.57264.1.9", value: (c) => `${c("url")}/${c("job_workflow_ref")}` }, // Build Signer URI
  { oid: "1.3.6.1.4.1.57264.1.10", value: "job_workflow_sha" }, // Build Signer Digest
  { oid: "1.3.6.1.4.1.57264.1.11", value: "runner_environment" }, // Runner Environment
  { oid: "1.3.6.1.4.1.57264.1.12", value: (c) => `${c("url")}/${c("repository")}` }, // Source Repository URI
  { oid: "1.3.6.1.4.1.57264.1.13", value: "sha" }, // Source Repository Digest
  { oid: "1.3.6.1.4.1.57264.1.14", value: "ref" }, // Source Repository Ref
  { oid: "1.3.6.1.4.1.57264.1.15", value: "repository_id" }, // Source Repository Identifier
  { oid: "1.3.6.1.4.1.57264.1.16", value: (c) => `${c("url")}/${c("repository_owner")}` }, // Owner URI
  { oid: "1.3.6.1.4.1.57264.1.17", value: "repository_owner_id" }, // Source Repository Owner Identifier
  { oid: "1.3.6.1.4.1.57264.1.18", value: (c) => `${c("url")}/${c("workflow_ref")}` }, // Build Config URI
  { oid: "1.3.6.1.4.1.57264.1.19", value: "workflow_sha" }, // Build Config Digest
  { oid: "1.3.6.1.4.1.57264.1.20", value: "event_name" }, // Build Trigger
  {
    oid: "1.3.6.1.4.1.57264.1.21", // Run Invocation URI
    value: (c) => `${c("url")}/${c("repository")}/actions/runs/${c("run_id")}/attempts/${c("run_attempt")}`,
  },
  { oid: "1.3.6.1.4.1.57264.1.22", value: "repository_visibility" }, // Source Repository Visibility
  { oid: "1.3.6.1.4.1.57264.1.23", value: "environment" }, // Deployment Environment
];

class MissingClaim extends Error {}

/** The certificate's SAN and extensions for a GitHub Actions token, as Fulcio's GitHub mapping makes them. */
export function githubCertificateContents(
  claims: Claims,
  serverUrl: string,
): { subjectAltName: string; extensions: ExtensionValue[] } {
  // Template data: the issuer's defaults (`url`, `environment: ""`), then the token's claims over them.
  const data: Record<string, string> = { url: serverUrl, environment: "" };
  for (const [name, value] of Object.entries(claims))
    data[name] = typeof value === "string" ? value : JSON.stringify(value);
  const claim = (name: string): string => {
    const value = data[name];
    if (value === undefined)
      throw new MissingClaim(`value <${name}> not present in either claims or defaults`);
    return value;
  };
  const issuer = claim("iss");
  const subject = claim("sub");
  const extensions: ExtensionValue[] = [{ oid: "1.3.6.1.4.1.57264.1.1", value: issuer, legacy: true }];
  const rendered = GITHUB_TEMPLATES.map((template) => ({
    ...template,
    text: typeof template.value === "string" ? claim(template.value) : template.value(claim),
  }));
  for (const t of rendered.filter((r) => r.legacy && r.text !== ""))
    extensions.push({ oid: t.oid, value: t.text, legacy: true });
  extensions.push({ oid: "1.3.6.1.4.1.57264.1.8", value: issuer }); // Issuer (V2)
  for (const t of rendered.filter((r) => !r.legacy && r.text !== ""))
    extensions.push({ oid: t.oid, value: t.text });
  extensions.push({ oid: "1.3.6.1.4.1.57264.1.24", value: subject }); // Token Subject
  return { subjectAltName: `${claim("url")}/${claim("job_workflow_ref")}`, extensions };
}

function toPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

interface SigningCertRequest {
  credentials?: { oidcIdentityToken?: unknown };
  publicKeyRequest?: { publicKey?: { algorithm?: unknown; content?: unknown }; proofOfPossession?: unknown };
  certificateSigningRequest?: unknown;
}

/** Handles one `signingCert` request body (`authorization` = the request's header, Fulcio's other way in). */
export async function createSigningCertificate(
  ctx: FulcioContext,
  bodyText: string,
  authorization: string | undefined,
): Promise<FulcioReply> {
  let body: SigningCertRequest;
  try {
    body = JSON.parse(bodyText) as SigningCertRequest;
    if (typeof body !== "object" || body === null) throw new Error("not an object");
  } catch {
    return refuse("request body is not a JSON object", "body is not JSON");
  }
  // The token: `credentials.oidcIdentityToken`, else the `Authorization: Bearer` header (grpc metadata).
  let token =
    typeof body.credentials?.oidcIdentityToken === "string" ? body.credentials.oidcIdentityToken : "";
  if (token === "") token = /^bearer\s+(.+)$/i.exec(authorization ?? "")?.[1] ?? "";
  const claims = verifyToken(token, ctx);
  if (typeof claims === "string") return refuse(INVALID_IDENTITY_TOKEN, claims);

  if (body.certificateSigningRequest !== undefined && body.certificateSigningRequest !== "")
    return refuse(
      "The certificate signing request could not be parsed",
      "the emulator's Fulcio takes publicKeyRequest only (no PKCS#10 parser); sigstore-js sends publicKeyRequest",
    );
  const content = body.publicKeyRequest?.publicKey?.content;
  let publicKey: KeyObject;
  try {
    if (typeof content !== "string") throw new Error("missing");
    publicKey = createPublicKey(content);
  } catch {
    return refuse(INVALID_PUBLIC_KEY, "publicKeyRequest.publicKey.content is not a PEM public key");
  }
  if (publicKey.asymmetricKeyType !== "ec" || publicKey.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    return refuse(
      `signing algorithm not permitted: ${publicKey.asymmetricKeyType}`,
      "the emulator's CA (@sigstore/mock) issues certificates for ECDSA P-256 keys only",
    );
  // Proof of possession: the key's signature over the token's subject (Fulcio `CheckSignatureWithVerifier`).
  const proof = body.publicKeyRequest?.proofOfPossession;
  const possessed =
    typeof proof === "string" &&
    proof !== "" &&
    verify("sha256", Buffer.from(claims.sub as string), publicKey, Buffer.from(proof, "base64"));
  if (!possessed)
    return refuse(INVALID_SIGNATURE, "proofOfPossession is not the key's signature over the token's sub");

  let contents: ReturnType<typeof githubCertificateContents>;
  try {
    contents = githubCertificateContents(claims, ctx.serverUrl);
  } catch (error) {
    if (!(error instanceof MissingClaim)) throw error;
    return refuse(GENERIC_CA_ERROR, error.message, 500, INTERNAL);
  }
  const leaf = await ctx.ca.issueCertificate({
    publicKey: publicKey.export({ type: "spki", format: "der" }),
    subjectAltName: contents.subjectAltName,
    extensions: contents.extensions,
  });
  // 200, not the 201 of `@sigstore/mock`'s handler: fulcio.swagger.json lists `200` for `/api/v2/signingCert`
  // (grpc-gateway's default; only the legacy v1 route sets 201, pkg/server/legacy_server.go).
  return {
    status: 200,
    json: {
      signedCertificateEmbeddedSct: {
        chain: { certificates: [toPem(bytesOf(leaf)), toPem(ctx.caRoot)] },
      },
    },
  };
}
