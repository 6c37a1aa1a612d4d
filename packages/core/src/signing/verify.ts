/**
 * Verifying a signed model version before it is used (docs/architecture.md, "Signed model versions"):
 * the signature (a trusted public key, or a Sigstore certificate through the `openBundle` port), the
 * signer identity (this repository's workflow, at a ref the policy allows), the version it names, and
 * every file: each entry of SHA256SUMS (model files and their parts, model.json, card, extras) and
 * SHA256SUMS itself must be a subject with the same sha256, and nothing else may be.
 */
import type { KeyObject } from "node:crypto";
import { SignatureError } from "../errors.js";
import { type DsseEnvelope, parseDsseEnvelope } from "./dsse.js";
import { keyBundle, openWithKeys, type SigstoreBundle, signStatement, statementOf } from "./envelope.js";
import { type DsseSigner, keyIdOf } from "./keys.js";
import {
  buildModelSigningStatement,
  buildProvenanceStatement,
  type InTotoStatement,
  MODEL_SIGNING_V1,
  modelSigningResources,
  type ProvenanceFacts,
  provenanceClaims,
  type SignedFile,
  SLSA_PROVENANCE_V1,
} from "./statements.js";

/** The SLSA provenance as one DSSE envelope per line (the `.intoto.jsonl` convention of SLSA generators). */
export const PROVENANCE_ASSET = "model.intoto.jsonl";
/** The same provenance as a Sigstore bundle (keyless: certificate and transparency-log entry). */
export const SIGSTORE_PROVENANCE_ASSET = "provenance.sigstore.json";
/** The OpenSSF model-signing signature (a Sigstore bundle of the model-signing v1.0 statement). */
export const MODEL_SIGNATURE_ASSET = "model.sig";
/** Every asset name signing may add to a release. */
export const SIGNATURE_ASSETS = [PROVENANCE_ASSET, SIGSTORE_PROVENANCE_ASSET, MODEL_SIGNATURE_ASSET] as const;
/** Refs a signer may have run at when the policy names none. */
export const DEFAULT_SIGNER_REFS = ["refs/heads/main", "refs/tags/v*"];
/** The OIDC issuer of GitHub Actions ID tokens: what a keyless certificate must name by default. */
export const GITHUB_ACTIONS_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

export interface SignatureAsset {
  name: string;
  content: string;
  contentType: string;
}

/** Signs a version's files: key-based here, Sigstore keyless in the GitHub adapter. */
export interface VersionSigner {
  /** For logs: `key sha256:…` or `Sigstore (GitHub OIDC)`. */
  description: string;
  sign(files: SignedFile[], facts: ProvenanceFacts): Promise<SignatureAsset[]>;
  /** Who the signatures name, once signed: the key id (`sha256:…`), or the certificate's SAN (keyless). */
  signedBy?(): string | undefined;
}

/** Key-based: `model.intoto.jsonl` (DSSE, SLSA provenance) and `model.sig` (bundle, model-signing v1.0). */
export function keyVersionSigner(signer: DsseSigner): VersionSigner {
  return {
    description: `key ${signer.keyid.slice(0, 19)}…`,
    signedBy: () => signer.keyid,
    sign: async (files, facts) => {
      const provenance = signStatement(buildProvenanceStatement(files, facts), signer);
      const manifest = signStatement(buildModelSigningStatement(facts.model, files), signer);
      return [
        {
          name: PROVENANCE_ASSET,
          content: `${JSON.stringify(provenance)}\n`,
          contentType: "application/jsonl",
        },
        {
          name: MODEL_SIGNATURE_ASSET,
          content: `${JSON.stringify(keyBundle(manifest, signer))}\n`,
          contentType: "application/json",
        },
      ];
    },
  };
}

/** Who signed, as a Sigstore certificate says (the `openBundle` port's answer). */
export interface CertificateIdentity {
  /** The certificate's SAN URI: `https://github.com/OWNER/REPO/.github/workflows/FILE@REF`. */
  subjectAlternativeName: string;
  /** The OIDC issuer whose token the certificate was issued for (Fulcio extension 1.3.6.1.4.1.57264.1.8). */
  issuer: string;
  /**
   * Fulcio's GitHub extensions: the repository the job ran in (1.3.6.1.4.1.57264.1.12, `https://github.com/OWNER/REPO`),
   * its ref (.1.14) and the top-level workflow (.1.18 Build Config URI, `…/OWNER/REPO/.github/workflows/F.yml@REF`).
   * When a reusable workflow of another repository signs (the release template's), the SAN names that
   * workflow; these still name the repository that ran it, and are what is checked when present.
   */
  sourceRepositoryUri?: string;
  sourceRepositoryRef?: string;
  buildConfigUri?: string;
}

export interface SigningPolicy {
  /** An unsigned version is refused (else it is deployed with a warning). */
  required: boolean;
  /** `owner/name` the version must come from. */
  repository: string;
  serverUrl: string;
  /** Trusted public keys (key-based signatures). */
  publicKeys: KeyObject[];
  /** Accept Sigstore (keyless) bundles, checked through `openBundle`. */
  keyless: boolean;
  /** The OIDC issuer a keyless certificate must name (default {@link GITHUB_ACTIONS_OIDC_ISSUER}). */
  oidcIssuer?: string;
  /** Refs (`*` matches anything) the signing workflow may have run at. */
  allowedRefs: string[];
  /** The workflow file (`.github/workflows/release.yml`) that must have signed; any of the repository's when unset. */
  workflow?: string;
}

/**
 * Checks a Sigstore bundle (signature, certificate chain, transparency log or timestamp) and returns its
 * envelope and signer; `witness` says what proved the signing time (`Rekor log index 42`, `RFC 3161
 * timestamp 2026-…`).
 */
export type OpenBundle = (
  bundle: SigstoreBundle,
  what: string,
) => Promise<{ envelope: DsseEnvelope; identity: CertificateIdentity; witness?: string }>;

/** What was fetched from the release and hashed here. */
export interface VersionContents {
  model: string;
  version: string;
  /** `<model>/v<N>`, for messages. */
  tag: string;
  /** SHA256SUMS: name → sha256. */
  sums: Map<string, string>;
  /** sha256 of SHA256SUMS itself. */
  sumsSha256: string;
  /** Files downloaded and hashed here (model files, model.json): each must match its signed digest too. */
  downloaded: SignedFile[];
  /** Text of the signature assets the release has (by name). */
  signatures: Map<string, string>;
}

export interface VerifiedVersion {
  /** `key sha256:…` or the certificate SAN. */
  signer: string;
  /** Keyless: what proved when it was signed (a Rekor log index, an RFC 3161 timestamp). */
  witness?: string;
  ref: string;
  commit: string;
  /** How many files the signature covers. */
  files: number;
}

/** `refs/tags/v*` style: `*` matches any run of characters, everything else literally. */
export function refAllowed(ref: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const source = pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    return new RegExp(`^${source}$`).test(ref);
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SignatureError(`${what} is not JSON.`);
  }
}

function parseBundle(text: string, what: string): SigstoreBundle {
  const bundle = parseJson(text, what) as Partial<SigstoreBundle> | null;
  if (!bundle || typeof bundle !== "object" || !bundle.verificationMaterial || !bundle.dsseEnvelope)
    throw new SignatureError(`${what} is not a Sigstore bundle with a DSSE envelope.`);
  parseDsseEnvelope(bundle.dsseEnvelope, what);
  return bundle as SigstoreBundle;
}

/** The SAN of a workflow identity → repository URL, workflow path and ref. */
function parseWorkflowIdentity(
  san: string,
): { repositoryUrl: string; path: string; ref: string } | undefined {
  const match = /^(https:\/\/[^/]+\/[^/]+\/[^/]+)\/(\.github\/workflows\/[^@]+)@(.+)$/.exec(san);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { repositoryUrl: match[1], path: match[2], ref: match[3] };
}

interface Opened {
  statement: InTotoStatement;
  signer: string;
  /** From the certificate (keyless); the statement's own claims are checked too. */
  identity?: { repositoryUrl: string; path: string; ref: string };
  witness?: string;
}

async function openSigned(
  text: string,
  asBundle: boolean,
  what: string,
  policy: SigningPolicy,
  openBundle: OpenBundle | undefined,
): Promise<Opened> {
  if (!asBundle) {
    const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
    const envelope = parseDsseEnvelope(parseJson(line, what), what);
    return {
      statement: openWithKeys(envelope, policy.publicKeys, what),
      signer: keyLabel(policy.publicKeys),
    };
  }
  const bundle = parseBundle(text, what);
  const material = bundle.verificationMaterial;
  const hint = material.publicKey?.hint;
  if (hint !== undefined || (!material.certificate && !material.x509CertificateChain)) {
    if (policy.publicKeys.length === 0)
      throw new SignatureError(`${what} is signed with a key, and no trusted public key is configured.`);
    if (hint && !policy.publicKeys.some((k) => keyIdOf(k) === `sha256:${hint}`))
      throw new SignatureError(
        `${what}: signed with the key ${hint.slice(0, 12)}…, not a trusted public key (${keyLabel(policy.publicKeys)}).`,
      );
    return {
      statement: openWithKeys(bundle.dsseEnvelope, policy.publicKeys, what),
      signer: keyLabel(policy.publicKeys),
    };
  }
  if (!policy.keyless || !openBundle)
    throw new SignatureError(
      `${what} is signed keyless (Sigstore certificate), and keyless signatures are not trusted by this configuration.`,
    );
  const { envelope, identity, witness } = await openBundle(bundle, what);
  const issuer = policy.oidcIssuer ?? GITHUB_ACTIONS_OIDC_ISSUER;
  if (identity.issuer !== issuer)
    throw new SignatureError(
      `${what}: the signing certificate was issued for an ID token of ${identity.issuer || "(no issuer)"}, not ${issuer} (registry.signing.sigstore.oidc_issuer).`,
    );
  const san = parseWorkflowIdentity(identity.subjectAlternativeName);
  if (!san)
    throw new SignatureError(
      `${what}: signed by ${identity.subjectAlternativeName}, which is not a GitHub Actions workflow identity.`,
    );
  // Who ran the signing job: the source repository, its ref and the top-level workflow (as
  // `gh attestation verify --repo` checks them); the SAN's when the certificate lacks them.
  const config = identity.buildConfigUri ? parseWorkflowIdentity(identity.buildConfigUri) : undefined;
  const parsed = identity.sourceRepositoryUri
    ? {
        repositoryUrl: identity.sourceRepositoryUri,
        ref: identity.sourceRepositoryRef ?? "",
        path: config?.path ?? san.path,
      }
    : san;
  return {
    statement: statementOf(envelope, what),
    signer: identity.subjectAlternativeName,
    identity: parsed,
    ...(witness ? { witness } : {}),
  };
}

function keyLabel(keys: KeyObject[]): string {
  return keys.map((k) => `key ${keyIdOf(k).slice(0, 19)}…`).join(", ");
}

function checkIdentity(
  where: { repositoryUrl: string; path: string; ref: string },
  policy: SigningPolicy,
  what: string,
  source: string,
): void {
  const expected = `${policy.serverUrl.replace(/\/$/, "")}/${policy.repository}`;
  if (where.repositoryUrl.toLowerCase() !== expected.toLowerCase())
    throw new SignatureError(
      `${what}: ${source} names the repository ${where.repositoryUrl || "(none)"}, not ${expected}: a statement from another repository.`,
    );
  if (!refAllowed(where.ref, policy.allowedRefs))
    throw new SignatureError(
      `${what}: signed at ${where.ref || "(no ref)"}, which the allowed signer refs (${policy.allowedRefs.join(", ")}) do not include.`,
    );
  if (policy.workflow && where.path !== policy.workflow)
    throw new SignatureError(
      `${what}: signed by the workflow ${where.path || "(none)"}, not ${policy.workflow}.`,
    );
}

function checkFiles(signed: SignedFile[], contents: VersionContents, what: string): number {
  const expected = new Map(contents.sums);
  expected.set("SHA256SUMS", contents.sumsSha256);
  const subjects = new Map<string, string>();
  for (const s of signed) subjects.set(s.name, s.sha256);
  for (const [name, sha256] of expected) {
    const got = subjects.get(name);
    if (got === undefined)
      throw new SignatureError(`${what}: ${name} is not covered by the signed statement.`);
    if (got !== sha256)
      throw new SignatureError(
        `${what}: ${name} (sha256:${sha256.slice(0, 12)}…) does not match the signed digest (sha256:${got.slice(0, 12)}…): the file was changed after signing.`,
      );
  }
  for (const file of contents.downloaded) {
    const got = subjects.get(file.name);
    if (got !== file.sha256)
      throw new SignatureError(
        `${what}: the downloaded ${file.name} (sha256:${file.sha256.slice(0, 12)}…) does not match the signed digest${got ? ` (sha256:${got.slice(0, 12)}…)` : " (not signed)"}.`,
      );
  }
  for (const name of subjects.keys())
    if (!expected.has(name))
      throw new SignatureError(`${what}: the signed statement lists ${name}, which SHA256SUMS does not.`);
  return subjects.size;
}

/**
 * Verifies a downloaded version against `policy`; a SignatureError with one clear line when anything does
 * not hold. Provenance: `provenance.sigstore.json` (keyless) or `model.intoto.jsonl` (key); the OpenSSF
 * `model.sig` must agree with it.
 */
export async function verifySignedVersion(
  contents: VersionContents,
  policy: SigningPolicy,
  openBundle?: OpenBundle,
): Promise<VerifiedVersion> {
  const prefix = `${contents.tag}`;
  const keyless = contents.signatures.get(SIGSTORE_PROVENANCE_ASSET);
  const keyed = contents.signatures.get(PROVENANCE_ASSET);
  const useKeyless = keyless !== undefined && (policy.keyless || keyed === undefined);
  const text = useKeyless ? keyless : keyed;
  if (text === undefined)
    throw new SignatureError(
      `${prefix} is not signed (no ${PROVENANCE_ASSET} or ${SIGSTORE_PROVENANCE_ASSET} in its release), and signatures are required.`,
    );
  if (!useKeyless && policy.publicKeys.length === 0)
    throw new SignatureError(
      `${prefix} is signed with a key (${PROVENANCE_ASSET}), and no trusted public key is configured (registry.signing.public_key, the public-key input or --public-key).`,
    );
  const what = `${prefix} ${useKeyless ? SIGSTORE_PROVENANCE_ASSET : PROVENANCE_ASSET}`;
  const opened = await openSigned(text, useKeyless, what, policy, openBundle);
  const { statement } = opened;
  if (statement.predicateType !== SLSA_PROVENANCE_V1)
    throw new SignatureError(
      `${what}: predicate ${statement.predicateType}, expected ${SLSA_PROVENANCE_V1}.`,
    );
  const claims = provenanceClaims(statement);
  if (claims.local) {
    // Registered with `mlops registry register --signing-key` from a checkout: no workflow signed it.
    if (opened.identity)
      throw new SignatureError(
        `${what}: the certificate names the workflow identity ${opened.signer}, but the signed statement says the version was registered from a local checkout.`,
      );
    if (policy.workflow)
      throw new SignatureError(
        `${what}: registered and signed from a local checkout with mlops registry register (no workflow, no run), not by ${policy.workflow}.`,
      );
  }
  if (opened.identity) checkIdentity(opened.identity, policy, what, "the signing certificate");
  checkIdentity(
    { repositoryUrl: claims.repositoryUrl, path: claims.workflowPath, ref: claims.ref },
    policy,
    what,
    "the signed statement",
  );
  if (claims.model !== contents.model || claims.version !== contents.version)
    throw new SignatureError(
      `${what}: the signed statement is for ${claims.model || "?"} v${claims.version || "?"}, not ${contents.model} v${contents.version}: a signature of another version.`,
    );
  const count = checkFiles(
    statement.subject.map((s) => ({ name: s.name, sha256: String(s.digest.sha256 ?? "") })),
    contents,
    what,
  );

  const manifestText = contents.signatures.get(MODEL_SIGNATURE_ASSET);
  const manifestWhat = `${prefix} ${MODEL_SIGNATURE_ASSET}`;
  if (manifestText === undefined)
    throw new SignatureError(
      `${manifestWhat} is missing: the OpenSSF model signature is part of a signed version.`,
    );
  const manifest = await openSigned(manifestText, true, manifestWhat, policy, openBundle);
  if (manifest.identity) checkIdentity(manifest.identity, policy, manifestWhat, "the signing certificate");
  if (manifest.statement.predicateType !== MODEL_SIGNING_V1)
    throw new SignatureError(
      `${manifestWhat}: predicate ${manifest.statement.predicateType}, expected ${MODEL_SIGNING_V1}.`,
    );
  const resources = modelSigningResources(manifest.statement);
  if (!resources) throw new SignatureError(`${manifestWhat}: its model digest does not match its resources.`);
  if (manifest.statement.subject[0]?.name !== contents.model)
    throw new SignatureError(
      `${manifestWhat}: signs the model ${manifest.statement.subject[0]?.name ?? "?"}, not ${contents.model}.`,
    );
  checkFiles(resources, contents, manifestWhat);
  return {
    signer: claims.local ? `${opened.signer} (from a local checkout, no workflow)` : opened.signer,
    ...(opened.witness ? { witness: opened.witness } : {}),
    ref: claims.ref,
    commit: claims.commit,
    files: count,
  };
}
