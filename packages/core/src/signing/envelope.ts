/** Signing a statement into a DSSE envelope and a Sigstore bundle, and opening one with a public key. */
import type { KeyObject } from "node:crypto";
import { SignatureError } from "../errors.js";
import { type DsseEnvelope, decodeBase64, IN_TOTO_PAYLOAD_TYPE, pae } from "./dsse.js";
import { type DsseSigner, keyIdOf, verifyWithKey } from "./keys.js";
import { IN_TOTO_STATEMENT_V1, type InTotoStatement } from "./statements.js";

/** Sigstore bundle media type v0.3 (sigstore/protobuf-specs `sigstore_bundle.proto`). */
export const SIGSTORE_BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** A Sigstore bundle holding a DSSE envelope (the fields this toolkit reads; others are kept as they are). */
export interface SigstoreBundle {
  mediaType: string;
  verificationMaterial: {
    publicKey?: { hint: string };
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: Array<{ rawBytes: string }> };
    tlogEntries?: unknown[];
    timestampVerificationData?: unknown;
  };
  dsseEnvelope: DsseEnvelope;
}

/** The statement serialised and signed: `payload` is the statement's JSON, the signature over its PAE. */
export function signStatement(statement: InTotoStatement, signer: DsseSigner): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(statement), "utf8");
  const sig = signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload));
  return {
    payload: payload.toString("base64"),
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    signatures: [{ keyid: signer.keyid, sig: sig.toString("base64") }],
  };
}

/**
 * The bundle the OpenSSF model-signing `ec_key` signer writes (`model.sig`): the envelope, and as
 * verification material the public key's hint (sha256 hex of its SPKI PEM), no transparency-log entry.
 */
export function keyBundle(envelope: DsseEnvelope, signer: DsseSigner): SigstoreBundle {
  return {
    mediaType: SIGSTORE_BUNDLE_V03,
    verificationMaterial: { publicKey: { hint: signer.keyid.replace(/^sha256:/, "") }, tlogEntries: [] },
    dsseEnvelope: envelope,
  };
}

/** The statement inside an envelope whose signature was already checked (type and shape checked here). */
export function statementOf(envelope: DsseEnvelope, what: string): InTotoStatement {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new SignatureError(
      `${what}: payload type ${envelope.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}.`,
    );
  let statement: InTotoStatement;
  try {
    statement = JSON.parse(decodeBase64(envelope.payload).toString("utf8")) as InTotoStatement;
  } catch {
    throw new SignatureError(`${what}: the signed payload is not JSON.`);
  }
  const subjectsOk =
    Array.isArray(statement?.subject) &&
    statement.subject.every(
      (s) => typeof s?.name === "string" && s.digest !== null && typeof s.digest === "object",
    );
  if (
    statement?._type !== IN_TOTO_STATEMENT_V1 ||
    !subjectsOk ||
    typeof statement.predicateType !== "string" ||
    statement.predicate === null ||
    typeof statement.predicate !== "object"
  )
    throw new SignatureError(`${what}: the signed payload is not an in-toto Statement v1.`);
  return statement;
}

/**
 * Opens an envelope signed by one of `keys`: a signature (any of them) must verify over the PAE;
 * otherwise a SignatureError naming the keys that were tried.
 */
export function openWithKeys(envelope: DsseEnvelope, keys: KeyObject[], what: string): InTotoStatement {
  const data = pae(envelope.payloadType, decodeBase64(envelope.payload));
  const verified = envelope.signatures.some((s) =>
    keys.some((key) => verifyWithKey(key, data, decodeBase64(s.sig))),
  );
  if (!verified) {
    const tried = keys.map((k) => keyIdOf(k).slice(0, 19)).join(", ");
    throw new SignatureError(
      `${what}: the signature does not verify with the trusted public key${keys.length > 1 ? "s" : ""} (${tried}…): signed with another key, or the statement was changed.`,
    );
  }
  return statementOf(envelope, what);
}
