/**
 * Key-based signing with Node's crypto: ECDSA P-256 (SHA-256, DER signatures, as sigstore and the OpenSSF
 * model-signing `ec_key` signer use) or Ed25519. A key is given as PEM text (a secret for the private key,
 * a committed file or input for the public key).
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { InputError } from "../errors.js";

/** What signs a DSSE PAE: a key here; Sigstore's keyless signer lives in the GitHub adapter. */
export interface DsseSigner {
  /** `sha256:<hex>` of the public key (SPKI PEM): the DSSE `keyid` and the bundle's public-key hint. */
  keyid: string;
  /** The public key (SPKI PEM), for the bundle's verification material. */
  publicKeyPem: string;
  sign(data: Buffer): Buffer;
}

function checkAlgorithm(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType === "ed25519") return;
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return;
  const kind =
    key.asymmetricKeyType === "ec"
      ? `an EC key on ${key.asymmetricKeyDetails?.namedCurve ?? "an unknown curve"}`
      : `a ${key.asymmetricKeyType ?? "symmetric"} key`;
  throw new InputError(`${what}: ${kind}; use an ECDSA P-256 or an Ed25519 key.`);
}

/** The PEM of a key's public half (SPKI), normalised. */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: "spki", format: "pem" }).toString();
}

/** `sha256:<hex>` of the SPKI PEM (the OpenSSF model-signing `publicKey.hint` is the same hex). */
export function keyIdOf(key: KeyObject): string {
  return `sha256:${createHash("sha256").update(publicKeyPem(key)).digest("hex")}`;
}

/** Reads a PEM private key (`what` names where it came from); InputError when it is not a usable one. */
export function parsePrivateKey(pem: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem.trim().replace(/\\n/g, "\n"), format: "pem" });
  } catch {
    throw new InputError(
      `${what}: not a PEM private key (expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN EC PRIVATE KEY-----").`,
    );
  }
  checkAlgorithm(key, what);
  return key;
}

/** Reads a PEM public key (a private key is refused: it must not be committed or passed around). */
export function parsePublicKey(pem: string, what: string): KeyObject {
  if (/PRIVATE KEY-----/.test(pem))
    throw new InputError(`${what}: this is a private key; give the public key (openssl pkey -pubout).`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem.trim().replace(/\\n/g, "\n"), format: "pem" });
  } catch {
    throw new InputError(`${what}: not a PEM public key (expected "-----BEGIN PUBLIC KEY-----").`);
  }
  checkAlgorithm(key, what);
  return key;
}

/** Node's digest argument for a key: SHA-256 for ECDSA P-256, none (built into the scheme) for Ed25519. */
function digestOf(key: KeyObject): string | null {
  return key.asymmetricKeyType === "ed25519" ? null : "sha256";
}

/** A signer over a private key. */
export function keySigner(privateKey: KeyObject): DsseSigner {
  const publicKey = createPublicKey(privateKey);
  return {
    keyid: keyIdOf(publicKey),
    publicKeyPem: publicKeyPem(publicKey),
    sign: (data) => sign(digestOf(privateKey), data, privateKey),
  };
}

/** True when `signature` is `key`'s signature of `data` (a malformed signature is simply false). */
export function verifyWithKey(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(digestOf(key), data, key, signature);
  } catch {
    return false;
  }
}
