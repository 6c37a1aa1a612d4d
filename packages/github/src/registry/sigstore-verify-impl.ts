/**
 * The heavy half of keyless verification, loaded by `sigstoreBundleOpener` (sigstore-verify.ts) on the
 * first keyless bundle, so that deploy compiles no Sigstore library at start.
 *
 * Keyless (Sigstore) verification: core's `OpenBundle` port with @sigstore/verify (docs/architecture.md,
 * "Verifying keyless signatures"). A bundle verifies when its DSSE signature verifies with the
 * certificate's key, the certificate chains to a Fulcio CA of the trusted root (and its SCT to a CT log,
 * when the root names CT logs), a Rekor entry (SET or inclusion proof, and its body is this envelope) or
 * an RFC 3161 timestamp of a trusted TSA proves when it was signed, and the certificate was valid then.
 * Who signed (SAN, OIDC issuer) is returned for core's `verifySignedVersion` to check against the policy.
 */
import { readFile } from "node:fs/promises";
import {
  ConfigError,
  type DsseEnvelope,
  type OpenBundle,
  SignatureError,
  type SigstoreBundle,
} from "@mlops/core";
import { bundleFromJSON } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { getTrustedRoot } from "@sigstore/tuf";
import {
  type SignedEntity,
  type TrustMaterial,
  toSignedEntity,
  toTrustMaterial,
  VerificationError,
  Verifier,
} from "@sigstore/verify";
import { type SigstoreOpenerOptions, sigstoreCacheDir } from "./sigstore-verify.js";

/** The media type of a TrustedRoot (sigstore/protobuf-specs `sigstore_trustroot.proto`). */
const TRUSTED_ROOT_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.trustedroot(\.v[0-9.]+)?\+json/;

/**
 * Parses TrustedRoot JSON, or the JSONL `gh attestation trusted-root` prints (one TrustedRoot per line,
 * e.g. public-good and GitHub's): every root is trusted. `source` names the file in errors.
 */
export function parseTrustedRoots(text: string, source: string): TrustedRoot[] {
  const lines = (() => {
    try {
      return [{ value: JSON.parse(text) as unknown, line: 1 }];
    } catch {
      return text.split("\n").flatMap((raw, index) => {
        if (raw.trim() === "") return [];
        try {
          return [{ value: JSON.parse(raw) as unknown, line: index + 1 }];
        } catch {
          throw new ConfigError(
            `${source}, line ${index + 1}: not JSON; expected a Sigstore TrustedRoot (JSON, or one per line as \`gh attestation trusted-root\` prints).`,
          );
        }
      });
    }
  })();
  if (lines.length === 0) throw new ConfigError(`${source}: empty; expected a Sigstore TrustedRoot.`);
  return lines.map(({ value, line }) => {
    const mediaType = (value as { mediaType?: unknown } | null)?.mediaType;
    if (typeof mediaType !== "string" || !TRUSTED_ROOT_MEDIA_TYPE.test(mediaType))
      throw new ConfigError(
        `${source}, line ${line}: mediaType ${JSON.stringify(mediaType ?? null)}, expected a Sigstore TrustedRoot (application/vnd.dev.sigstore.trustedroot+json).`,
      );
    try {
      return TrustedRoot.fromJSON(value);
    } catch (error) {
      throw new ConfigError(
        `${source}, line ${line}: not a valid TrustedRoot (${(error as Error).message}).`,
      );
    }
  });
}

/**
 * Each root as its own trust material: a bundle verifies when one instance vouches for all of it (its CA,
 * its log or TSA, its CT log). Not merged, so GitHub's instance (no CT log) and public-good (SCTs
 * required) in one `gh attestation trusted-root` file each keep their own rules.
 */
function trustOf(roots: TrustedRoot[], source: string): TrustMaterial[] {
  try {
    return roots.map((root) => toTrustMaterial(root));
  } catch (error) {
    throw new ConfigError(`${source}: not a usable TrustedRoot (${(error as Error).message}).`);
  }
}

/** The trusted root of `trust`: its file, else (public-good) Sigstore's TUF repository; github needs a file. */
export async function loadSigstoreTrust(options: SigstoreOpenerOptions): Promise<TrustMaterial[]> {
  const { trust } = options;
  if (trust.trustedRootPath) {
    const source = trust.trustedRootSource ?? trust.trustedRootPath;
    let text: string;
    try {
      text = await readFile(trust.trustedRootPath, "utf8");
    } catch {
      throw new ConfigError(`${source}: no trusted root file at ${trust.trustedRootPath}.`);
    }
    return trustOf(parseTrustedRoots(text, trust.trustedRootPath), trust.trustedRootPath);
  }
  const instance =
    trust.instance ??
    (options.repositoryPrivate
      ? (await options.repositoryPrivate())
        ? "github"
        : "public-good"
      : "public-good");
  if (instance === "github")
    throw new ConfigError(
      `${trust.configName}: ${trust.instance ? "registry.signing.sigstore.instance is github" : "the repository is private, so its versions are signed with GitHub's Sigstore instance (registry.signing.sigstore.instance unset)"}, which has no public trusted root: run \`gh attestation trusted-root > sigstore-trusted-root.jsonl\`, commit it and set registry.signing.sigstore.trusted_root: sigstore-trusted-root.jsonl (or pass trusted-root / --trusted-root).`,
    );
  const cacheDir = options.cacheDir ?? sigstoreCacheDir();
  const fetchRoot =
    options.fetchPublicGoodRoot ?? ((cachePath: string) => getTrustedRoot({ cachePath, retry: 2 }));
  let root: TrustedRoot;
  try {
    root = await fetchRoot(cacheDir);
  } catch (error) {
    throw new SignatureError(
      `Cannot verify keyless signatures: the Sigstore public-good trusted root could not be fetched from its TUF repository (${(error as Error).message}); refusing. Give a trusted root file (registry.signing.sigstore.trusted_root, trusted-root / --trusted-root) to verify offline.`,
    );
  }
  return trustOf([root], "the Sigstore public-good trusted root");
}

/** The leaf certificate of a verified bundle. */
function signerCertificate(bundle: ReturnType<typeof bundleFromJSON>): X509Certificate | undefined {
  const content = bundle.verificationMaterial.content;
  const raw =
    content.$case === "certificate"
      ? content.certificate.rawBytes
      : content.$case === "x509CertificateChain"
        ? content.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  return raw ? X509Certificate.parse(Buffer.from(raw)) : undefined;
}

/**
 * Fulcio's GitHub Actions extensions (sigstore/fulcio docs/oid-info.md), each a DER UTF8String:
 * 1.3.6.1.4.1.57264.1.12 Source Repository URI (the repository the job ran in, from the token's
 * `repository`), .1.14 Source Repository Ref (`ref`), .1.18 Build Config URI (the top-level workflow,
 * `workflow_ref`). The SAN (= .1.9 Build Signer URI, `job_workflow_ref`) names a reusable workflow's
 * own repository when one signed, so who ran it comes from these.
 */
function githubExtensions(cert: X509Certificate | undefined): {
  sourceRepositoryUri?: string;
  sourceRepositoryRef?: string;
  buildConfigUri?: string;
} {
  const text = (oid: string) => {
    const value = cert?.extension(oid)?.valueObj.subs?.[0]?.value.toString("utf8");
    return value ? value : undefined;
  };
  const repository = text("1.3.6.1.4.1.57264.1.12");
  const ref = text("1.3.6.1.4.1.57264.1.14");
  const config = text("1.3.6.1.4.1.57264.1.18");
  return {
    ...(repository ? { sourceRepositoryUri: repository } : {}),
    ...(ref ? { sourceRepositoryRef: ref } : {}),
    ...(config ? { buildConfigUri: config } : {}),
  };
}

/** One line for a @sigstore/verify refusal. */
function refusal(error: unknown, what: string): SignatureError {
  if (!(error instanceof VerificationError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new SignatureError(`${what}: the Sigstore bundle does not verify (${message}).`);
  }
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  const why: Record<string, string> = {
    CERTIFICATE_ERROR: `the signing certificate is not trusted: ${error.message}${cause}; it was not issued by a Fulcio CA of the trusted root, or not valid when it was signed`,
    SIGNATURE_ERROR:
      "the signature does not verify with the signing certificate's key: the statement was changed after signing",
    TLOG_BODY_ERROR: `the transparency-log entry is not this signature (${error.message}): a log entry for another artifact, or the statement was changed`,
    TLOG_INCLUSION_PROMISE_ERROR: `the transparency-log entry's signed timestamp does not verify with a log of the trusted root (${error.message})`,
    TLOG_INCLUSION_PROOF_ERROR: `the transparency-log inclusion proof does not verify (${error.message})`,
    TLOG_MISSING_INCLUSION_ERROR:
      "the transparency-log entry has neither a signed timestamp nor an inclusion proof",
    TIMESTAMP_ERROR: `the signing time is not proven: ${error.message}${cause}`,
  };
  return new SignatureError(`${what}: ${why[error.code] ?? `${error.message}${cause}`}.`);
}

function witnessOf(entity: SignedEntity): string {
  return entity.timestamps
    .map((t) =>
      t.$case === "transparency-log"
        ? `Rekor log index ${t.tlogEntry.logIndex} (${new Date(Number(t.tlogEntry.integratedTime) * 1000).toISOString()})`
        : `RFC 3161 timestamp ${t.timestamp.signingTime.toISOString()}`,
    )
    .join(", ");
}

/**
 * Core's `OpenBundle` for Sigstore bundles, checked against `trust`. The trusted root is loaded on the
 * first keyless bundle only (a key-signed version never needs it, nor the network).
 */
export function sigstoreBundleOpenerNow(options: SigstoreOpenerOptions): OpenBundle {
  let trust: Promise<TrustMaterial[]> | undefined;
  return async (bundle: SigstoreBundle, what: string) => {
    trust ??= loadSigstoreTrust(options);
    // A failed load is not cached: the next bundle says the same thing again.
    const materials = await trust.catch((error: unknown) => {
      trust = undefined;
      throw error;
    });
    let parsed: ReturnType<typeof bundleFromJSON>;
    try {
      parsed = bundleFromJSON(bundle);
    } catch (error) {
      throw new SignatureError(`${what} is not a valid Sigstore bundle: ${(error as Error).message}.`);
    }
    if (parsed.content.$case !== "dsseEnvelope")
      throw new SignatureError(
        `${what}: a Sigstore bundle of a message signature, expected a DSSE envelope.`,
      );
    const entity = toSignedEntity(parsed);
    if (entity.timestamps.length === 0)
      throw new SignatureError(
        `${what}: the Sigstore bundle has no transparency-log entry and no RFC 3161 timestamp: nothing proves when it was signed, so its short-lived certificate cannot be checked.`,
      );
    // Every log entry and timestamp present is verified; one of either kind suffices (Rekor for
    // public-good, a TSA for GitHub's instance). SCTs are required when the root names CT logs.
    let signer: ReturnType<Verifier["verify"]> | undefined;
    const errors: unknown[] = [];
    for (const material of materials) {
      const verifier = new Verifier(material, {
        tlogThreshold: 0,
        tsaThreshold: 0,
        ctlogThreshold: material.ctlogs.length > 0 ? 1 : 0,
      });
      try {
        signer = verifier.verify(entity);
        break;
      } catch (error) {
        errors.push(error);
      }
    }
    if (!signer) {
      // Several roots: the refusal of the one that knew the certificate's CA says why, if any did.
      const chainFailure = (e: unknown) =>
        e instanceof VerificationError &&
        e.code === "CERTIFICATE_ERROR" &&
        /certificate chain/.test(e.message);
      throw refusal(errors.find((e) => !chainFailure(e)) ?? errors[0], what);
    }
    const leaf = signerCertificate(parsed);
    const dsse = parsed.content.dsseEnvelope;
    // The envelope as verified (decoded by the bundle parser), not the JSON's text, goes to core.
    const envelope: DsseEnvelope = {
      payload: Buffer.from(dsse.payload).toString("base64"),
      payloadType: dsse.payloadType,
      signatures: dsse.signatures.map((s) => ({
        ...(s.keyid ? { keyid: s.keyid } : {}),
        sig: Buffer.from(s.sig).toString("base64"),
      })),
    };
    return {
      envelope,
      identity: {
        subjectAlternativeName: signer.identity?.subjectAlternativeName ?? "",
        issuer: signer.identity?.extensions?.issuer ?? "",
        ...githubExtensions(leaf),
      },
      witness: witnessOf(entity),
    };
  };
}
