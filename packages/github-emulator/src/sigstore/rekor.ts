/**
 * Rekor v1's `POST /api/v1/log/entries`, entries logged by `@sigstore/mock`'s transparency log (signed entry
 * timestamp, inclusion proof and checkpoint signed by the log's key). The mock logs the proposed entry as it
 * is; real Rekor first turns a `dsse` proposal into its canonical form and refuses one whose signatures do
 * not verify (sigstore/rekor pkg/types/dsse/v0.0.1/entry.go `Unmarshal` + `Canonicalize`: `envelopeHash`,
 * `payloadHash`, `signatures: [{signature, verifier}]`, no envelope), and verifiers check a bundle's `dsse`
 * entry against that form. The emulator does the same before handing the entry to the mock. Refusals are
 * Rekor's 400 `{"code": 400, "message": "error processing entry: …"}` (pkg/api/error.go `validationError`).
 * `intoto` v0.0.2 proposals are verified and canonicalised the same way (`canonicalIntoto`). `hashedrekord`
 * proposals are logged as the mock logs them, their signature unchecked: it signs a digest, and Node's crypto
 * has no pre-hashed ECDSA verify.
 */
import { createHash, createPublicKey, type KeyObject, verify, X509Certificate } from "node:crypto";
import { rekorHandler } from "@sigstore/mock/dist/rekor/handler.js";
import type { TLog } from "@sigstore/mock/dist/rekor/tlog.js";

export interface RekorReply {
  status: number;
  body: string;
}

const refuse = (reason: string): RekorReply => ({
  status: 400,
  body: JSON.stringify({ code: 400, message: `error processing entry: ${reason}` }),
});

/** DSSE's pre-authentication encoding (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md). */
function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** A verifier (base64 of a PEM certificate or public key) → its key and Rekor's canonical PEM. */
function parseVerifier(encoded: unknown): { key: KeyObject; canonical: string } {
  if (typeof encoded !== "string")
    throw new Error("an invalid null verifier was provided in ProposedContent");
  const pem = Buffer.from(encoded, "base64").toString("utf8");
  if (pem.includes("BEGIN CERTIFICATE")) {
    const certificate = new X509Certificate(pem);
    return { key: certificate.publicKey, canonical: certificate.toString() };
  }
  const key = createPublicKey(pem);
  return { key, canonical: key.export({ type: "spki", format: "pem" }).toString() };
}

interface Envelope {
  payload?: unknown;
  payloadType?: unknown;
  signatures?: Array<{ sig?: unknown; keyid?: unknown }>;
}

/** A proposed `dsse` v0.0.1 entry → Rekor's canonical entry (or why it is refused). */
export function canonicalDsse(proposed: Record<string, unknown>): Record<string, unknown> | string {
  const spec = proposed.spec as
    | { proposedContent?: { envelope?: unknown; verifiers?: unknown }; signatures?: unknown }
    | undefined;
  const content = spec?.proposedContent;
  if (!content) return "either proposedContent or envelopeHash, payloadHash, and signatures must be present";
  if (typeof content.envelope !== "string") return "proposed content envelope is missing";
  let envelope: Envelope;
  try {
    envelope = JSON.parse(content.envelope) as Envelope;
  } catch (error) {
    return (error as Error).message;
  }
  const signatures = Array.isArray(envelope.signatures) ? envelope.signatures : [];
  if (signatures.length === 0) return "DSSE envelope must contain 1 or more signatures";
  if (typeof envelope.payload !== "string" || typeof envelope.payloadType !== "string")
    return "DSSE envelope has no payload or payloadType";
  const payload = Buffer.from(envelope.payload, "base64");
  const message = pae(envelope.payloadType, payload);
  let verifiers: Array<{ key: KeyObject; canonical: string }>;
  try {
    verifiers = (Array.isArray(content.verifiers) ? content.verifiers : []).map(parseVerifier);
  } catch (error) {
    return `could not parse public key as x509: ${(error as Error).message}`;
  }
  const verified: Array<{ signature: string; verifier: string }> = [];
  for (const { sig } of signatures) {
    const signature = typeof sig === "string" ? sig : "";
    const by = verifiers.find((v) => {
      try {
        return verify("sha256", message, v.key, Buffer.from(signature, "base64"));
      } catch {
        return false;
      }
    });
    if (!by) return "all signatures must have a key that verifies it";
    verified.push({ signature, verifier: Buffer.from(by.canonical).toString("base64") });
  }
  verified.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
  return {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: sha256(content.envelope) },
      payloadHash: { algorithm: "sha256", value: sha256(payload) },
      signatures: verified,
    },
  };
}

/**
 * A proposed `intoto` v0.0.2 entry → Rekor's canonical entry (rekor pkg/types/intoto/v0.0.2/entry.go
 * `Unmarshal`: every signature verified by its own `publicKey`, `payloadHash` computed from the payload;
 * `Canonicalize`: the envelope without its payload, `hash`, `payloadHash`). Payload, signatures and keys are
 * base64 of what the DSSE envelope holds (Rekor's `strfmt.Base64` fields).
 */
export function canonicalIntoto(proposed: Record<string, unknown>): Record<string, unknown> | string {
  const content = (proposed.spec as { content?: Record<string, unknown> } | undefined)?.content;
  const envelope = content?.envelope as
    | { payload?: unknown; payloadType?: unknown; signatures?: Array<Record<string, unknown>> }
    | undefined;
  if (!content || !envelope) return "missing content or envelope in intoto v0.0.2 entry";
  if (typeof envelope.payloadType !== "string") return "missing payload type in intoto v0.0.2 entry";
  const unwrap = (value: unknown) =>
    Buffer.from(typeof value === "string" ? value : "", "base64").toString("utf8");
  const payload = Buffer.from(unwrap(envelope.payload), "base64");
  const message = pae(envelope.payloadType, payload);
  const signatures = Array.isArray(envelope.signatures) ? envelope.signatures : [];
  if (signatures.length === 0) return "missing signatures";
  for (const signature of signatures) {
    let verified = false;
    try {
      const { key } = parseVerifier(signature.publicKey);
      verified = verify("sha256", message, key, Buffer.from(unwrap(signature.sig), "base64"));
    } catch {
      verified = false;
    }
    if (!verified) return "all signatures must have a key that verifies it";
  }
  const hash = content.hash as { algorithm?: unknown; value?: unknown } | undefined;
  if (!hash || typeof hash.value !== "string") return "missing envelope digest";
  return {
    apiVersion: "0.0.2",
    kind: "intoto",
    spec: {
      content: {
        envelope: { payloadType: envelope.payloadType, signatures },
        hash,
        payloadHash: { algorithm: "sha256", value: createHash("sha256").update(payload).digest("hex") },
      },
    },
  };
}

/** Handles one `log/entries` request body. */
export async function createLogEntry(tlog: TLog, bodyText: string): Promise<RekorReply> {
  let proposed: Record<string, unknown>;
  try {
    proposed = JSON.parse(bodyText) as Record<string, unknown>;
    if (typeof proposed !== "object" || proposed === null || Array.isArray(proposed)) throw new Error();
  } catch {
    return refuse("the request body is not a JSON object");
  }
  let entry: Record<string, unknown> = proposed;
  if (proposed.kind === "dsse") {
    if (proposed.apiVersion !== "0.0.1")
      return refuse(`unsupported dsse apiVersion ${String(proposed.apiVersion)}`);
    const canonical = canonicalDsse(proposed);
    if (typeof canonical === "string") return refuse(canonical);
    entry = canonical;
  } else if (proposed.kind === "intoto") {
    if (proposed.apiVersion !== "0.0.2")
      return refuse(`unsupported intoto apiVersion ${String(proposed.apiVersion)}`);
    const canonical = canonicalIntoto(proposed);
    if (typeof canonical === "string") return refuse(canonical);
    entry = canonical;
  } else if (proposed.kind !== "hashedrekord")
    return refuse(`unsupported entry kind ${String(proposed.kind)}`);
  const reply = await rekorHandler(tlog).fn(JSON.stringify(entry));
  if (reply.statusCode >= 300) return refuse(String(reply.response));
  return { status: reply.statusCode, body: String(reply.response) };
}
