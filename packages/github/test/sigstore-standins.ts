// TEMPORARY: in-process Fulcio/Rekor/TSA (Sigstore's own @sigstore/mock, resolved through the emulator's
// dependency) serving the emulator contract's paths, until the emulator's stand-ins are on main.
import { createHash, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

export async function startScratchSigstore() {
  const require = createRequire(createRequire(import.meta.url).resolve("@mlops/github-emulator"));
  // biome-ignore lint/suspicious/noExplicitAny: untyped through createRequire
  const mock = require("@sigstore/mock") as any;
  const pair = () => generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const ca = await mock.initializeCA(pair());
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tlog = await mock.initializeTLog(`${base}/_sigstore/rekor`, pair());
  const tsa = await mock.initializeTSA(pair());
  const rekor = mock.rekorHandler(tlog);
  const tsaH = mock.tsaHandler(tsa);
  const b64 = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
  const root = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: `${base}/_sigstore/rekor`,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: b64(tlog.publicKey),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor: { start: "2020-01-01T00:00:00Z" },
        },
        logId: { keyId: createHash("sha256").update(tlog.publicKey).digest("base64") },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: "scratch", commonName: "scratch" },
        uri: base,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: "2020-01-01T00:00:00Z" },
      },
    ],
    ctlogs: [],
    timestampAuthorities: [
      {
        subject: { organization: "scratch", commonName: "tsa" },
        uri: base,
        certChain: {
          certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }],
        },
        validFor: { start: "2020-01-01T00:00:00Z" },
      },
    ],
  };
  server.on("request", async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const send = (r: { statusCode: number; response: string | ArrayBufferView; contentType?: string }) => {
      res.writeHead(r.statusCode, { "content-type": r.contentType ?? "application/json" });
      res.end(
        typeof r.response === "string"
          ? r.response
          : Buffer.from(r.response.buffer, r.response.byteOffset, r.response.byteLength),
      );
    };
    if (req.url === "/_sigstore/trusted_root.json")
      return send({ statusCode: 200, response: JSON.stringify(root) });
    if (req.url === "/_sigstore/rekor/api/v1/log/entries") return send(await rekor.fn(body.toString()));
    if (req.url === "/_sigstore/tsa/api/v1/timestamp") return send(await tsaH.fn(body));
    if (req.url === "/_sigstore/fulcio/api/v2/signingCert") {
      const json = JSON.parse(body.toString());
      const claims = JSON.parse(
        Buffer.from(json.credentials.oidcIdentityToken.split(".")[1], "base64url").toString(),
      );
      const pem: string = json.publicKeyRequest.publicKey.content;
      const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
      const cert = await ca.issueCertificate({
        publicKey: der,
        subjectAltName: `https://github.localhost/${claims.job_workflow_ref}`,
        extensions: [{ oid: "1.3.6.1.4.1.57264.1.8", value: claims.iss }],
      });
      const pemOf = (b: ArrayBufferView) =>
        `-----BEGIN CERTIFICATE-----\n${b64(b)}\n-----END CERTIFICATE-----\n`;
      return send({
        statusCode: 201,
        response: JSON.stringify({
          signedCertificateEmbeddedSct: { chain: { certificates: [pemOf(cert), pemOf(ca.rootCertificate)] } },
        }),
      });
    }
    send({ statusCode: 404, response: "{}" });
  });
  return {
    url: base,
    close: () => new Promise<void>((r) => server.close(() => r())),
    token: (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`,
  };
}
