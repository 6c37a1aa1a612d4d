/**
 * The Sigstore stand-ins' key material and services: one Fulcio CA (with a CT log, so certificates carry an
 * embedded SCT as public-good Fulcio's do), one Rekor transparency log and one RFC 3161 timestamp authority.
 * The services are Sigstore's own mock components (`@sigstore/mock`, Apache-2.0, the package sigstore-js
 * tests itself with); the emulator only keeps their keys and certificates in the store (`extra.sigstore`) so
 * a bundle signed before a restart of a `stateDir` emulator still verifies against the trusted root after it.
 *
 * `@sigstore/mock`'s index imports `nock`, which overrides Node's HTTP globals on import ("We always activate
 * Nock on import", nock/index.js); the emulator imports the components' own modules instead.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { type CA, initializeCA } from "@sigstore/mock/dist/fulcio/ca.js";
import { type CTLog, initializeCTLog } from "@sigstore/mock/dist/fulcio/ctlog.js";
import { initializeTLog, type TLog } from "@sigstore/mock/dist/rekor/tlog.js";
import { initializeTSA, type TSA } from "@sigstore/mock/dist/timestamp/tsa.js";
import type { Store } from "../state/store.js";

const SLOT = "sigstore";

interface KeySlot {
  privatePem: string;
}

/** What the store keeps (JSON): keys as PKCS#8 PEM, certificates as base64 DER. */
interface SigstoreSlot {
  /** When the keys were made (RFC 3339, whole seconds): the trusted root's `validFor.start`. */
  created: string;
  ca: KeySlot & { rootDer?: string };
  ctlog: KeySlot;
  tlog: KeySlot;
  tsa: KeySlot & { rootDer?: string; intDer?: string };
}

export interface SigstoreServices {
  ca: CA;
  ctlog: CTLog;
  tlog: TLog;
  tsa: TSA;
  /** DER of the CA's self-signed root (the one every leaf chains to, stable across restarts). */
  caRoot: Buffer;
  /** DER of the TSA's signing (intermediate) and root certificates. */
  tsaChain: { intermediate: Buffer; root: Buffer };
  /** SubjectPublicKeyInfo DER of the Rekor and CT log keys. */
  tlogKey: Buffer;
  ctlogKey: Buffer;
  created: string;
}

/** A copy of the bytes of an `ArrayBufferView` (what the mock components hand out). */
export const bytesOf = (view: ArrayBufferView): Buffer =>
  Buffer.from(Buffer.from(view.buffer, view.byteOffset, view.byteLength));

function newKey(): KeySlot {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

function slotOf(store: Store): SigstoreSlot {
  let slot = store.data.extra[SLOT] as SigstoreSlot | undefined;
  if (!slot) {
    slot = {
      created: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z"),
      ca: newKey(),
      ctlog: newKey(),
      tlog: newKey(),
      tsa: newKey(),
    };
    store.data.extra[SLOT] = slot;
  }
  return slot;
}

function pair(slot: KeySlot): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey(slot.privatePem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * Puts the stored TSA certificates back into the mock TSA (which makes new ones, with new validity dates,
 * each time it is initialised): its timestamps name the signing certificate by hash (ESSCertIDv2), so they
 * must keep naming the one the trusted root lists.
 */
function restoreTsaCertificates(tsa: TSA, rootDer: Buffer, intDer: Buffer): void {
  type PkiCertificate = { constructor: { fromBER(data: ArrayBuffer | Buffer): unknown } };
  const impl = tsa as unknown as { rootCert: PkiCertificate; intCert: PkiCertificate };
  impl.rootCert = impl.rootCert.constructor.fromBER(rootDer) as PkiCertificate;
  impl.intCert = impl.intCert.constructor.fromBER(intDer) as PkiCertificate;
  if (!bytesOf(tsa.intCertificate).equals(intDer) || !bytesOf(tsa.rootCertificate).equals(rootDer))
    throw new Error("Sigstore stand-ins: could not restore the stored TSA certificates into @sigstore/mock");
}

/**
 * The mock TSA writes `genTime` with milliseconds, which asn1js encodes DER-style without trailing zeros
 * (`.12Z`); `@sigstore/core` 2 only parses three digits (`RE_TIME_LONG_YEAR`, `(\.\d{3})?Z`), so about one
 * timestamp in ten would not verify. The emulator's TSA stamps whole seconds (within its stated 1 s accuracy).
 */
function wholeSecondClock(tsa: TSA): void {
  const impl = tsa as unknown as { getCurrentTime?: () => Date };
  if (typeof impl.getCurrentTime !== "function")
    throw new Error("Sigstore stand-ins: @sigstore/mock's TSA has no getCurrentTime to adjust");
  impl.getCurrentTime = () => new Date(Math.floor(Date.now() / 1000) * 1000);
}

async function initialize(store: Store, rekorUrl: string): Promise<SigstoreServices> {
  const slot = slotOf(store);
  const ctlog = await initializeCTLog(pair(slot.ctlog));
  const ca = await initializeCA(pair(slot.ca), ctlog);
  const tlog = await initializeTLog(rekorUrl, pair(slot.tlog));
  const tsa = await initializeTSA(pair(slot.tsa));
  wholeSecondClock(tsa);
  slot.ca.rootDer ??= bytesOf(ca.rootCertificate).toString("base64");
  if (slot.tsa.rootDer && slot.tsa.intDer)
    restoreTsaCertificates(
      tsa,
      Buffer.from(slot.tsa.rootDer, "base64"),
      Buffer.from(slot.tsa.intDer, "base64"),
    );
  else {
    slot.tsa.rootDer = bytesOf(tsa.rootCertificate).toString("base64");
    slot.tsa.intDer = bytesOf(tsa.intCertificate).toString("base64");
  }
  store.persist();
  const spki = (key: KeySlot) =>
    createPublicKey(createPrivateKey(key.privatePem)).export({ type: "spki", format: "der" });
  return {
    ca,
    ctlog,
    tlog,
    tsa,
    caRoot: Buffer.from(slot.ca.rootDer, "base64"),
    tsaChain: {
      intermediate: Buffer.from(slot.tsa.intDer ?? "", "base64"),
      root: Buffer.from(slot.tsa.rootDer ?? "", "base64"),
    },
    tlogKey: spki(slot.tlog),
    ctlogKey: spki(slot.ctlog),
    created: slot.created,
  };
}

const services = new WeakMap<Store, Promise<SigstoreServices>>();

/** The store's Sigstore services, made on first use (the Rekor URL names the log in its checkpoints). */
export function sigstoreServices(store: Store, rekorUrl: string): Promise<SigstoreServices> {
  let made = services.get(store);
  if (!made) {
    made = initialize(store, rekorUrl);
    services.set(store, made);
  }
  return made;
}
