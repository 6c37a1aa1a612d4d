// Keyless verification (issue 17 items 2–3): a version signed through Fulcio + Rekor (or a TSA) verifies
// with the trusted root, its certificate's SAN names this repository's workflow at an allowed ref and the
// expected OIDC issuer; everything else is refused with one line, before any deployment exists.

import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ConfigError,
  keySigner,
  keyVersionSigner,
  resolveVerification,
  SignatureError,
  type SigningPolicy,
  type SigstoreTrust,
  type VersionSigner,
} from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deployModel,
  downloadVerifiedModel,
  type GitHubClient,
  registerModel,
  resolveModel,
  sigstoreBundleOpener,
  sigstoreVersionSigner,
} from "../src/index.js";
import { parseTrustedRoots } from "../src/registry/sigstore-verify-impl.js";
import { emulatorIdToken } from "../src/testing.js";
import { emulatorWithClient, headSha, OWNER, tempDir, writeModelFiles } from "./helpers.js";

const signingKey = generateKeyPairSync("ed25519");
const SERVER = "https://github.localhost";
let emulator: Emulator;
/** A second emulator: its Fulcio is a CA the first one's trusted root does not name. */
let otherCa: Emulator;
let issuer: string;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };
let rootPath: string;

beforeAll(async () => {
  work = await tempDir();
  const started = await emulatorWithClient();
  emulator = started.emulator;
  client = started.client;
  otherCa = await startEmulator();
  issuer = emulator.sigstore.oidcIssuer;
  rootPath = join(work.dir, "trusted_root.json");
  await writeFile(rootPath, JSON.stringify(await emulator.sigstore.trustedRoot()));
});
afterAll(async () => {
  await emulator.close();
  await otherCa.close();
  await work.cleanup();
});

/**
 * The keyless signer register uses, against the emulator's Fulcio (or `ca`'s) and Rekor and/or TSA, with
 * the ID token of a job whose workflow is `workflowRef` (owner/repo/.github/workflows/f.yml@ref).
 */
function signer(
  workflowRef: string,
  over: {
    ca?: Emulator;
    rekor?: boolean;
    tsa?: boolean;
    /** Log in `ca`'s Rekor instead of the first emulator's. */
    otherRekor?: boolean;
    /** A reusable workflow `workflowRef` called by this job of `caller`'s (owner/repo/.github/workflows/f.yml@ref). */
    caller?: string;
  } = {},
): VersionSigner {
  const fulcio = over.ca ?? emulator;
  return sigstoreVersionSigner({
    endpoints: {
      instance: "public-good",
      instanceFrom: "config",
      fulcioUrl: fulcio.sigstore.fulcioUrl,
      ...(over.rekor === false ? {} : { rekorUrl: emulator.sigstore.rekorUrl }),
      ...(over.otherRekor ? { rekorUrl: fulcio.sigstore.rekorUrl } : {}),
      ...(over.tsa ? { tsaUrl: `${emulator.sigstore.tsaUrl}/api/v1/timestamp` } : {}),
    },
    idToken: (audience) =>
      emulatorIdToken(fulcio, {
        repository: (over.caller ?? workflowRef).split("/").slice(0, 2).join("/"),
        jobWorkflowRef: workflowRef,
        ...(over.caller ? { workflowRef: over.caller } : {}),
        audience,
      }),
  });
}

let repoCount = 0;
/** Registers `fraud` v1 (and v2 when `second`) in a fresh repository, signed by `sign(repo)`. */
async function registered(sign: (repo: string) => VersionSigner, weights = ["w1"]) {
  const repo = `keyless-${++repoCount}`;
  for (const [index, text] of weights.entries()) {
    const dir = join(work.dir, `${repo}-${index}`);
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    await registerModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      commitSha: await headSha(client, repo),
      files: await writeModelFiles(dir, { "model.bin": text }),
      metrics: { accuracy: 0.9 },
      idempotencyKey: `${repo}/${index}`,
      serverUrl: SERVER,
      lineage: { workflow_ref: `${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main` },
      signer: sign(repo),
      // Verification reads the release's own signature assets; the attestation is for `gh attestation verify`.
      attest: false,
    });
  }
  return repo;
}

const trust = (over: Partial<SigstoreTrust> = {}): SigstoreTrust => ({
  instance: "public-good",
  trustedRootPath: rootPath,
  configName: "mlops.yml",
  ...over,
});

function policy(repo: string, over: Partial<SigningPolicy> = {}): SigningPolicy {
  return {
    required: true,
    repository: `${OWNER}/${repo}`,
    serverUrl: SERVER,
    publicKeys: [],
    keyless: true,
    oidcIssuer: issuer,
    allowedRefs: ["refs/heads/main"],
    ...over,
  };
}

async function verify(repo: string, version: string, p = policy(repo), t = trust()) {
  const resolved = await resolveModel(client, {
    owner: OWNER,
    repo,
    model: "fraud",
    selector: { kind: "version", version },
  });
  return downloadVerifiedModel(client, {
    owner: OWNER,
    repo,
    resolved,
    dir: join(work.dir, `${repo}-verify-${version}-${Math.random()}`),
    policy: p,
    openBundle: sigstoreBundleOpener({ trust: t }),
  });
}

const main = (repo: string) => `${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main`;

describe("keyless verification (Fulcio certificate, Rekor entry or RFC 3161 timestamp)", () => {
  it("verifies a Rekor-logged version and says who signed and where it is logged", async () => {
    const repo = await registered((r) => signer(main(r)));
    const { verified } = await verify(repo, "1");
    expect(verified?.signer).toBe(`${SERVER}/${main(repo)}`);
    expect(verified?.witness).toMatch(/^Rekor log index \d+ \(\d{4}-\d\d-\d\dT/);
    expect(verified?.files).toBe(3);
  });

  it("verifies a TSA-timestamped version without a log entry (GitHub's instance)", async () => {
    const repo = await registered((r) => signer(main(r), { rekor: false, tsa: true }));
    const { verified } = await verify(repo, "1");
    expect(verified?.witness).toMatch(/^RFC 3161 timestamp \d{4}-/);
  });

  it("refuses a statement from another repository (certificate and statement name it)", async () => {
    const repo = await registered(() =>
      signer(`${OWNER}/elsewhere/.github/workflows/release.yml@refs/heads/main`),
    );
    await expect(verify(repo, "1")).rejects.toThrow(
      `fraud/v1 provenance.sigstore.json: the signing certificate names the repository ${SERVER}/${OWNER}/elsewhere, not ${SERVER}/${OWNER}/${repo}: a statement from another repository.`,
    );
  });

  it("a reusable workflow of another repository signed (the release template's): the repository that ran it is checked", async () => {
    const reusable = "mlops-actions/mlops-actions/.github/workflows/reusable-release.yml@refs/tags/v1";
    const repo = await registered((r) => signer(reusable, { caller: main(r) }));
    const { verified } = await verify(repo, "1", policy(repo, { workflow: ".github/workflows/release.yml" }));
    expect(verified?.signer).toBe(`${SERVER}/${reusable}`);
    expect(verified?.ref).toBe("refs/heads/main");
    // The same reusable workflow run by another repository's job: refused.
    const evil = await registered(() =>
      signer(reusable, { caller: `${OWNER}/elsewhere/.github/workflows/release.yml@refs/heads/main` }),
    );
    await expect(verify(evil, "1")).rejects.toThrow(
      `fraud/v1 provenance.sigstore.json: the signing certificate names the repository ${SERVER}/${OWNER}/elsewhere, not ${SERVER}/${OWNER}/${evil}: a statement from another repository.`,
    );
    // The policy's workflow is the top-level one (Build Config URI), not the reusable one.
    await expect(
      verify(repo, "1", policy(repo, { workflow: ".github/workflows/other.yml" })),
    ).rejects.toThrow(
      "fraud/v1 provenance.sigstore.json: signed by the workflow .github/workflows/release.yml, not .github/workflows/other.yml.",
    );
  });

  it("refuses a certificate of this repository at a ref that is not allowed", async () => {
    const repo = await registered((r) =>
      signer(`${OWNER}/${r}/.github/workflows/release.yml@refs/heads/dev`),
    );
    await expect(verify(repo, "1")).rejects.toThrow(
      /provenance.sigstore.json: signed at refs\/heads\/dev, which the allowed signer refs \(refs\/heads\/main\) do not include/,
    );
  });

  it("refuses a certificate issued for another OIDC issuer's token", async () => {
    // The emulator's Fulcio names its own issuer; a policy expecting GitHub's refuses it.
    const repo = await registered((r) => signer(main(r)));
    await expect(
      verify(repo, "1", policy(repo, { oidcIssuer: "https://token.actions.githubusercontent.com" })),
    ).rejects.toThrow(
      `fraud/v1 provenance.sigstore.json: the signing certificate was issued for an ID token of ${issuer}, not https://token.actions.githubusercontent.com (registry.signing.sigstore.oidc_issuer).`,
    );
  });

  it("refuses a certificate from a CA that is not in the trusted root", async () => {
    const repo = await registered((r) => signer(main(r), { ca: otherCa }));
    await expect(verify(repo, "1")).rejects.toThrow(
      /provenance.sigstore.json: the signing certificate is not trusted: .*not issued by a Fulcio CA of the trusted root/,
    );
  });
});

async function assetText(repo: string, version: string, name: string): Promise<string> {
  const resolved = await resolveModel(client, {
    owner: OWNER,
    repo,
    model: "fraud",
    selector: { kind: "version", version },
  });
  const { data } = await client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo,
    asset_id: resolved.release.assets.find((a) => a.name === name)?.id ?? 0,
    headers: { accept: "application/octet-stream" },
  });
  return Buffer.from(data as unknown as ArrayBuffer).toString("utf8");
}

/** Replaces a release asset (delete + upload), as someone with contents: write could. */
async function replaceAsset(repo: string, version: string, name: string, content: string) {
  const resolved = await resolveModel(client, {
    owner: OWNER,
    repo,
    model: "fraud",
    selector: { kind: "version", version },
  });
  await client.request("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo,
    asset_id: resolved.release.assets.find((a) => a.name === name)?.id ?? 0,
  });
  await client.request({
    method: "POST",
    url: `${resolved.release.uploadUrl.replace(/\{[^}]*\}$/, "")}?name=${name}`,
    headers: { "content-type": "application/octet-stream" },
    data: Buffer.from(content),
  });
}

/** The bundle with its DSSE payload (the statement) changed by `edit`. */
function editPayload(
  bundleText: string,
  edit: (statement: { subject: Array<{ digest: { sha256: string } }> }) => void,
) {
  const bundle = JSON.parse(bundleText);
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  edit(statement);
  bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
  return JSON.stringify(bundle);
}

describe("keyless tampering", () => {
  it("refuses a swapped signature: another version's model.sig / provenance", async () => {
    const repo = await registered((r) => signer(main(r)), ["w1", "w2"]);
    const v1Sig = await assetText(repo, "1", "model.sig");
    await replaceAsset(repo, "2", "model.sig", v1Sig);
    await expect(verify(repo, "2")).rejects.toThrow(
      /^fraud\/v2 model.sig: model.bin \(sha256:[0-9a-f]{12}…\) does not match the signed digest \(sha256:[0-9a-f]{12}…\): the file was changed after signing.$/,
    );
    await replaceAsset(
      repo,
      "2",
      "provenance.sigstore.json",
      await assetText(repo, "1", "provenance.sigstore.json"),
    );
    await expect(verify(repo, "2")).rejects.toThrow(
      /the signed statement is for fraud v1, not fraud v2: a signature of another version/,
    );
  });

  it("refuses a modified DSSE payload (with a Rekor entry, and with only a timestamp)", async () => {
    const logged = await registered((r) => signer(main(r)));
    const stamped = await registered((r) => signer(main(r), { rekor: false, tsa: true }));
    for (const repo of [logged, stamped]) {
      const original = await assetText(repo, "1", "provenance.sigstore.json");
      await replaceAsset(
        repo,
        "1",
        "provenance.sigstore.json",
        editPayload(original, (s) => {
          for (const subject of s.subject) subject.digest.sha256 = "0".repeat(64);
        }),
      );
    }
    await expect(verify(logged, "1")).rejects.toThrow(
      "fraud/v1 provenance.sigstore.json: the transparency-log entry is not this signature (DSSE payload hash mismatch): a log entry for another artifact, or the statement was changed.",
    );
    await expect(verify(stamped, "1")).rejects.toThrow(
      "fraud/v1 provenance.sigstore.json: the signature does not verify with the signing certificate's key: the statement was changed after signing.",
    );
  });

  it("refuses a Rekor entry for another artifact", async () => {
    // The entry logged for this version's model.sig (same signer, logged while the provenance's
    // certificate was valid) put into its provenance bundle: the entry's signature is not this one's.
    const repo = await registered((r) => signer(main(r)));
    const other = JSON.parse(await assetText(repo, "1", "model.sig"));
    const bundle = JSON.parse(await assetText(repo, "1", "provenance.sigstore.json"));
    bundle.verificationMaterial.tlogEntries = other.verificationMaterial.tlogEntries;
    await replaceAsset(repo, "1", "provenance.sigstore.json", JSON.stringify(bundle));
    await expect(verify(repo, "1")).rejects.toThrow(
      "fraud/v1 provenance.sigstore.json: the transparency-log entry is not this signature (tlog entry signature mismatch): a log entry for another artifact, or the statement was changed.",
    );
  });

  it("refuses a bundle with neither a log entry nor a timestamp", async () => {
    const repo = await registered((r) => signer(main(r)));
    const bundle = JSON.parse(await assetText(repo, "1", "provenance.sigstore.json"));
    bundle.verificationMaterial.tlogEntries = [];
    await replaceAsset(repo, "1", "provenance.sigstore.json", JSON.stringify(bundle));
    await expect(verify(repo, "1")).rejects.toThrow(
      /provenance.sigstore.json: the Sigstore bundle has no transparency-log entry and no RFC 3161 timestamp/,
    );
  });
});

describe("trusted roots", () => {
  it("reads the JSONL gh attestation trusted-root prints (every line trusted) and says which line is wrong", async () => {
    const ours = await (await fetch(emulator.sigstore.trustedRootUrl)).text();
    const theirs = await (await fetch(otherCa.sigstore.trustedRootUrl)).text();
    expect(parseTrustedRoots(`${theirs}\n${ours}\n`, "roots.jsonl")).toHaveLength(2);
    const jsonl = join(work.dir, "roots.jsonl");
    await writeFile(jsonl, `${theirs}\n${ours}\n`);
    // Signed with the other emulator's Fulcio and Rekor: its line vouches for all of it; ours still verifies too.
    const theirsRepo = await registered((r) =>
      signer(main(r), { ca: otherCa, rekor: false, otherRekor: true }),
    );
    const { verified } = await verify(
      theirsRepo,
      "1",
      policy(theirsRepo, { oidcIssuer: otherCa.sigstore.oidcIssuer }),
      trust({ trustedRootPath: jsonl }),
    );
    expect(verified?.signer).toBe(`${SERVER}/${main(theirsRepo)}`);
    const oursRepo = await registered((r) => signer(main(r)));
    expect(
      (await verify(oursRepo, "1", policy(oursRepo), trust({ trustedRootPath: jsonl }))).verified?.signer,
    ).toBe(`${SERVER}/${main(oursRepo)}`);
    expect(() => parseTrustedRoots(`${ours}\nnot json\n`, "roots.jsonl")).toThrow(
      "roots.jsonl, line 2: not JSON; expected a Sigstore TrustedRoot",
    );
    expect(() => parseTrustedRoots('{"mediaType": "application/json"}', "root.json")).toThrow(
      'root.json, line 1: mediaType "application/json", expected a Sigstore TrustedRoot',
    );
  });

  it("instance github (or a private repository without instance) and no trusted root: a ConfigError telling how to get one", async () => {
    const repo = await registered((r) => signer(main(r)));
    const error = await verify(
      repo,
      "1",
      policy(repo),
      trust({ instance: "github", trustedRootPath: undefined }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /run `gh attestation trusted-root > sigstore-trusted-root.jsonl`/,
    );
    // No instance configured: a private repository is signed by GitHub's instance, so the same answer
    // (GET /repos says private); a public one falls back to public-good's TUF root.
    const unset = trust({ instance: undefined, trustedRootPath: undefined });
    const privately = sigstoreBundleOpener({ trust: unset, repositoryPrivate: async () => true });
    const bundle = JSON.parse(await assetText(repo, "1", "provenance.sigstore.json"));
    await expect(privately(bundle, "x")).rejects.toThrow(
      "mlops.yml: the repository is private, so its versions are signed with GitHub's Sigstore instance (registry.signing.sigstore.instance unset), which has no public trusted root",
    );
    let fetched = 0;
    const publicly = sigstoreBundleOpener({
      trust: unset,
      repositoryPrivate: async () => false,
      fetchPublicGoodRoot: async () => {
        fetched++;
        throw new Error("offline");
      },
    });
    await expect(publicly(bundle, "x")).rejects.toThrow(/public-good trusted root could not be fetched/);
    expect(fetched).toBe(1);
  });

  it("public-good: the TUF root is fetched only for a keyless bundle; a failed fetch refuses in one line", async () => {
    const repo = await registered((r) => signer(main(r)));
    const keyed = await registered(() => keyVersionSigner(keySigner(signingKey.privateKey)));
    let fetches = 0;
    const opener = sigstoreBundleOpener({
      trust: trust({ trustedRootPath: undefined }),
      cacheDir: join(work.dir, "tuf"),
      fetchPublicGoodRoot: async () => {
        fetches++;
        throw new Error("getaddrinfo ENOTFOUND tuf-repo-cdn.sigstore.dev");
      },
    });
    // A key-signed version verifies without the trusted root (no network for a key-only setup).
    const byKey = await downloadVerifiedModel(client, {
      owner: OWNER,
      repo: keyed,
      resolved: await resolveModel(client, { owner: OWNER, repo: keyed, model: "fraud", selector: "v1" }),
      dir: join(work.dir, "tuf-key"),
      policy: policy(keyed, { publicKeys: [signingKey.publicKey] }),
      openBundle: opener,
    });
    expect([byKey.verified?.signer.startsWith("key sha256:"), fetches]).toEqual([true, 0]);
    const resolved = await resolveModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: { kind: "version", version: "1" },
    });
    const error = await downloadVerifiedModel(client, {
      owner: OWNER,
      repo,
      resolved,
      dir: join(work.dir, "tuf-fail"),
      policy: policy(repo),
      openBundle: opener,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureError);
    expect((error as Error).message).toBe(
      "Cannot verify keyless signatures: the Sigstore public-good trusted root could not be fetched from its TUF repository (getaddrinfo ENOTFOUND tuf-repo-cdn.sigstore.dev); refusing. Give a trusted root file (registry.signing.sigstore.trusted_root, trusted-root / --trusted-root) to verify offline.",
    );
    expect(fetches).toBe(1);
  });

  it("resolveVerification: keyless by default, required needs no public key, trusted_root relative to mlops.yml", () => {
    const resolved = resolveVerification({
      config: {
        required: true,
        sigstore: { trusted_root: "sigstore/root.jsonl", oidc_issuer: "https://issuer.test" },
      },
      configDir: "/repo",
      configName: "mlops.yml",
      repository: "acme/fraud",
      serverUrl: SERVER,
    });
    expect(resolved.policy).toMatchObject({
      required: true,
      keyless: true,
      publicKeys: [],
      oidcIssuer: "https://issuer.test",
    });
    expect(resolved.sigstore).toEqual({
      trustedRootPath: "/repo/sigstore/root.jsonl",
      trustedRootSource: "mlops.yml: registry.signing.sigstore.trusted_root",
      configName: "mlops.yml",
    });
    const override = resolveVerification({
      config: { sigstore: { instance: "github" } },
      configDir: "/repo",
      configName: "mlops.yml",
      cwd: "/work",
      trustedRoot: "root.json",
      oidcIssuer: "https://other.test",
      repository: "acme/fraud",
      serverUrl: SERVER,
    });
    expect(override.sigstore).toMatchObject({ instance: "github", trustedRootPath: "/work/root.json" });
    expect(override.policy?.oidcIssuer).toBe("https://other.test");
    expect(() =>
      resolveVerification({
        config: { required: true, keyless: false },
        configDir: "/repo",
        configName: "mlops.yml",
        repository: "acme/fraud",
        serverUrl: SERVER,
      }),
    ).toThrow(/registry.signing.keyless is false and no public key is given/);
  });
});

describe("deploy with keyless verification", () => {
  it("deploys a keyless-signed version; refuses one signed in another repository before any deployment", async () => {
    const repo = await registered((r) => signer(main(r)));
    const ran: string[] = [];
    const options = (r: string) => ({
      owner: OWNER,
      repo: r,
      model: "fraud",
      selector: "v1",
      environment: "production",
      workDir: join(work.dir, `deploy-${r}`),
      runId: "1",
      run: async (dir: string) => {
        ran.push(dir);
        return { ok: true };
      },
      rollbackOnFailure: false,
      signing: { policy: policy(r), openBundle: sigstoreBundleOpener({ trust: trust() }) },
    });
    const ok = await deployModel(client, options(repo));
    expect([ok.ok, ran.length]).toEqual([true, 1]);

    const evil = await registered(() =>
      signer(`${OWNER}/elsewhere/.github/workflows/release.yml@refs/heads/main`),
    );
    await expect(deployModel(client, options(evil))).rejects.toThrow(/a statement from another repository/);
    const { data } = await client.request("GET /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo: evil,
    });
    expect([data.length, ran.length]).toEqual([0, 1]);
  });
});
