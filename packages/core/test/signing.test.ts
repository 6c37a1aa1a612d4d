import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SignatureError } from "../src/errors.js";
import {
  buildModelSigningStatement,
  chooseSigning,
  type DsseEnvelope,
  keySigner,
  keyVersionSigner,
  MODEL_SIGNATURE_ASSET,
  modelSigningResources,
  PROVENANCE_ASSET,
  type ProvenanceFacts,
  pae,
  refAllowed,
  type SignatureAsset,
  type SignedFile,
  type SigningPolicy,
  signStatement,
  sigstoreEndpoints,
  type VersionContents,
  verifySignedVersion,
} from "../src/signing/index.js";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

function keys(kind: "ec" | "ed25519"): { privateKey: KeyObject; publicKey: KeyObject } {
  return kind === "ec"
    ? generateKeyPairSync("ec", { namedCurve: "prime256v1" })
    : generateKeyPairSync("ed25519");
}

const facts = (over: Partial<ProvenanceFacts> = {}): ProvenanceFacts => ({
  serverUrl: "https://github.com",
  repository: "acme/fraud",
  commit: "c0ffee",
  workflowRef: "acme/fraud/.github/workflows/release.yml@refs/heads/main",
  eventName: "push",
  run: { id: 42, attempt: 1, url: "https://github.com/acme/fraud/actions/runs/42" },
  model: "fraud",
  version: "3",
  tag: "fraud/v3",
  gate: "passed",
  ...over,
});

/** A version as register lays it out: files, model.json, SHA256SUMS over them. */
function version(files: Record<string, string>) {
  const sumsText = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, text]) => `${sha(text)}  ${name}\n`)
    .join("");
  const sums = new Map(Object.entries(files).map(([name, text]) => [name, sha(text)]));
  const signed: SignedFile[] = [...sums].map(([name, sha256]) => ({ name, sha256 }));
  signed.push({ name: "SHA256SUMS", sha256: sha(sumsText) });
  return { sums, sumsSha256: sha(sumsText), signed };
}

const policy = (publicKeys: KeyObject[], over: Partial<SigningPolicy> = {}): SigningPolicy => ({
  required: true,
  repository: "acme/fraud",
  serverUrl: "https://github.com",
  publicKeys,
  keyless: false,
  allowedRefs: ["refs/heads/main", "refs/tags/v*"],
  ...over,
});

function contents(
  v: ReturnType<typeof version>,
  assets: SignatureAsset[],
  over: Partial<VersionContents> = {},
): VersionContents {
  return {
    model: "fraud",
    version: "3",
    tag: "fraud/v3",
    sums: v.sums,
    sumsSha256: v.sumsSha256,
    downloaded: [...v.sums].map(([name, sha256]) => ({ name, sha256 })),
    signatures: new Map(assets.map((a) => [a.name, a.content])),
    ...over,
  };
}

describe("DSSE", () => {
  it("PAE is the spec's encoding (DSSE protocol.md test vector)", () => {
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
    // Lengths are bytes, not characters.
    expect(pae("t", Buffer.from("é")).toString("hex")).toBe(Buffer.from("DSSEv1 1 t 2 é").toString("hex"));
  });
});

describe("signed versions", () => {
  const files = { "model.bin": "weights", "model.json": '{"model":"fraud"}' };

  for (const kind of ["ec", "ed25519"] as const) {
    it(`signs and verifies every file with an ${kind} key`, async () => {
      const { privateKey, publicKey } = keys(kind);
      const v = version(files);
      const assets = await keyVersionSigner(keySigner(privateKey)).sign(v.signed, facts());
      expect(assets.map((a) => a.name)).toEqual([PROVENANCE_ASSET, MODEL_SIGNATURE_ASSET]);
      const envelope = JSON.parse(assets[0]!.content) as DsseEnvelope;
      const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString());
      expect(statement).toMatchObject({
        _type: "https://in-toto.io/Statement/v1",
        predicateType: "https://slsa.dev/provenance/v1",
        subject: [
          { name: "SHA256SUMS", digest: { sha256: v.sumsSha256 } },
          { name: "model.bin", digest: { sha256: sha("weights") } },
          { name: "model.json", digest: { sha256: sha(files["model.json"]) } },
        ],
        predicate: {
          buildDefinition: {
            externalParameters: {
              workflow: {
                ref: "refs/heads/main",
                repository: "https://github.com/acme/fraud",
                path: ".github/workflows/release.yml",
              },
            },
            internalParameters: { mlops: { model: "fraud", version: "3", gate: "passed" } },
            resolvedDependencies: [
              { uri: "git+https://github.com/acme/fraud@refs/heads/main", digest: { gitCommit: "c0ffee" } },
            ],
          },
          runDetails: {
            metadata: { invocationId: "https://github.com/acme/fraud/actions/runs/42/attempts/1" },
          },
        },
      });
      const verified = await verifySignedVersion(contents(v, assets), policy([publicKey]));
      expect(verified).toMatchObject({ ref: "refs/heads/main", commit: "c0ffee", files: 3 });
    });
  }

  it("model.sig is the OpenSSF model-signing v1.0 bundle (root digest over the resources in name order)", async () => {
    const { privateKey } = keys("ec");
    const v = version(files);
    const [, bundleAsset] = await keyVersionSigner(keySigner(privateKey)).sign(v.signed, facts());
    const bundle = JSON.parse(bundleAsset!.content);
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(bundle.verificationMaterial.publicKey.hint).toMatch(/^[0-9a-f]{64}$/);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
    expect(statement.predicateType).toBe("https://model_signing/signature/v1.0");
    const resources = [...v.signed].sort((a, b) => (a.name < b.name ? -1 : 1));
    const root = createHash("sha256");
    for (const r of resources) root.update(Buffer.from(r.sha256, "hex"));
    expect(statement.subject).toEqual([{ name: "fraud", digest: { sha256: root.digest("hex") } }]);
    expect(modelSigningResources(statement)).toEqual(resources);
    expect(modelSigningResources(buildModelSigningStatement("fraud", v.signed))).toEqual(resources);
  });

  it("refuses tampering, a swapped signature, another key, another repository and a ref not allowed", async () => {
    const { privateKey, publicKey } = keys("ec");
    const signer = keyVersionSigner(keySigner(privateKey));
    const v = version(files);
    const assets = await signer.sign(v.signed, facts());
    const refused = async (c: VersionContents, p = policy([publicKey])) => {
      const error = await verifySignedVersion(c, p).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SignatureError);
      const message = (error as Error).message;
      expect(message).not.toContain("\n");
      return message;
    };

    // A file changed consistently with SHA256SUMS (the attacker rewrote both).
    const tampered = version({ ...files, "model.bin": "evil weights" });
    expect(await refused(contents(tampered, assets))).toMatch(
      /^fraud\/v3 model.intoto.jsonl: model.bin \(sha256:[0-9a-f]{12}…\) does not match the signed digest .*changed after signing/,
    );
    // A changed statement under the old signature.
    const envelope = JSON.parse(assets[0]!.content) as DsseEnvelope;
    const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString());
    statement.subject[1].digest.sha256 = sha("evil weights");
    const forged = { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64") };
    expect(
      await refused(contents(v, [{ ...assets[0]!, content: JSON.stringify(forged) }, assets[1]!])),
    ).toMatch(/the signature does not verify with the trusted public key/);
    // The (valid) signature of another version of the same model.
    const v4 = await signer.sign(v.signed, facts({ version: "4", tag: "fraud/v4" }));
    expect(await refused(contents(v, [v4[0]!, assets[1]!]))).toMatch(
      /the signed statement is for fraud v4, not fraud v3: a signature of another version/,
    );
    // Another key.
    expect(await refused(contents(v, assets), policy([keys("ec").publicKey]))).toMatch(
      /does not verify with the trusted public key/,
    );
    // Another repository's release workflow, signed with the same (shared) key.
    const other = await signer.sign(
      v.signed,
      facts({
        repository: "evil/fraud",
        workflowRef: "evil/fraud/.github/workflows/release.yml@refs/heads/main",
      }),
    );
    expect(await refused(contents(v, other))).toMatch(
      /names the repository https:\/\/github.com\/evil\/fraud, not https:\/\/github.com\/acme\/fraud: a statement from another repository/,
    );
    // A branch that is not allowed.
    const branch = await signer.sign(
      v.signed,
      facts({ workflowRef: "acme/fraud/.github/workflows/release.yml@refs/heads/experiment" }),
    );
    expect(await refused(contents(v, branch))).toMatch(
      /signed at refs\/heads\/experiment, which the allowed signer refs \(refs\/heads\/main, refs\/tags\/v\*\) do not include/,
    );
    // A model.sig of other files, a missing model.sig, an unsigned version.
    const otherFiles = await signer.sign(version({ "model.bin": "x" }).signed, facts());
    expect(await refused(contents(v, [assets[0]!, otherFiles[1]!]))).toMatch(/^fraud\/v3 model.sig: /);
    expect(await refused(contents(v, [assets[0]!]))).toMatch(/model.sig is missing/);
    expect(await refused(contents(v, []))).toMatch(/is not signed \(no model.intoto.jsonl/);
    // A file that SHA256SUMS lists but the signature does not cover (e.g. a part added later).
    const extra = version({ ...files, "model.bin.part-002": "more" });
    expect(await refused(contents(extra, assets))).toMatch(
      /model.bin.part-002 is not covered by the signed statement/,
    );
  });

  it("ref patterns: * matches anything, the rest literally", () => {
    expect(refAllowed("refs/tags/v1.2.0", ["refs/tags/v*"])).toBe(true);
    expect(refAllowed("refs/heads/main", ["refs/heads/mai"])).toBe(false);
    expect(refAllowed("refs/heads/mainx", ["refs/heads/main"])).toBe(false);
    expect(refAllowed("refs/heads/a.b", ["refs/heads/a?b"])).toBe(false);
  });

  it("chooses how to sign: the key when given, else unsigned (an error when required)", () => {
    const pem = keys("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(chooseSigning({ mode: "auto", signingKey: pem, configName: "mlops.yml" }).kind).toBe("key");
    expect(chooseSigning({ mode: "auto", configName: "mlops.yml" })).toMatchObject({ kind: "none" });
    expect(() =>
      chooseSigning({ mode: "auto", config: { required: true }, configName: "mlops.yml" }),
    ).toThrow(
      /registry.signing.required is true, but the version cannot be signed: no signing-key was given/,
    );
    expect(() => chooseSigning({ mode: "key", configName: "mlops.yml" })).toThrow(
      /the signing-key input is empty/,
    );
    expect(() => chooseSigning({ mode: "key", signingKey: "nope", configName: "mlops.yml" })).toThrow(
      /signing-key: not a PEM private key/,
    );
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(() => chooseSigning({ mode: "key", signingKey: rsa, configName: "mlops.yml" })).toThrow(
      /a rsa key; use an ECDSA P-256 or an Ed25519 key/,
    );
  });

  it("chooses keyless when the job can get an ID token and no key is given (issue 17 item 3)", () => {
    const pem = keys("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const name = { configName: "mlops.yml" };
    // auto: the key wins, else keyless with an ID token, else unsigned.
    expect(chooseSigning({ mode: "auto", signingKey: pem, idTokenAvailable: true, ...name }).kind).toBe(
      "key",
    );
    expect(chooseSigning({ mode: "auto", idTokenAvailable: true, ...name })).toEqual({ kind: "keyless" });
    expect(chooseSigning({ mode: "auto", idTokenAvailable: false, ...name })).toMatchObject({
      kind: "none",
      why: expect.stringMatching(/cannot sign keyless .*id-token: write/),
    });
    // required: keyless is enough; without an ID token nor key it is refused, naming both ways out.
    expect(
      chooseSigning({ mode: "auto", idTokenAvailable: true, config: { required: true }, ...name }).kind,
    ).toBe("keyless");
    expect(() => chooseSigning({ mode: "auto", config: { required: true }, ...name })).toThrow(
      /required is true, but the version cannot be signed: .*id-token: write.*signing-key/,
    );
    // keyless: false in the config (deploy would not trust it): auto does not sign keyless, keyless refuses.
    const off = { keyless: false };
    expect(chooseSigning({ mode: "auto", idTokenAvailable: true, config: off, ...name })).toMatchObject({
      kind: "none",
      why: expect.stringMatching(/keyless: false/),
    });
    expect(() => chooseSigning({ mode: "keyless", idTokenAvailable: true, config: off, ...name })).toThrow(
      /registry.signing.keyless to false/,
    );
    // keyless insists on an ID token, even with a key at hand; with one it ignores the key.
    expect(() => chooseSigning({ mode: "keyless", signingKey: pem, ...name })).toThrow(
      /cannot get a GitHub OIDC ID token: grant the job `permissions: id-token: write`/,
    );
    expect(chooseSigning({ mode: "keyless", signingKey: pem, idTokenAvailable: true, ...name }).kind).toBe(
      "keyless",
    );
    // key insists on the key even when keyless would be possible.
    expect(() => chooseSigning({ mode: "key", idTokenAvailable: true, ...name })).toThrow(
      /the signing-key input is empty/,
    );
  });

  it("Sigstore endpoints: public-good for a public repository, GitHub's for a private one, URLs overridable", () => {
    expect(sigstoreEndpoints(undefined, false)).toEqual({
      instance: "public-good",
      instanceFrom: "public repository",
      fulcioUrl: "https://fulcio.sigstore.dev",
      rekorUrl: "https://rekor.sigstore.dev",
    });
    // A private repository's identity never goes to the public log unless the config says public-good.
    expect(sigstoreEndpoints(undefined, true)).toEqual({
      instance: "github",
      instanceFrom: "private repository",
      fulcioUrl: "https://fulcio.githubapp.com",
      tsaUrl: "https://timestamp.githubapp.com/api/v1/timestamp",
    });
    expect(sigstoreEndpoints({ instance: "public-good" }, true)).toMatchObject({
      instance: "public-good",
      instanceFrom: "config",
      rekorUrl: "https://rekor.sigstore.dev",
    });
    expect(sigstoreEndpoints({ instance: "public-good" }, true).tsaUrl).toBeUndefined();
    // Overrides (a private Sigstore, the emulator): each URL replaces the instance's, or adds its witness.
    expect(
      sigstoreEndpoints(
        {
          fulcio_url: "http://127.0.0.1:9/_sigstore/fulcio/",
          rekor_url: "http://127.0.0.1:9/_sigstore/rekor",
        },
        true,
      ),
    ).toEqual({
      instance: "github",
      instanceFrom: "private repository",
      fulcioUrl: "http://127.0.0.1:9/_sigstore/fulcio",
      rekorUrl: "http://127.0.0.1:9/_sigstore/rekor",
      tsaUrl: "https://timestamp.githubapp.com/api/v1/timestamp",
    });
    expect(
      sigstoreEndpoints({ instance: "github", tsa_url: "http://tsa.test/api/v1/timestamp" }, undefined)
        .tsaUrl,
    ).toBe("http://tsa.test/api/v1/timestamp");
  });

  it("keyless bundles: the certificate's SAN must be this repository's workflow at an allowed ref (openBundle port)", async () => {
    const { privateKey } = keys("ec");
    const signer = keySigner(privateKey);
    const v = version(files);
    const [provenance, manifest] = await keyVersionSigner(signer).sign(v.signed, facts());
    // A stand-in for the Sigstore checker: it "verified" the bundle and reports this SAN.
    const bundleOf = (content: string) =>
      JSON.stringify({
        mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
        verificationMaterial: { certificate: { rawBytes: "AA==" }, tlogEntries: [] },
        dsseEnvelope: content.startsWith('{"mediaType')
          ? JSON.parse(content).dsseEnvelope
          : JSON.parse(content),
      });
    const keyless = (san: string) => ({
      ...contents(v, []),
      signatures: new Map([
        ["provenance.sigstore.json", bundleOf(provenance!.content)],
        ["model.sig", bundleOf(manifest!.content)],
      ]),
      san,
    });
    const open = (san: string) => async (bundle: { dsseEnvelope: DsseEnvelope }) => ({
      envelope: bundle.dsseEnvelope,
      identity: { subjectAlternativeName: san, issuer: "https://token.actions.githubusercontent.com" },
    });
    const ok = "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main";
    const verified = await verifySignedVersion(keyless(ok), policy([], { keyless: true }), open(ok));
    expect(verified.signer).toBe(ok);
    const other = "https://github.com/evil/fraud/.github/workflows/release.yml@refs/heads/main";
    await expect(
      verifySignedVersion(keyless(other), policy([], { keyless: true }), open(other)),
    ).rejects.toThrow(
      /the signing certificate names the repository https:\/\/github.com\/evil\/fraud, not https:\/\/github.com\/acme\/fraud/,
    );
    const branch = "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/dev";
    await expect(
      verifySignedVersion(keyless(branch), policy([], { keyless: true }), open(branch)),
    ).rejects.toThrow(/signed at refs\/heads\/dev, which the allowed signer refs/);
    await expect(verifySignedVersion(keyless(ok), policy([]), open(ok))).rejects.toThrow(
      /keyless signatures are not trusted by this configuration/,
    );
  });
});

describe("signStatement", () => {
  it("signs the PAE, not the bare payload", () => {
    const { privateKey } = keys("ed25519");
    const signer = keySigner(privateKey);
    const envelope = signStatement(
      buildModelSigningStatement("m", [{ name: "a", sha256: sha("a") }]),
      signer,
    );
    expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(envelope.signatures[0]?.keyid).toBe(signer.keyid);
  });
});
