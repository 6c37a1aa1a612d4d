/**
 * The stand-ins' trust root as a Sigstore `TrustedRoot` (protobuf-specs
 * `dev.sigstore.trustroot.v1.TrustedRoot`, media type `application/vnd.dev.sigstore.trustedroot+json;version=0.1`,
 * in protobuf's JSON mapping: base64 bytes, RFC 3339 times, enum names), the document
 * `@sigstore/verify`'s `toTrustMaterial(TrustedRoot.fromJSON(json))` takes. It names:
 * - `certificateAuthorities`: the CA's root certificate, `uri` = this Fulcio;
 * - `tlogs`: the Rekor key, `logId.keyId` = sha256 of its DER SubjectPublicKeyInfo (Rekor's log id);
 * - `ctlogs`: the CT log the CA submits pre-certificates to (its SCTs are embedded in every leaf);
 * - `timestampAuthorities`: the TSA's chain, signing certificate first.
 * Each is valid from the moment the emulator's store made its keys.
 */
import { createHash } from "node:crypto";
import type { SigstoreServices } from "./services.js";

export const TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

export interface SigstoreUrls {
  fulcio: string;
  rekor: string;
  tsa: string;
  /** The CT log's name in the trusted root (not served: the CA submits to it in-process). */
  ctlog: string;
}

const b64 = (data: Buffer) => data.toString("base64");

export function trustedRoot(services: SigstoreServices, urls: SigstoreUrls): Record<string, unknown> {
  const validFor = { start: services.created };
  const log = (baseUrl: string, key: Buffer) => ({
    baseUrl,
    hashAlgorithm: "SHA2_256",
    publicKey: { rawBytes: b64(key), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
    logId: { keyId: b64(createHash("sha256").update(key).digest()) },
  });
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [log(urls.rekor, services.tlogKey)],
    certificateAuthorities: [
      {
        subject: { organization: "sigstore.mock", commonName: "sigstore" },
        uri: urls.fulcio,
        certChain: { certificates: [{ rawBytes: b64(services.caRoot) }] },
        validFor,
      },
    ],
    ctlogs: [log(urls.ctlog, services.ctlogKey)],
    timestampAuthorities: [
      {
        subject: { organization: "sigstore.mock", commonName: "tsa" },
        uri: urls.tsa,
        certChain: {
          certificates: [
            { rawBytes: b64(services.tsaChain.intermediate) },
            { rawBytes: b64(services.tsaChain.root) },
          ],
        },
        validFor,
      },
    ],
  };
}
