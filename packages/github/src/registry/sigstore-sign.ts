/**
 * Keyless signing of a model version (docs/architecture.md, "Signed model versions", keyless): the job's
 * GitHub OIDC ID token (audience `sigstore`) → a short-lived Fulcio certificate for an ephemeral P-256 key
 * (SAN = the job's workflow identity, `https://github.com/OWNER/REPO/.github/workflows/F.yml@REF`) → each
 * DSSE signature witnessed by Rekor (public-good) or an RFC 3161 timestamp authority (GitHub's instance).
 * With @sigstore/sign's DSSEBundleBuilder, FulcioSigner, RekorWitness and TSAWitness; the result is a
 * Sigstore bundle v0.3 per statement:
 * - `provenance.sigstore.json`: the SLSA provenance statement, the same one key signing writes
 *   (`buildProvenanceStatement`), and what is published as the GitHub artifact attestation;
 * - `model.sig`: the OpenSSF model-signing v1.0 statement, as sigstore/model-transparency signs keyless.
 * One ephemeral key and one certificate sign both (one ID token, one Fulcio call).
 * The endpoints come from `registry.signing.sigstore` (core's `sigstoreEndpoints`), never hard-coded here.
 */
import { generateKeyPairSync, sign as signBytes, X509Certificate } from "node:crypto";
import {
  buildModelSigningStatement,
  buildProvenanceStatement,
  IN_TOTO_PAYLOAD_TYPE,
  type InTotoStatement,
  MlopsError,
  MODEL_SIGNATURE_ASSET,
  SIGSTORE_PROVENANCE_ASSET,
  type SigstoreConfig,
  type SigstoreEndpoints,
  sigstoreEndpoints,
  type VersionSigner,
} from "@mlops/core";
// Types only: @sigstore/sign and @sigstore/bundle (with their HTTP stack, ~1 MiB bundled) are loaded when a
// version is actually signed keyless (`loadSigstoreSign`), so a key-signing or unsigned register does not
// compile them at start (test/bundles.test.ts budget).
import type { FulcioSigner, Signature, Signer, Witness } from "@sigstore/sign";
import type { GitHubClient } from "../client.js";
import type { GitHubLog } from "../log.js";
import { repositoryVisibility } from "./sigstore-verify.js";

/** The audience Sigstore's Fulcio expects in an ID token (what `cosign` and `@actions/attest` ask for). */
export const SIGSTORE_AUDIENCE = "sigstore";

/** Gets an OIDC ID token for `audience` (in a job: from ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN). */
export type IdTokenSource = (audience: string) => Promise<string>;

/** Keyless signing failed: Fulcio, Rekor, the timestamp authority or the token endpoint refused or could not be reached. */
export class SigstoreError extends MlopsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("sigstore", message, options);
  }
}

export interface SigstoreSignerOptions {
  endpoints: SigstoreEndpoints;
  idToken: IdTokenSource;
  /** Per request, milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries of a transient failure (5xx, 408, 429, network) per request (default 2). */
  retries?: number;
}

export interface SigstoreVersionSigner extends VersionSigner {
  /** The certificate's SAN URI once signed. */
  signedBy(): string | undefined;
}

/** An ephemeral P-256 key that lives as long as this signer; its public half is what Fulcio certifies. */
function ephemeralKey(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicPem = publicKey.export({ format: "pem", type: "spki" }).toString("ascii");
  return {
    sign: async (data: Buffer): Promise<Signature> => ({
      signature: signBytes("sha256", data, privateKey),
      key: { $case: "publicKey", publicKey: publicPem },
    }),
  };
}

/**
 * Fulcio is asked once; later signatures reuse the certificate (same ephemeral key). The certificate is
 * valid for 10 minutes, longer than one registration signs.
 */
function oneCertificateSigner(
  fulcio: FulcioSigner,
  key: Signer,
): Signer & { certificate(): string | undefined } {
  let certificate: string | undefined;
  return {
    certificate: () => certificate,
    sign: async (data: Buffer): Promise<Signature> => {
      if (certificate === undefined) {
        const signed = await fulcio.sign(data);
        if (signed.key.$case === "x509Certificate") certificate = signed.key.certificate;
        return signed;
      }
      const signed = await key.sign(data);
      return { signature: signed.signature, key: { $case: "x509Certificate", certificate } };
    },
  };
}

/** The URI in a certificate's SAN (`URI:https://…`), or the SAN as it is. */
export function certificateSan(pem: string): string {
  const san = new X509Certificate(pem).subjectAltName ?? "";
  const uri = san
    .split(/,\s*/)
    .map((entry) => /^URI:(.*)$/.exec(entry)?.[1])
    .find((value) => value !== undefined);
  return uri ?? san;
}

const SERVICES: Record<string, (e: SigstoreEndpoints) => string> = {
  IDENTITY_TOKEN_READ_ERROR: () => "the GitHub OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL)",
  IDENTITY_TOKEN_PARSE_ERROR: () => "the GitHub OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL)",
  CA_CREATE_SIGNING_CERTIFICATE_ERROR: (e) => `Fulcio (${e.fulcioUrl})`,
  TLOG_CREATE_ENTRY_ERROR: (e) => `Rekor (${e.rekorUrl ?? "?"})`,
  TLOG_FETCH_ENTRY_ERROR: (e) => `Rekor (${e.rekorUrl ?? "?"})`,
  TSA_CREATE_TIMESTAMP_ERROR: (e) => `the timestamp authority (${e.tsaUrl ?? "?"})`,
};

/** What a service answered: `(401) invalid token`, or the network failure (`connect ECONNREFUSED …`). */
function answerOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause : error instanceof Error ? error : undefined;
  const status = (inner as { statusCode?: unknown } | undefined)?.statusCode;
  const text = (inner?.message ?? String(error)).replace(/\s+/g, " ").trim();
  if (typeof status === "number") return `answered ${text}`;
  return `could not be reached: ${text}`;
}

/** One line naming the service and its answer (a token in the message is never echoed). */
function sigstoreFailure(error: unknown, endpoints: SigstoreEndpoints, what: string): SigstoreError {
  if (error instanceof MlopsError) return error as SigstoreError;
  const code = (error as { code?: unknown }).code;
  const service = typeof code === "string" ? SERVICES[code]?.(endpoints) : undefined;
  const answer = code === "IDENTITY_TOKEN_PARSE_ERROR" ? "gave something that is not a JWT" : answerOf(error);
  return new SigstoreError(
    `Keyless signing of ${what} failed: ${service ?? "Sigstore"} ${answer}. Nothing was published (a release stays a draft; re-run the job to finish it).`,
    { cause: error },
  );
}

/**
 * A CommonJS package's exports from `import()`: named under Node and vitest, but only as `default` from
 * the action bundles' lazy chunk (`export default require_x()`), where `{...module}` has no FulcioSigner
 * ("t is not a constructor" in register's bundle).
 */
function cjsExports<T extends object>(module: T & { default?: T }, probe: keyof T): T {
  return module.default && probe in module.default ? module.default : module;
}

/** The Sigstore client libraries, loaded on first keyless signature (their own chunk in the action bundles). */
export async function loadSigstoreSign() {
  const [sign, bundle] = await Promise.all([import("@sigstore/sign"), import("@sigstore/bundle")]);
  return {
    ...cjsExports(sign, "FulcioSigner"),
    bundleToJSON: cjsExports(bundle, "bundleToJSON").bundleToJSON,
  };
}

/** Refuses endpoints without a witness: Rekor and/or a timestamp authority (Fulcio alone proves nothing lasting). */
function checkWitnesses(endpoints: SigstoreEndpoints): void {
  if (!endpoints.rekorUrl && !endpoints.tsaUrl)
    throw new SigstoreError(
      `Keyless signing needs a transparency log or a timestamp authority: registry.signing.sigstore names neither (set rekor_url or tsa_url, or an instance).`,
    );
}

/** The witnesses `endpoints` name: Rekor and/or a timestamp authority. */
function witnessesOf(
  { RekorWitness, TSAWitness }: Awaited<ReturnType<typeof loadSigstoreSign>>,
  endpoints: SigstoreEndpoints,
  timeout: number,
  retries: number,
): Witness[] {
  const witnesses: Witness[] = [];
  if (endpoints.rekorUrl)
    witnesses.push(
      new RekorWitness({
        rekorBaseURL: endpoints.rekorUrl,
        entryType: "dsse",
        // A retried create whose first attempt was logged answers 409: fetch the entry instead.
        fetchOnConflict: true,
        timeout,
        retry: retries,
      }),
    );
  if (endpoints.tsaUrl)
    witnesses.push(
      new TSAWitness({
        // The client appends /api/v1/timestamp to the base URL.
        tsaBaseURL: endpoints.tsaUrl.replace(/\/api\/v1\/timestamp$/, ""),
        timeout,
        retry: retries,
      }),
    );
  return witnesses;
}

/**
 * A `VersionSigner` that signs keyless with the Sigstore instance `endpoints` names. Errors: a
 * SigstoreError with one line naming the service and its answer.
 */
export function sigstoreVersionSigner(options: SigstoreSignerOptions): SigstoreVersionSigner {
  const { endpoints } = options;
  const timeout = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  checkWitnesses(endpoints);
  let san: string | undefined;
  const via = endpoints.rekorUrl ? "Rekor" : "a timestamp authority";
  return {
    description: `keyless: Sigstore ${endpoints.instance} (${endpoints.instanceFrom}), certificate from ${endpoints.fulcioUrl}, witnessed by ${via}`,
    signedBy: () => san,
    sign: async (files, facts) => {
      const sigstore = await loadSigstoreSign();
      const { DSSEBundleBuilder, FulcioSigner, bundleToJSON } = sigstore;
      const witnesses = witnessesOf(sigstore, endpoints, timeout, retries);
      const key = ephemeralKey();
      const signer = oneCertificateSigner(
        new FulcioSigner({
          identityProvider: { getToken: () => options.idToken(SIGSTORE_AUDIENCE) },
          keyHolder: key,
          fulcioBaseURL: endpoints.fulcioUrl,
          timeout,
          retry: retries,
        }),
        key,
      );
      const builder = new DSSEBundleBuilder({ signer, witnesses });
      const bundleOf = async (statement: InTotoStatement, what: string): Promise<string> => {
        try {
          const bundle = await builder.create({
            data: Buffer.from(JSON.stringify(statement), "utf8"),
            type: IN_TOTO_PAYLOAD_TYPE,
          });
          return `${JSON.stringify(bundleToJSON(bundle))}\n`;
        } catch (error) {
          throw sigstoreFailure(error, endpoints, `${facts.tag} (${what})`);
        }
      };
      const provenance = await bundleOf(buildProvenanceStatement(files, facts), SIGSTORE_PROVENANCE_ASSET);
      const certificate = signer.certificate();
      if (certificate) san = certificateSan(certificate);
      const manifest = await bundleOf(buildModelSigningStatement(facts.model, files), MODEL_SIGNATURE_ASSET);
      return [
        { name: SIGSTORE_PROVENANCE_ASSET, content: provenance, contentType: "application/json" },
        { name: MODEL_SIGNATURE_ASSET, content: manifest, contentType: "application/json" },
      ];
    },
  };
}

/**
 * The keyless signer for a repository: the instance from `registry.signing.sigstore`, or from the
 * repository's visibility (`GET /repos/{owner}/{repo}`: public → public-good, private/internal → GitHub's
 * instance) when the config names none. Says in one line which instance signs and why.
 */
export async function keylessVersionSigner(
  client: GitHubClient,
  options: {
    owner: string;
    repo: string;
    sigstore?: SigstoreConfig;
    idToken: IdTokenSource;
    log: GitHubLog;
    /** Retries of a transient failure per request (default 2). */
    retries?: number;
  },
): Promise<SigstoreVersionSigner> {
  const { owner, repo } = options;
  const repositoryPrivate = options.sigstore?.instance
    ? undefined
    : await repositoryVisibility(client, owner, repo)();
  const endpoints = sigstoreEndpoints(options.sigstore, repositoryPrivate);
  options.log.info(
    `Signing keyless with Sigstore ${endpoints.instance} (${endpoints.instanceFrom === "config" ? "registry.signing.sigstore.instance" : `a ${endpoints.instanceFrom}`}): Fulcio ${endpoints.fulcioUrl}${endpoints.rekorUrl ? `, Rekor ${endpoints.rekorUrl}` : ""}${endpoints.tsaUrl ? `, timestamps ${endpoints.tsaUrl}` : ""}.`,
  );
  return sigstoreVersionSigner({
    endpoints,
    idToken: options.idToken,
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
  });
}
