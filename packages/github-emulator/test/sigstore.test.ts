/**
 * The Sigstore stand-ins driven by Sigstore's own clients: `@sigstore/sign` (FulcioSigner with the ID token
 * of a job that has `id-token: write`, RekorWitness, TSAWitness) signs a DSSE bundle against the emulator,
 * and `@sigstore/verify` verifies it with nothing but the emulator's `trusted_root.json`. The certificate
 * carries what Fulcio's GitHub mapping puts there; bad tokens and bad proofs are refused as Fulcio refuses.
 */
import { createHash, createSign, generateKeyPairSync, sign as signBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bundle } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { RekorWitness, TSAWitness } from "@sigstore/sign";
import { toSignedEntity } from "@sigstore/verify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../src/index.js";
import { useEmulator } from "./helpers.js";
import {
  idToken,
  REPO,
  SHA,
  STATEMENT,
  signingJob,
  signStatement,
  verifier,
  WORKFLOW_REF,
} from "./support/sigstore.js";

const emulator = useEmulator();

/** A DER UTF8String extension value (OIDs 1.3.6.1.4.1.57264.1.8 onwards) or a raw one (1.1–1.6). */
function extensionText(cert: X509Certificate, oid: string): string | undefined {
  const value = cert.extension(oid)?.value;
  if (!value) return undefined;
  if (value[0] !== 0x0c) return value.toString("utf8");
  const long = value[1] === 0x81 ? 1 : value[1] === 0x82 ? 2 : 0;
  return value.subarray(2 + long).toString("utf8");
}

function leafOf(bundle: Bundle): X509Certificate {
  const material = bundle.verificationMaterial.content;
  const raw =
    material.$case === "x509CertificateChain"
      ? material.x509CertificateChain.certificates[0]?.rawBytes
      : material.$case === "certificate"
        ? material.certificate.rawBytes
        : undefined;
  if (!raw) throw new Error(`bundle has no certificate (${material.$case})`);
  return X509Certificate.parse(raw);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Sigstore stand-ins", () => {
  it("signs with a job's ID token through Fulcio and Rekor; @sigstore/verify accepts it with the trusted root", async () => {
    const job = await signingJob(emulator());
    const bundle = await signStatement(
      emulator(),
      () => idToken(job),
      new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl, retry: 0 }),
    );
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(bundle.verificationMaterial.tlogEntries[0]?.kindVersion).toEqual({
      kind: "dsse",
      version: "0.0.1",
    });
    const san = `https://github.localhost/${WORKFLOW_REF}`;
    const issuer = emulator().sigstore.oidcIssuer;
    const strict = await verifier(emulator(), { tlogThreshold: 1, ctlogThreshold: 1 });
    const signer = strict.verify(toSignedEntity(bundle), {
      subjectAlternativeName: san,
      extensions: { issuer },
    });
    expect(signer.identity).toEqual({ subjectAlternativeName: san, extensions: { issuer } });

    // The certificate says what GitHub's Fulcio would (config/identity/config.yaml, docs/oid-info.md).
    const leaf = leafOf(bundle);
    const url = "https://github.localhost";
    const expected: Record<string, string> = {
      "1.3.6.1.4.1.57264.1.1": issuer,
      "1.3.6.1.4.1.57264.1.2": "push",
      "1.3.6.1.4.1.57264.1.3": SHA,
      "1.3.6.1.4.1.57264.1.4": "release",
      "1.3.6.1.4.1.57264.1.5": REPO,
      "1.3.6.1.4.1.57264.1.6": "refs/heads/main",
      "1.3.6.1.4.1.57264.1.8": issuer,
      "1.3.6.1.4.1.57264.1.9": `${url}/${WORKFLOW_REF}`,
      "1.3.6.1.4.1.57264.1.10": SHA,
      "1.3.6.1.4.1.57264.1.11": "self-hosted",
      "1.3.6.1.4.1.57264.1.12": `${url}/${REPO}`,
      "1.3.6.1.4.1.57264.1.13": SHA,
      "1.3.6.1.4.1.57264.1.14": "refs/heads/main",
      "1.3.6.1.4.1.57264.1.16": `${url}/acme`,
      "1.3.6.1.4.1.57264.1.18": `${url}/${WORKFLOW_REF}`,
      "1.3.6.1.4.1.57264.1.19": SHA,
      "1.3.6.1.4.1.57264.1.20": "push",
      "1.3.6.1.4.1.57264.1.21": `${url}/${REPO}/actions/runs/${job.runId}/attempts/1`,
      "1.3.6.1.4.1.57264.1.22": "public",
      "1.3.6.1.4.1.57264.1.24": `repo:${REPO}:ref:refs/heads/main`,
    };
    for (const [oid, value] of Object.entries(expected))
      expect([oid, extensionText(leaf, oid)]).toEqual([oid, value]);
    expect(extensionText(leaf, "1.3.6.1.4.1.57264.1.15")).toMatch(/^\d+$/); // repository id
    expect(extensionText(leaf, "1.3.6.1.4.1.57264.1.17")).toMatch(/^\d+$/); // owner id
    expect(leaf.extension("1.3.6.1.4.1.57264.1.23")).toBeUndefined(); // no environment → left out
    expect(leaf.extSCT?.signedCertificateTimestamps).toHaveLength(1);

    // Another identity is refused by the same verifier.
    expect(() =>
      strict.verify(toSignedEntity(bundle), {
        subjectAlternativeName: `https://github.localhost/acme/other/.github/workflows/release.yml@refs/heads/main`,
      }),
    ).toThrow(/certificate identity error/);
  });

  it("timestamps with the TSA instead of Rekor (GitHub's instance: no transparency log)", async () => {
    const job = await signingJob(emulator(), "production");
    // At an instant whose milliseconds end in 0 (…:07.120): a genTime written as `.12Z` would not parse.
    vi.useFakeTimers({ toFake: ["Date"], now: Math.floor(Date.now() / 1000) * 1000 + 120 });
    const bundle = await signStatement(
      emulator(),
      () => idToken(job),
      new TSAWitness({ tsaBaseURL: emulator().sigstore.tsaUrl, retry: 0 }),
    );
    vi.useRealTimers();
    expect(bundle.verificationMaterial.tlogEntries).toEqual([]);
    // timestamp-authority answers 200 by default (the mock's handler says 201).
    const stamps = emulator().requestLog.filter((entry) => entry.path === "/_sigstore/tsa/api/v1/timestamp");
    expect(stamps.at(-1)?.status).toBe(200);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    const tsaOnly = await verifier(emulator(), { tlogThreshold: 0, ctlogThreshold: 1, tsaThreshold: 1 });
    tsaOnly.verify(toSignedEntity(bundle), {
      subjectAlternativeName: `https://github.localhost/${WORKFLOW_REF}`,
    });
    // A verifier that insists on a transparency log entry refuses it.
    const strict = await verifier(emulator(), { tlogThreshold: 1, ctlogThreshold: 1 });
    expect(() => strict.verify(toSignedEntity(bundle))).toThrow(/tlog|timestamp/i);
    expect(extensionText(leafOf(bundle), "1.3.6.1.4.1.57264.1.23")).toBe("production");
  });

  it("a tampered statement fails verification", async () => {
    const job = await signingJob(emulator());
    const bundle = await signStatement(
      emulator(),
      () => idToken(job),
      new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl, retry: 0 }),
    );
    if (bundle.content.$case !== "dsseEnvelope") throw new Error("not a DSSE bundle");
    bundle.content.dsseEnvelope.payload = Buffer.from(
      STATEMENT.toString().replace("model.onnx", "evil.onnx"),
    );
    const strict = await verifier(emulator(), { tlogThreshold: 1, ctlogThreshold: 1 });
    expect(() => strict.verify(toSignedEntity(bundle))).toThrow(/signature|digest|mismatch/i);
  });
});

/** POSTs a Fulcio request with a fresh P-256 key and a correct proof of possession over `sub`. */
async function fulcioRequest(target: Emulator, token: string, proofOver?: string) {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const sub =
    proofOver ?? (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).sub as string);
  const response = await fetch(`${target.sigstore.fulcioUrl}/api/v2/signingCert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: {
        publicKey: { algorithm: "ECDSA", content: publicKey.export({ type: "spki", format: "pem" }) },
        proofOfPossession: signBytes("sha256", Buffer.from(sub), privateKey).toString("base64"),
      },
    }),
  });
  return {
    status: response.status,
    detail: response.headers.get("x-emulator-detail"),
    json: await response.json(),
  };
}

/** The token's claims signed by another RSA key under the same `kid`. */
function resignedElsewhere(token: string): string {
  const [head = "", body = ""] = token.split(".");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signature = createSign("RSA-SHA256").update(`${head}.${body}`).sign(privateKey);
  return `${head}.${body}.${signature.toString("base64url")}`;
}

describe("Fulcio stand-in refusals", () => {
  const invalidToken = { code: 3, message: "There was an error processing the identity token", details: [] };

  it("issues for a good token (the baseline of the refusals below)", async () => {
    const job = await signingJob(emulator());
    const ok = await fulcioRequest(emulator(), await idToken(job));
    expect(ok.status).toBe(200); // fulcio.swagger.json: 200 (the legacy v1 route answers 201)
    const chain = (ok.json as { signedCertificateEmbeddedSct: { chain: { certificates: string[] } } })
      .signedCertificateEmbeddedSct.chain.certificates;
    expect(chain).toHaveLength(2);
    expect(X509Certificate.parse(chain[0] ?? "").subjectAltName).toBe(
      `https://github.localhost/${WORKFLOW_REF}`,
    );
  });

  it("refuses an expired token, and the signing client fails", async () => {
    const job = await signingJob(emulator());
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - 3600_000 });
    const stale = await idToken(job);
    vi.useRealTimers();
    const refused = await fulcioRequest(emulator(), stale);
    expect(refused).toMatchObject({ status: 400, json: invalidToken, detail: "token is expired" });
    await expect(
      signStatement(
        emulator(),
        async () => stale,
        new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl }),
      ),
    ).rejects.toThrow(/signing certificate/);
  });

  it("refuses a token signed by another key", async () => {
    const job = await signingJob(emulator());
    const forged = resignedElsewhere(await idToken(job));
    expect(await fulcioRequest(emulator(), forged)).toMatchObject({
      status: 400,
      json: invalidToken,
      detail: expect.stringMatching(/signature/),
    });
    await expect(
      signStatement(
        emulator(),
        async () => forged,
        new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl }),
      ),
    ).rejects.toThrow(/signing certificate/);
  });

  it("refuses a token for another audience", async () => {
    const job = await signingJob(emulator());
    const other = await idToken(job, "https://github.com/acme");
    expect(await fulcioRequest(emulator(), other)).toMatchObject({
      status: 400,
      json: invalidToken,
      detail: expect.stringMatching(/audience/),
    });
    await expect(
      signStatement(
        emulator(),
        async () => other,
        new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl }),
      ),
    ).rejects.toThrow(/signing certificate/);
  });

  it("refuses a proof of possession over something other than the token's subject", async () => {
    const job = await signingJob(emulator());
    expect(
      await fulcioRequest(emulator(), await idToken(job), "repo:acme/other:ref:refs/heads/main"),
    ).toMatchObject({
      status: 400,
      json: { code: 3, message: "The signature supplied in the request could not be verified" },
    });
  });
});

describe("Rekor stand-in", () => {
  it("logs intoto v0.0.2 entries too (signatures checked, canonical body); @sigstore/verify accepts the bundle", async () => {
    const job = await signingJob(emulator());
    const bundle = await signStatement(
      emulator(),
      () => idToken(job),
      new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl, entryType: "intoto", retry: 0 }),
    );
    const entry = bundle.verificationMaterial.tlogEntries[0];
    expect(entry?.kindVersion).toEqual({ kind: "intoto", version: "0.0.2" });
    const body = JSON.parse(entry?.canonicalizedBody.toString() ?? "{}");
    expect(body.spec.content.envelope.payload).toBeUndefined(); // Rekor drops the payload, keeps its hash
    (await verifier(emulator(), { tlogThreshold: 1, ctlogThreshold: 1 })).verify(toSignedEntity(bundle), {
      subjectAlternativeName: `https://github.localhost/${WORKFLOW_REF}`,
    });
  });

  it("refuses an intoto entry whose signature does not verify", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64");
    const response = await fetch(`${emulator().sigstore.rekorUrl}/api/v1/log/entries`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "0.0.2",
        kind: "intoto",
        spec: {
          content: {
            envelope: {
              payloadType: "application/vnd.in-toto+json",
              payload: b64(b64(STATEMENT)),
              signatures: [
                {
                  sig: b64(b64("not a signature")),
                  publicKey: b64(publicKey.export({ type: "spki", format: "pem" })),
                },
              ],
            },
            hash: { algorithm: "sha256", value: "0".repeat(64) },
            payloadHash: { algorithm: "sha256", value: "0".repeat(64) },
          },
        },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 400,
      message: "error processing entry: all signatures must have a key that verifies it",
    });
  });

  it("refuses a dsse entry whose signature does not verify (Rekor's 400)", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const envelope = JSON.stringify({
      payload: STATEMENT.toString("base64"),
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ sig: Buffer.from("not a signature").toString("base64"), keyid: "" }],
    });
    const response = await fetch(`${emulator().sigstore.rekorUrl}/api/v1/log/entries`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "0.0.1",
        kind: "dsse",
        spec: {
          proposedContent: {
            envelope,
            verifiers: [Buffer.from(publicKey.export({ type: "spki", format: "pem" })).toString("base64")],
          },
        },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 400,
      message: "error processing entry: all signatures must have a key that verifies it",
    });
  });
});

describe("faults on the stand-ins", () => {
  it("a fault rule naming Rekor's path fails the log call; the client's retry gets through a transient 503", async () => {
    const job = await signingJob(emulator());
    const route = "POST /_sigstore/rekor/api/v1/log/entries";
    try {
      emulator().setFaults([{ route, kind: "5xx", status: 503, nth: [1] }]);
      emulator().clearLog();
      const retried = await signStatement(
        emulator(),
        () => idToken(job),
        new RekorWitness({
          rekorBaseURL: emulator().sigstore.rekorUrl,
          retry: { retries: 1, minTimeout: 10 },
        }),
      );
      expect(retried.verificationMaterial.tlogEntries).toHaveLength(1);
      const rekorCalls = emulator()
        .requestLog.filter((entry) => entry.path === "/_sigstore/rekor/api/v1/log/entries")
        .map((entry) => [entry.status, entry.fault ?? null]);
      expect(rekorCalls).toEqual([
        [503, "5xx"],
        [201, null],
      ]);
      emulator().setFaults([{ route, kind: "5xx", status: 503 }]);
      await expect(
        signStatement(
          emulator(),
          () => idToken(job),
          new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl, retry: 0 }),
        ),
      ).rejects.toThrow(/503/);
      // A rule without a route never hits the stand-ins (only GitHub's API).
      emulator().setFaults([{ kind: "5xx" }]);
      const untouched = await fetch(emulator().sigstore.trustedRootUrl);
      expect(untouched.status).toBe(200);
    } finally {
      emulator().setFaults([]);
    }
  });
});

describe("trusted root across restarts", () => {
  it("keeps its keys and certificates in stateDir: a bundle signed before a restart verifies after it", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "emu-sigstore-"));
    try {
      const first = await startEmulator({ stateDir });
      const job = await signingJob(first);
      const bundle = await signStatement(
        first,
        () => idToken(job),
        new RekorWitness({ rekorBaseURL: first.sigstore.rekorUrl, retry: 0 }),
      );
      const stamped = await signStatement(
        first,
        () => idToken(job),
        new TSAWitness({ tsaBaseURL: first.sigstore.tsaUrl, retry: 0 }),
      );
      const before = await first.sigstore.trustedRoot();
      await first.close();
      const second = await startEmulator({ stateDir });
      try {
        const after = await second.sigstore.trustedRoot();
        // Same CA, TSA and log keys (the URLs name the new port).
        const keys = (root: Record<string, unknown>) =>
          JSON.stringify([
            root.certificateAuthorities,
            root.timestampAuthorities,
            root.tlogs,
            root.ctlogs,
          ]).replace(/http:\/\/127\.0\.0\.1:\d+/g, "");
        expect(keys(after)).toBe(keys(before));
        const san = `https://github.localhost/${WORKFLOW_REF}`;
        (await verifier(second, { tlogThreshold: 1, ctlogThreshold: 1 })).verify(toSignedEntity(bundle), {
          subjectAlternativeName: san,
        });
        // The TSA signs after the restart with the certificate the trusted root names (its ESSCertIDv2 hash).
        const laterJob = await signingJob(second);
        const stampedLater = await signStatement(
          second,
          () => idToken(laterJob),
          new TSAWitness({ tsaBaseURL: second.sigstore.tsaUrl, retry: 0 }),
        );
        const tsaCert = (
          after.timestampAuthorities as Array<{ certChain: { certificates: Array<{ rawBytes: string }> } }>
        )[0]?.certChain.certificates[0]?.rawBytes;
        const certHash = createHash("sha256")
          .update(Buffer.from(tsaCert ?? "", "base64"))
          .digest();
        const token =
          stampedLater.verificationMaterial.timestampVerificationData?.rfc3161Timestamps[0]?.signedTimestamp;
        expect(token?.includes(certHash)).toBe(true);
        const tsaOnly = await verifier(second, { tlogThreshold: 0, ctlogThreshold: 1, tsaThreshold: 1 });
        for (const signed of [stamped, stampedLater])
          tsaOnly.verify(toSignedEntity(signed), { subjectAlternativeName: san });
      } finally {
        await second.close();
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
