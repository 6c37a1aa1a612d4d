// A version registered and signed from a local checkout (`mlops registry register --signing-key`, issue 17
// item 5): the provenance says "no workflow, no run", and a policy that names a workflow refuses it.
import { createHash, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SignatureError } from "../src/errors.js";
import {
  buildProvenanceStatement,
  GITHUB_WORKFLOW_BUILD_TYPE,
  keySigner,
  keyVersionSigner,
  LOCAL_CLI_BUILD_TYPE,
  LOCAL_CLI_BUILDER_ID,
  localVersionSigner,
  type ProvenanceFacts,
  provenanceClaims,
  type SigningPolicy,
  type VersionContents,
  verifySignedVersion,
} from "../src/signing/index.js";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

// What register passes for a CLI registration: no workflow ref, run 0.
const cliFacts: ProvenanceFacts = {
  serverUrl: "https://github.com",
  repository: "acme/fraud",
  commit: "c0ffee",
  workflowRef: "",
  run: { id: 0, attempt: 1, url: "" },
  trainingRun: { id: 0, attempt: 1, url: "" },
  model: "fraud",
  version: "3",
  tag: "fraud/v3",
};

const policy = (over: Partial<SigningPolicy> = {}): SigningPolicy => ({
  required: true,
  repository: "acme/fraud",
  serverUrl: "https://github.com",
  publicKeys: [key.publicKey],
  keyless: false,
  allowedRefs: ["refs/heads/main", "refs/tags/v*"],
  ...over,
});

async function signedLocally(ref: string, dirty = false): Promise<VersionContents> {
  const files = { "model.bin": "weights", "model.json": '{"model":"fraud"}' };
  const sumsText = Object.entries(files)
    .map(([name, text]) => `${sha(text)}  ${name}\n`)
    .join("");
  const sums = new Map(Object.entries(files).map(([name, text]) => [name, sha(text)]));
  const signed = [...sums].map(([name, sha256]) => ({ name, sha256 }));
  signed.push({ name: "SHA256SUMS", sha256: sha(sumsText) });
  const signer = localVersionSigner(keyVersionSigner(keySigner(key.privateKey)), { ref, dirty, user: "ana" });
  const assets = await signer.sign(signed, cliFacts);
  return {
    model: "fraud",
    version: "3",
    tag: "fraud/v3",
    sums,
    sumsSha256: sha(sumsText),
    downloaded: signed.filter((f) => f.name !== "SHA256SUMS"),
    signatures: new Map(assets.map((a) => [a.name, a.content])),
  };
}

describe("provenance of a local registration", () => {
  it("names the checkout's repository, ref and commit, and says there was no workflow and no run", () => {
    const statement = buildProvenanceStatement([{ name: "model.bin", sha256: sha("w") }], {
      ...cliFacts,
      local: { ref: "refs/heads/main", dirty: false, user: "ana" },
    });
    expect(statement.predicate).toEqual({
      buildDefinition: {
        buildType: LOCAL_CLI_BUILD_TYPE,
        externalParameters: {
          source: { ref: "refs/heads/main", repository: "https://github.com/acme/fraud" },
          workflow: null,
        },
        internalParameters: {
          local: {
            registered_with: "mlops registry register",
            workflow: null,
            run: null,
            work_tree: "clean",
            user: "ana",
          },
          mlops: { model: "fraud", version: "3", tag: "fraud/v3", gate: "" },
        },
        resolvedDependencies: [
          { uri: "git+https://github.com/acme/fraud@refs/heads/main", digest: { gitCommit: "c0ffee" } },
        ],
      },
      runDetails: { builder: { id: LOCAL_CLI_BUILDER_ID }, metadata: {} },
    });
    expect(provenanceClaims(statement)).toEqual({
      repositoryUrl: "https://github.com/acme/fraud",
      workflowPath: "",
      ref: "refs/heads/main",
      commit: "c0ffee",
      model: "fraud",
      version: "3",
      invocationId: "",
      local: true,
    });
    // A workflow's statement is unchanged by this: its build type, and not local.
    const workflow = buildProvenanceStatement([], {
      ...cliFacts,
      workflowRef: "acme/fraud/.github/workflows/release.yml@refs/heads/main",
      run: { id: 7, attempt: 1, url: "" },
    });
    expect((workflow.predicate.buildDefinition as { buildType: string }).buildType).toBe(
      GITHUB_WORKFLOW_BUILD_TYPE,
    );
    expect(provenanceClaims(workflow)).toMatchObject({
      workflowPath: ".github/workflows/release.yml",
      local: false,
    });
  });

  it("records uncommitted changes (--allow-dirty) in the statement", () => {
    const statement = buildProvenanceStatement([], {
      ...cliFacts,
      local: { ref: "refs/heads/main", dirty: true },
    });
    expect(statement.predicate).toMatchObject({
      buildDefinition: {
        internalParameters: { local: { work_tree: "uncommitted changes (--allow-dirty)" } },
      },
    });
  });

  it("verifies with the key when the policy names no workflow; refuses it when it names one", async () => {
    const version = await signedLocally("refs/heads/main");
    await expect(verifySignedVersion(version, policy())).resolves.toEqual({
      signer: expect.stringMatching(/^key sha256:[0-9a-f]{12}… \(from a local checkout, no workflow\)$/),
      ref: "refs/heads/main",
      commit: "c0ffee",
      files: 3,
    });
    const refused = verifySignedVersion(version, policy({ workflow: ".github/workflows/mlops-release.yml" }));
    await expect(refused).rejects.toThrow(SignatureError);
    await expect(refused).rejects.toThrow(
      "fraud/v3 model.intoto.jsonl: registered and signed from a local checkout with mlops registry register (no workflow, no run), not by .github/workflows/mlops-release.yml.",
    );
  });

  it("the allowed refs still apply to the checkout's ref", async () => {
    const version = await signedLocally("refs/heads/experiment");
    await expect(verifySignedVersion(version, policy())).rejects.toThrow(
      "signed at refs/heads/experiment, which the allowed signer refs (refs/heads/main, refs/tags/v*) do not include",
    );
  });
});

describe("MLOPS_SIGSTORE_* (the local runner's emulator Sigstore)", () => {
  it("replace registry.signing.sigstore settings, and make a signing config where there was none", async () => {
    const { withSigstoreEnv, SIGSTORE_ENV } = await import("../src/signing/index.js");
    const env = {
      [SIGSTORE_ENV.fulcio_url]: "http://127.0.0.1:1/_sigstore/fulcio",
      [SIGSTORE_ENV.trusted_root]: "/tmp/run/sigstore-trusted-root.json",
      [SIGSTORE_ENV.oidc_issuer]: "http://127.0.0.1:1/_emulator/actions/oidc",
      UNRELATED: "x",
    };
    expect(
      withSigstoreEnv(
        {
          required: true,
          sigstore: { instance: "github", fulcio_url: "https://fulcio.example", tsa_url: "https://t" },
        },
        env,
      ),
    ).toEqual({
      required: true,
      sigstore: {
        instance: "github",
        fulcio_url: "http://127.0.0.1:1/_sigstore/fulcio",
        tsa_url: "https://t",
        trusted_root: "/tmp/run/sigstore-trusted-root.json",
        oidc_issuer: "http://127.0.0.1:1/_emulator/actions/oidc",
      },
    });
    expect(withSigstoreEnv(undefined, env)).toEqual({
      sigstore: {
        fulcio_url: "http://127.0.0.1:1/_sigstore/fulcio",
        trusted_root: "/tmp/run/sigstore-trusted-root.json",
        oidc_issuer: "http://127.0.0.1:1/_emulator/actions/oidc",
      },
    });
    // findSigningConfig applies them and names them, for the one log line that says so.
    const { findSigningConfig, sigstoreEnvNotice } = await import("../src/signing/index.js");
    const found = findSigningConfig("/nonexistent-dir", "mlops.yml", env);
    expect(found.config?.sigstore?.fulcio_url).toBe("http://127.0.0.1:1/_sigstore/fulcio");
    expect(found.sigstoreEnv).toEqual([
      "MLOPS_SIGSTORE_FULCIO_URL",
      "MLOPS_SIGSTORE_TRUSTED_ROOT",
      "MLOPS_SIGSTORE_OIDC_ISSUER",
    ]);
    expect(sigstoreEnvNotice(found.sigstoreEnv, "mlops.yml")).toBe(
      "Sigstore settings from the environment (MLOPS_SIGSTORE_FULCIO_URL, MLOPS_SIGSTORE_TRUSTED_ROOT, MLOPS_SIGSTORE_OIDC_ISSUER) replace registry.signing.sigstore of mlops.yml; the local runner sets them for its emulator's Sigstore.",
    );
    expect(findSigningConfig("/nonexistent-dir", "mlops.yml", {}).sigstoreEnv).toEqual([]);
    expect(sigstoreEnvNotice([], "mlops.yml")).toBeUndefined();
    // Without them, the config is what mlops.yml says (or nothing).
    expect(withSigstoreEnv(undefined, { UNRELATED: "x" })).toBeUndefined();
    const config = { required: false };
    expect(withSigstoreEnv(config, {})).toBe(config);
  });
});
