// Keyless signing in register (issue 17 item 1): a job's GitHub OIDC token → the emulator's Fulcio
// stand-in → a certificate naming the job's workflow → both bundles (SLSA provenance, OpenSSF model
// signing) witnessed by Rekor or a timestamp authority; Sigstore's own verifier accepts them with the
// emulator's trusted root. A refusing or unreachable Sigstore service is one line and nothing is published.
// The provenance is stored as a GitHub artifact attestation (idempotent; 403 → warning).
import { createHash } from "node:crypto";
import { IN_TOTO_PAYLOAD_TYPE, MODEL_SIGNING_V1, type SigstoreConfig, SLSA_PROVENANCE_V1 } from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GitHubClient,
  type IdTokenSource,
  keylessVersionSigner,
  type RegisterModelOptions,
  SigstoreError,
} from "../src/index.js";
import { emulatorClient, OWNER, registerRun, tempDir } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };
const SHA = "1111111111111111111111111111111111111111";
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  work = await tempDir();
  emulator = await startEmulator();
  client = emulatorClient(
    emulator,
    emulator.createToken({ contents: "write", attestations: "write", metadata: "read" }),
  );
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

const workflowRef = (repo: string) => `${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main`;
/** The certificate SAN GitHub's Fulcio gives the job: `${GITHUB_SERVER_URL}/${job_workflow_ref}`. */
const sanOf = (repo: string) => `${emulator.serverUrl}/${workflowRef(repo)}`;

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * The ID-token source of a job with `id-token: write` in `repo` (as the runner registers it, and as
 * `@actions/core`'s getIDToken asks); `audience` replaces the one asked for (a token Fulcio must refuse).
 */
async function jobIdToken(repo: string, audience?: string): Promise<IdTokenSource> {
  const run = await post(`/_emulator/repos/${OWNER}/${repo}/actions/runs`, {
    workflow_path: ".github/workflows/release.yml",
    name: "release",
    event: "push",
    head_branch: "main",
    head_sha: SHA,
  });
  const job = await post(`/_emulator/repos/${OWNER}/${repo}/actions/runs/${run.id}/jobs`, {
    name: "register",
    permissions: { contents: "write", "id-token": "write", attestations: "write" },
    oidc: {
      ref: "refs/heads/main",
      sha: SHA,
      workflow_ref: workflowRef(repo),
      job_workflow_ref: workflowRef(repo),
    },
  });
  return async (asked) => {
    const url = new URL(String(job.id_token_request_url));
    url.searchParams.set("audience", audience ?? asked);
    const response = await fetch(url, { headers: { authorization: `bearer ${job.id_token_request_token}` } });
    return ((await response.json()) as { value: string }).value;
  };
}

const log = () => {
  const lines: string[] = [];
  return {
    lines,
    info: (m: string) => lines.push(`info: ${m}`),
    warning: (m: string) => lines.push(`warning: ${m}`),
    debug: () => {},
  };
};

/** Registers run `runId` of `repo`, signed keyless with `sigstore` (the emulator's stand-ins). */
async function registerKeyless(
  repo: string,
  runId: string,
  sigstore: SigstoreConfig,
  extra: Partial<RegisterModelOptions> & { audience?: string; via?: GitHubClient; retries?: number } = {},
) {
  const { audience, via, retries, ...rest } = extra;
  const target = via ?? client;
  const messages = log();
  const signer = await keylessVersionSigner(target, {
    owner: OWNER,
    repo,
    sigstore,
    idToken: await jobIdToken(repo, audience),
    log: messages,
    ...(retries !== undefined ? { retries } : {}),
  });
  const registered = await registerRun(target, work.dir, repo, runId, {
    signer,
    serverUrl: emulator.serverUrl,
    lineage: { workflow_ref: workflowRef(repo), run: { id: Number(runId), attempt: 1, url: "" } },
    log: messages,
    ...rest,
  });
  return { registered, messages: messages.lines };
}

async function assetText(repo: string, assets: Array<{ id: number; name: string }>, name: string) {
  const { data } = await client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo,
    asset_id: assets.find((a) => a.name === name)?.id ?? 0,
    headers: { accept: "application/octet-stream" },
  });
  return Buffer.from(data as unknown as ArrayBuffer).toString("utf8");
}

/** Sigstore's own verifier, trusting nothing but the emulator's trusted root. */
async function verifyBundle(
  text: string,
  san: string,
  thresholds: { tlogThreshold: number; tsaThreshold?: number },
) {
  const root = TrustedRoot.fromJSON(await emulator.sigstore.trustedRoot());
  const verifier = new Verifier(toTrustMaterial(root), { ctlogThreshold: 1, ...thresholds });
  const bundle = bundleFromJSON(JSON.parse(text));
  const signer = verifier.verify(toSignedEntity(bundle), {
    subjectAlternativeName: san,
    extensions: { issuer: emulator.sigstore.oidcIssuer },
  });
  const envelope = bundle.content.$case === "dsseEnvelope" ? bundle.content.dsseEnvelope : undefined;
  return {
    signer,
    bundle,
    payloadType: envelope?.payloadType,
    statement: JSON.parse(envelope?.payload.toString("utf8") ?? "{}") as {
      subject: Array<{ name: string; digest: { sha256: string } }>;
      predicateType: string;
      predicate: { resources?: Array<{ name: string; digest: string }> };
    },
  };
}

const fulcioCalls = () =>
  emulator.requestLog.filter((r) => r.method === "POST" && r.path.includes("/_sigstore/fulcio")).length;

describe("keyless signing", () => {
  it("signs both statements with one Fulcio certificate for the job's workflow, witnessed by Rekor", async () => {
    const repo = "keyless-rekor";
    const before = fulcioCalls();
    const sigstore = { fulcio_url: emulator.sigstore.fulcioUrl, rekor_url: emulator.sigstore.rekorUrl };
    const { registered, messages } = await registerKeyless(repo, "101", sigstore, { attest: false });
    expect(registered.outcome).toBe("created");
    expect(registered.signedBy).toBe(sanOf(repo));
    expect(fulcioCalls() - before).toBe(1);
    // A public repository without `instance`: public-good, with the configured URLs.
    expect(messages).toContainEqual(
      expect.stringMatching(/Signing keyless with Sigstore public-good \(a public repository\): Fulcio http/),
    );
    const names = registered.assets.map((a) => a.name).sort();
    expect(names).toEqual(
      ["SHA256SUMS", "model.bin", "model.json", "model.sig", "provenance.sigstore.json"].sort(),
    );
    const sums = await assetText(repo, registered.assets, "SHA256SUMS");
    const weights = await assetText(repo, registered.assets, "model.bin");

    const provenance = await verifyBundle(
      await assetText(repo, registered.assets, "provenance.sigstore.json"),
      sanOf(repo),
      { tlogThreshold: 1 },
    );
    expect(provenance.signer.identity?.subjectAlternativeName).toBe(sanOf(repo));
    expect(provenance.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(provenance.statement.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(provenance.bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(provenance.bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind).toBe("dsse");
    const subjects = Object.fromEntries(provenance.statement.subject.map((s) => [s.name, s.digest.sha256]));
    expect(subjects["SHA256SUMS"]).toBe(sha256(sums));
    expect(subjects["model.bin"]).toBe(sha256(weights));

    const manifest = await verifyBundle(await assetText(repo, registered.assets, "model.sig"), sanOf(repo), {
      tlogThreshold: 1,
    });
    expect(manifest.statement.predicateType).toBe(MODEL_SIGNING_V1);
    expect(manifest.statement.subject[0]?.name).toBe("fraud");
    expect(manifest.statement.predicate.resources?.find((r) => r.name === "model.bin")?.digest).toBe(
      sha256(weights),
    );
    // The same certificate signs both (one ephemeral key).
    const certOf = (b: typeof provenance.bundle) => JSON.stringify(b.verificationMaterial.content);
    expect(certOf(manifest.bundle)).toBe(certOf(provenance.bundle));
  });

  it("GitHub's instance: timestamps from the TSA, nothing sent to a transparency log", async () => {
    const repo = "keyless-tsa";
    const rekorBefore = emulator.requestLog.filter((r) => r.path.includes("/_sigstore/rekor")).length;
    const { registered, messages } = await registerKeyless(
      repo,
      "102",
      { instance: "github", fulcio_url: emulator.sigstore.fulcioUrl, tsa_url: emulator.sigstore.tsaUrl },
      { attest: false },
    );
    expect(messages).toContainEqual(
      expect.stringMatching(/Sigstore github \(registry.signing.sigstore.instance\).*timestamps http/),
    );
    for (const name of ["provenance.sigstore.json", "model.sig"]) {
      const opened = await verifyBundle(await assetText(repo, registered.assets, name), sanOf(repo), {
        tlogThreshold: 0,
        tsaThreshold: 1,
      });
      expect(opened.bundle.verificationMaterial.tlogEntries).toEqual([]);
      expect(opened.bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    }
    expect(emulator.requestLog.filter((r) => r.path.includes("/_sigstore/rekor")).length).toBe(rekorBefore);
  });

  it("a private repository signs with GitHub's instance by default: a timestamp, nothing sent to a transparency log", async () => {
    const repo = "keyless-private";
    const admin = emulatorClient(emulator, emulator.createToken({ administration: "write" }));
    const { data: updated } = await admin.request("PATCH /repos/{owner}/{repo}", {
      owner: OWNER,
      repo,
      private: true,
    });
    expect([updated.private, updated.visibility]).toEqual([true, "private"]);
    // The emulator models only these fields of "Update a repository", and says so instead of ignoring others.
    await expect(
      admin.request("PATCH /repos/{owner}/{repo}", { owner: OWNER, repo, description: "x" }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      client.request("PATCH /repos/{owner}/{repo}", { owner: OWNER, repo, private: false }),
    ).rejects.toMatchObject({ status: 403 });
    const rekorBefore = emulator.requestLog.filter((r) => r.path.includes("/_sigstore/rekor")).length;
    // No `instance`: the repository's visibility decides; the URLs only replace GitHub's instance's.
    const { registered, messages } = await registerKeyless(
      repo,
      "105",
      { fulcio_url: emulator.sigstore.fulcioUrl, tsa_url: emulator.sigstore.tsaUrl },
      { attest: false },
    );
    expect(messages).toContainEqual(
      `info: Signing keyless with Sigstore github (a private repository): Fulcio ${emulator.sigstore.fulcioUrl}, timestamps ${emulator.sigstore.tsaUrl}.`,
    );
    const opened = await verifyBundle(
      await assetText(repo, registered.assets, "provenance.sigstore.json"),
      sanOf(repo),
      { tlogThreshold: 0, tsaThreshold: 1 },
    );
    expect(opened.bundle.verificationMaterial.tlogEntries).toEqual([]);
    expect(emulator.requestLog.filter((r) => r.path.includes("/_sigstore/rekor")).length).toBe(rekorBefore);
  });

  it("Fulcio refusing the token is one line naming Fulcio and its answer; nothing is published", async () => {
    const repo = "keyless-refused";
    const sigstore = { fulcio_url: emulator.sigstore.fulcioUrl, rekor_url: emulator.sigstore.rekorUrl };
    const failure = await registerKeyless(repo, "103", sigstore, { audience: "not-sigstore" }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SigstoreError);
    const message = (failure as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(
      new RegExp(
        `^Keyless signing of fraud/v1 \\(provenance.sigstore.json\\) failed: Fulcio \\(${emulator.sigstore.fulcioUrl.replace(/[.]/g, "\\.")}\\) answered \\(4\\d\\d\\) .+\\. Nothing was published`,
      ),
    );
    // The release stays a draft without any asset: nothing half-written is visible.
    const { data: releases } = await client.request("GET /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
    });
    expect(releases.map((r) => [r.tag_name, r.draft, r.assets.length])).toEqual([["fraud/v1", true, 0]]);
  });

  it("an unreachable Rekor is one line naming Rekor", async () => {
    const failure = await registerKeyless(
      "keyless-no-rekor",
      "104",
      { fulcio_url: emulator.sigstore.fulcioUrl, rekor_url: "http://127.0.0.1:9" },
      { attest: false, retries: 0 },
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SigstoreError);
    expect((failure as Error).message).toMatch(
      /failed: Rekor \(http:\/\/127\.0\.0\.1:9\) could not be reached: .*ECONNREFUSED.*Nothing was published/,
    );
  });
});

/** The attestations GitHub has for `digest` (`sha256:…`); [] when it answers 404 (none). */
async function attestationsOf(repo: string, digest: string) {
  try {
    const { data } = await client.request("GET /repos/{owner}/{repo}/attestations/{subject_digest}", {
      owner: OWNER,
      repo,
      subject_digest: digest,
    });
    return (data.attestations ?? []) as Array<{
      bundle?: { dsseEnvelope?: { signatures?: Array<{ sig: string }> } };
    }>;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return [];
    throw error;
  }
}

const sigOf = (bundle: unknown) =>
  (bundle as { dsseEnvelope?: { signatures?: Array<{ sig: string }> } }).dsseEnvelope?.signatures?.[0]?.sig;
const attestationPosts = (repo: string) =>
  emulator.requestLog.filter((r) => r.method === "POST" && r.path === `/repos/${OWNER}/${repo}/attestations`)
    .length;

describe("artifact attestations", () => {
  const sigstore = () => ({ fulcio_url: emulator.sigstore.fulcioUrl, rekor_url: emulator.sigstore.rekorUrl });

  it("stores the provenance as an attestation of every signed file before publishing; a re-run stores nothing new", async () => {
    const repo = "attest-once";
    const { registered, messages } = await registerKeyless(repo, "201", sigstore());
    expect(registered.attestation).toMatchObject({ outcome: "created", id: expect.any(Number) });
    expect(messages).toContainEqual(
      `info: fraud: artifact attestation ${registered.attestation?.id} stored for v1.`,
    );
    expect(messages).toContainEqual(
      `info: fraud: check any file of v1 with \`gh attestation verify <file> --repo ${OWNER}/${repo}\`.`,
    );
    // Before the publish: the attestation POST comes before the release's last write (PATCH draft=false).
    const writes = emulator.requestLog.filter(
      (r) =>
        r.method !== "GET" &&
        (r.path.includes(`/${repo}/releases`) || r.path.includes(`/${repo}/attestations`)),
    );
    expect(writes.map((w) => w.method).slice(-2)).toEqual(["POST", "PATCH"]);
    expect(writes.at(-2)?.path).toBe(`/repos/${OWNER}/${repo}/attestations`);

    const provenance = JSON.parse(await assetText(repo, registered.assets, "provenance.sigstore.json"));
    const sums = await assetText(repo, registered.assets, "SHA256SUMS");
    const weights = await assetText(repo, registered.assets, "model.bin");
    // Found by SHA256SUMS' digest and by a model file's (what `gh attestation verify model.bin` asks).
    for (const digest of [`sha256:${sha256(sums)}`, `sha256:${sha256(weights)}`]) {
      const stored = await attestationsOf(repo, digest);
      expect(stored.map((a) => sigOf(a.bundle))).toEqual([sigOf(provenance)]);
    }
    // The same run again: already registered, the attestation is found, not posted again.
    const again = await registerKeyless(repo, "201", sigstore());
    expect(again.registered.outcome).toBe("existing");
    expect(again.registered.attestation).toEqual({
      outcome: "existing",
      subjectDigest: `sha256:${sha256(sums)}`,
    });
    expect(attestationPosts(repo)).toBe(1);
    expect(await attestationsOf(repo, `sha256:${sha256(sums)}`)).toHaveLength(1);
  });

  it("a lost answer to the attestation POST is reconciled by the lookup: one attestation", async () => {
    const repo = "attest-lost";
    emulator.setFaults([
      { route: "POST /repos/{owner}/{repo}/attestations", nth: [1], kind: "reset-mid-body" },
    ]);
    try {
      const { registered } = await registerKeyless(repo, "202", sigstore());
      expect(registered.attestation?.outcome).toBe("existing");
    } finally {
      emulator.setFaults([]);
    }
    expect(await attestationsOf(repo, await registeredSums(repo))).toHaveLength(1);
    expect(attestationPosts(repo)).toBe(1);
  });

  it("without attestations: write: a warning naming the permission, the version is published; a re-run with it stores the attestation", async () => {
    const repo = "attest-forbidden";
    const readOnly = emulatorClient(emulator, emulator.createToken({ contents: "write" }));
    const { registered, messages } = await registerKeyless(repo, "203", sigstore(), { via: readOnly });
    expect(registered.outcome).toBe("created");
    expect(registered.attestation?.outcome).toBe("skipped");
    expect(messages.filter((m) => m.startsWith("warning:"))).toEqual([
      expect.stringMatching(
        /^warning: Artifact attestation not stored: GitHub answered 403 \("Resource not accessible by integration"\): grant the job `permissions: attestations: write`/,
      ),
    ]);
    const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/{release_id}", {
      owner: OWNER,
      repo,
      release_id: registered.releaseId,
    });
    expect(release.draft).toBe(false);
    const sums = await registeredSums(repo);
    expect(await attestationsOf(repo, sums)).toEqual([]);

    const healed = await registerKeyless(repo, "203", sigstore());
    expect(healed.registered.outcome).toBe("existing");
    expect(healed.registered.attestation).toMatchObject({ outcome: "created", id: expect.any(Number) });
    expect(await attestationsOf(repo, sums)).toHaveLength(1);
  });
});

/** `sha256:<hex>` of the SHA256SUMS of `repo`'s fraud/v1. */
async function registeredSums(repo: string): Promise<string> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
    owner: OWNER,
    repo,
    tag: "fraud/v1",
  });
  return `sha256:${sha256(await assetText(repo, data.assets, "SHA256SUMS"))}`;
}
