/**
 * DSSE (Dead Simple Signing Envelope) v1, exactly as the spec defines it
 * (https://github.com/secure-systems-lab/dsse/blob/v1.0.0/protocol.md and envelope.md): the signature is
 * over PAE(payloadType, payload), never over the bare payload, so a payload cannot be replayed as
 * another type.
 */
import { SignatureError } from "../errors.js";

/** The payload type of an in-toto statement (in-toto attestation framework, spec v1 envelope.md). */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** The JSON envelope (envelope.md): base64 payload, its type, one or more signatures. */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: Array<{ keyid?: string; sig: string }>;
}

/**
 * Pre-Authentication Encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN being the
 * byte length as ASCII decimal without leading zeros (protocol.md).
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "ascii"),
    type,
    Buffer.from(` ${payload.length} `, "ascii"),
    Buffer.from(payload),
  ]);
}

/** Parses an envelope (`what` names the file in the error); a SignatureError when it is not one. */
export function parseDsseEnvelope(value: unknown, what: string): DsseEnvelope {
  const envelope = value as Partial<DsseEnvelope> | null;
  const ok =
    envelope !== null &&
    typeof envelope === "object" &&
    typeof envelope.payload === "string" &&
    typeof envelope.payloadType === "string" &&
    Array.isArray(envelope.signatures) &&
    envelope.signatures.every((s) => s !== null && typeof s === "object" && typeof s.sig === "string");
  if (!ok) throw new SignatureError(`${what} is not a DSSE envelope (payload, payloadType, signatures).`);
  return envelope as DsseEnvelope;
}

/** Standard or URL-safe base64 (the envelope spec accepts either) → bytes. */
export function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}
