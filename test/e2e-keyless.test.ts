/**
 * End to end, keyless (issue 17): the Node example's release workflow (`mlops-release.yml` → the reusable
 * `reusable-release.yml`) through the local runner against the emulator and its Sigstore stand-ins, with no
 * signing key anywhere. The register job (the only one with `id-token: write`) signs keyless — the job's
 * OIDC token → a Fulcio certificate for the workflow → Rekor — and stores the provenance as an artifact
 * attestation; the staging deploy verifies the certificate chain, the log entry, the workflow identity and
 * every file, and deploys. While production waits for its required reviewer, the version's model file is
 * replaced (with model.json and SHA256SUMS rewritten to match, as someone with `contents: write` could): the
 * production deploy refuses it with one line, and nothing is deployed to production.
 * Needs the bundled actions (`pnpm build`).
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { GitHubClient } from "@mlops/github";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorClient, exampleCopies, MODEL, OWNER, REPO, runRelease } from "./support/node-example.js";

let emulator: Emulator;
let admin: GitHubClient;
let reviewer: GitHubClient;
let workspace: string;
const copies = exampleCopies();
let toolchain: string;
const TAG = `${MODEL}/v1`;

beforeAll(async () => {
  emulator = await startEmulator();
  admin = emulatorClient(emulator, {
    contents: "write",
    deployments: "read",
    actions: "write",
    attestations: "read",
  });
  reviewer = emulatorClient(emulator, { actions: "write", deployments: "write" }, "maintainer");
  workspace = copies.create("keyless").dir;
  // The stand-ins' trusted root, as `gh attestation trusted-root` gives GitHub's: committed next to mlops.yml.
  writeFileSync(
    join(workspace, ".github", "sigstore-trusted-root.json"),
    JSON.stringify(await emulator.sigstore.trustedRoot()),
  );
  const { sigstore } = emulator;
  appendFileSync(
    join(workspace, "mlops.yml"),
    [
      "registry:",
      "  signing:",
      "    required: true",
      "    workflow: .github/workflows/mlops-release.yml",
      "    sigstore:",
      `      fulcio_url: ${sigstore.fulcioUrl}`,
      `      rekor_url: ${sigstore.rekorUrl}`,
      "      trusted_root: .github/sigstore-trusted-root.json",
      `      oidc_issuer: ${sigstore.oidcIssuer}`,
      "",
    ].join("\n"),
  );
  // Production waits for a required reviewer: the window in which the version is tampered with.
  const { data: maintainer } = await reviewer.request("GET /user");
  await admin.request("PUT /repos/{owner}/{repo}/environments/{environment_name}", {
    owner: OWNER,
    repo: REPO,
    environment_name: "production",
    reviewers: [{ type: "User", id: Number(maintainer.id) }],
  });
  toolchain = mkdtempSync(join(tmpdir(), "e2e-keyless-toolchain-"));
});
afterAll(async () => {
  await emulator.close();
  copies.dispose();
  if (toolchain && existsSync(toolchain)) rmSync(toolchain, { recursive: true, force: true });
});

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

interface Release {
  id: number;
  upload_url: string;
  assets: Array<{ id: number; name: string }>;
}

async function release(): Promise<Release> {
  const { data } = await admin.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
    owner: OWNER,
    repo: REPO,
    tag: TAG,
  });
  return data as Release;
}

async function assetBytes(of: Release, name: string): Promise<Buffer> {
  const { data } = await admin.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo: REPO,
    asset_id: of.assets.find((a) => a.name === name)?.id ?? 0,
    headers: { accept: "application/octet-stream" },
  });
  return Buffer.from(data as unknown as ArrayBuffer);
}

async function replaceAsset(of: Release, name: string, content: Buffer | string): Promise<void> {
  await admin.request("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner: OWNER,
    repo: REPO,
    asset_id: of.assets.find((a) => a.name === name)?.id ?? 0,
  });
  await admin.request({
    method: "POST",
    url: `${of.upload_url.replace(/\{[^}]*\}$/, "")}?name=${name}`,
    headers: { "content-type": "application/octet-stream" },
    data: Buffer.from(content),
  });
}

/**
 * Replaces the model file of v1 and rewrites model.json and SHA256SUMS to match: every digest the download
 * checks agrees, only the signature can tell.
 */
async function tamperWithV1(): Promise<string> {
  const before = await release();
  const manifest = JSON.parse((await assetBytes(before, "model.json")).toString("utf8")) as {
    files: Array<{ name: string; size: number; sha256: string }>;
  };
  const file = manifest.files[0];
  if (!file) throw new Error("model.json of v1 lists no file");
  const forged = Buffer.from(JSON.stringify({ forged: true, note: "weights from somewhere else" }));
  Object.assign(file, { size: forged.length, sha256: sha256(forged) });
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  // SHA256SUMS: `<sha256>  <name>` lines; the two changed files get their new digests.
  const digests = new Map([
    [file.name, sha256(forged)],
    ["model.json", sha256(manifestText)],
  ]);
  const sums = (await assetBytes(before, "SHA256SUMS"))
    .toString("utf8")
    .replace(/^([0-9a-f]{64}) {2}(.+)$/gm, (line, _sha, name: string) =>
      digests.has(name) ? `${digests.get(name)}  ${name}` : line,
    );
  await replaceAsset(before, file.name, forged);
  await replaceAsset(before, "model.json", manifestText);
  await replaceAsset(before, "SHA256SUMS", sums);
  return file.name;
}

/** The run of the release workflow once it waits for a review of production (polling the emulator). */
async function runWaitingForProduction(finished: () => boolean): Promise<number | undefined> {
  while (!finished()) {
    const { data } = await admin.request("GET /repos/{owner}/{repo}/actions/runs", {
      owner: OWNER,
      repo: REPO,
      status: "in_progress",
    });
    for (const run of data.workflow_runs) {
      const { data: pending } = await admin.request(
        "GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments",
        { owner: OWNER, repo: REPO, run_id: Number(run.id) },
      );
      if (pending.some((p) => p.environment.name === "production")) return Number(run.id);
    }
    await sleep(300);
  }
  return undefined;
}

describe("keyless release workflow (examples/node-classifier, no signing key)", () => {
  it("signs keyless, attests, verifies and deploys staging; a version tampered with before production is refused", {
    timeout: 600_000,
  }, async () => {
    const lines: string[] = [];
    let finished = false;
    const tampered: { file?: string; runId?: number } = {};
    const review = runWaitingForProduction(() => finished).then(async (runId) => {
      if (runId === undefined) return;
      tampered.runId = runId;
      tampered.file = await tamperWithV1();
      const { data: pending } = await reviewer.request(
        "GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments",
        { owner: OWNER, repo: REPO, run_id: runId },
      );
      await reviewer.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments", {
        owner: OWNER,
        repo: REPO,
        run_id: runId,
        environment_ids: pending.map((p) => Number(p.environment.id ?? 0)),
        state: "approved",
        comment: "ship it",
      });
    });
    const result = await runRelease(emulator, {
      workspace,
      toolchain,
      log: (line) => lines.push(line),
    }).finally(() => {
      finished = true;
    });
    await review;
    const log = lines.slice(-80).join("\n");
    const conclusion = (job: string) => result.jobs.find((j) => j.name.endsWith(job))?.conclusion;
    expect(tampered.runId, log).toBeDefined();

    // Registered and signed keyless: no key secret was given, the certificate names the workflow.
    const register = result.jobs.find((j) => j.name.includes("register"));
    expect(register?.conclusion, log).toBe("success");
    expect(register?.outputs.version).toBe("1");
    // The runner pointed the jobs at the emulator's Sigstore, and register and both deploys said so.
    expect(
      lines.filter((line) => line.includes("Sigstore settings from the environment (MLOPS_SIGSTORE_")),
    ).toHaveLength(3);
    const signed = lines.find((line) => line.includes(`${MODEL}: signed `));
    expect(signed, log).toMatch(/signed \d+ files of v1 \(keyless: Sigstore public-good/);
    // The job's identity: the reusable workflow the register job is defined in.
    expect(signed).toContain(
      `signer https://github.localhost/${OWNER}/${REPO}/.github/workflows/reusable-release.yml@refs/heads/main`,
    );
    expect(
      lines.some((line) =>
        line.includes(
          `${MODEL}: check any file of v1 with \`gh attestation verify <file> --repo ${OWNER}/${REPO}\`.`,
        ),
      ),
    ).toBe(true);
    const { data: published } = await admin.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: OWNER,
      repo: REPO,
      tag: TAG,
    });
    expect(published.draft).toBe(false);
    const names = published.assets.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(["provenance.sigstore.json", "model.sig", "SHA256SUMS"]));
    expect(names).not.toContain("model.intoto.jsonl");
    const bundle = JSON.parse(
      (await assetBytes(published as Release, "provenance.sigstore.json")).toString(),
    );
    expect(bundle.mediaType).toMatch(/^application\/vnd\.dev\.sigstore\.bundle/);
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);

    // The artifact attestation: found by the digest of any signed file (here the model file as registered);
    // the forged file's digest finds none, so `gh attestation verify` would refuse it too.
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8")) as {
      subject: Array<{ name: string; digest: { sha256: string } }>;
    };
    const attested = (digest: string) =>
      admin
        .request("GET /repos/{owner}/{repo}/attestations/{subject_digest}", {
          owner: OWNER,
          repo: REPO,
          subject_digest: `sha256:${digest}`,
        })
        .then(({ data }) => data.attestations?.length ?? 0)
        .catch((error: { status?: number }) => (error.status === 404 ? 0 : Promise.reject(error)));
    const signedModel = statement.subject.find((s) => s.name === tampered.file);
    expect(signedModel, JSON.stringify(statement.subject)).toBeDefined();
    expect(await attested(signedModel?.digest.sha256 ?? "")).toBe(1);
    const forged = published.assets.find((a) => a.name === tampered.file);
    expect(forged?.digest).not.toBe(`sha256:${signedModel?.digest.sha256}`);
    expect(await attested(forged?.digest?.replace(/^sha256:/, "") ?? "")).toBe(0);

    // Staging: verified before its deployment — the certificate (SAN: the reusable workflow the job is in;
    // its Build Config URI: mlops-release.yml, what registry.signing.workflow names), the Rekor entry, every
    // file — and deployed.
    expect(conclusion("deploy (staging)"), log).toBe("success");
    const verified = lines.filter((line) => line.includes(`${TAG}: signature verified (`));
    expect(verified, log).toHaveLength(1);
    expect(verified[0]).toContain(
      `(https://github.localhost/${OWNER}/${REPO}/.github/workflows/reusable-release.yml@refs/heads/main at refs/heads/main`,
    );
    expect(verified[0]).toMatch(/; Rekor log index \d+ \(/);
    const { data: deployments } = await admin.request("GET /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo: REPO,
    });
    expect(deployments.map((d) => d.environment)).toEqual(["staging"]);

    // Production: the version was changed after signing → one line, no deployment, @production not moved.
    expect(conclusion("deploy (production)"), log).toBe("failure");
    const refusal = lines.filter((line) =>
      line.includes(`${TAG} provenance.sigstore.json: ${tampered.file} (sha256:`),
    );
    expect(refusal.length, log).toBeGreaterThanOrEqual(1);
    expect(refusal[0]).toContain("does not match the signed digest");
    await expect(
      admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
        owner: OWNER,
        repo: REPO,
        ref: `mlops/${MODEL}/@production`,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
