import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GitHubError, IntegrityError } from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  downloadModel,
  type GitHubClient,
  listModels,
  listVersions,
  moveAlias,
  promote,
  registerModel,
  resolveModel,
} from "../src/index.js";
import { clientFor, headSha, OWNER, tempDir, writeModelFiles } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };
let stateDir: string;

beforeAll(async () => {
  work = await tempDir();
  stateDir = join(work.dir, "emulator-state");
  emulator = await startEmulator({ stateDir });
  client = clientFor(emulator, emulator.createToken({ contents: "write" }));
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function register(
  repo: string,
  runId: string,
  extra: Partial<Parameters<typeof registerModel>[1]> = {},
  c = client,
) {
  const dir = join(work.dir, `${repo}-${runId}`);
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dir, { recursive: true });
  const files = await writeModelFiles(dir, {
    "model.bin": `weights of ${runId}`,
    "tokenizer.json": `{"run":"${runId}"}`,
  });
  return registerModel(c, {
    owner: OWNER,
    repo,
    model: "fraud",
    commitSha: await headSha(c, repo),
    files,
    metrics: { accuracy: 0.9 },
    params: { depth: 4 },
    lineage: { runId },
    description: "fraud detector",
    gate: "passed",
    idempotencyKey: `${OWNER}/${repo}/${runId}/fraud`,
    ...extra,
  });
}

/** Overwrites the stored bytes of an asset inside the emulator's state directory (simulated tampering). */
async function tamperWithAsset(repo: string, assetName: string, content: string): Promise<void> {
  const state = JSON.parse(await readFile(join(stateDir, "state.json"), "utf8")) as {
    repos: Record<string, { assets: Array<{ name: string; blob: string; releaseId: number }> }>;
  };
  const assets = state.repos[`${OWNER}/${repo}`]?.assets.filter((a) => a.name === assetName) ?? [];
  const blob = assets[assets.length - 1]?.blob;
  if (!blob)
    throw new Error(`no blob for ${assetName}; blobs: ${(await readdir(join(stateDir, "blobs"))).length}`);
  await writeFile(join(stateDir, "blobs", blob), content);
}

describe("registerModel", () => {
  it("creates the annotated tag, the published release and verified assets", async () => {
    const repo = "reg-basic";
    emulator.clearLog();
    const result = await register(repo, "100", { aliases: ["staging"] });
    // Budget: 6 calls + 1 per asset (2 files, model.json, SHA256SUMS) + 1 per alias, plus the test's own head lookup.
    expect(emulator.requestLog.length).toBeLessThanOrEqual(1 + 6 + 4 + 1);
    expect(result).toMatchObject({ version: 1, tag: "fraud/v1", outcome: "created" });
    const { data: ref } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo,
      ref: "tags/fraud/v1",
    });
    expect(ref.object.type).toBe("tag");
    const { data: tag } = await client.request("GET /repos/{owner}/{repo}/git/tags/{tag_sha}", {
      owner: OWNER,
      repo,
      tag_sha: ref.object.sha,
    });
    expect(tag.message).toContain(`${OWNER}/${repo}/100/fraud`);
    const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: OWNER,
      repo,
      tag: "fraud/v1",
    });
    expect(release.draft).toBe(false);
    expect(release.assets.map((a) => a.name).sort()).toEqual([
      "SHA256SUMS",
      "model.bin",
      "model.json",
      "tokenizer.json",
    ]);
    expect(release.assets.find((a) => a.name === "model.bin")?.digest).toBe(
      `sha256:${sha256("weights of 100")}`,
    );
    const { data: alias } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo,
      ref: "tags/fraud/@staging",
    });
    expect(alias.object.sha).toBe(ref.object.sha);
  });

  it("three reruns of the same run give one version", async () => {
    const repo = "reg-rerun";
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await register(repo, "200"));
    expect(outcomes.map((o) => o.version)).toEqual([1, 1, 1]);
    expect(outcomes.map((o) => o.outcome)).toEqual(["created", "existing", "existing"]);
    expect(
      (await listVersions(client, { owner: OWNER, repo, model: "fraud" })).map((v) => v.version),
    ).toEqual([1]);
  });

  it("10 concurrent registrations get versions 1..10 exactly once", async () => {
    const repo = "reg-race";
    const clients = Array.from({ length: 10 }, () =>
      clientFor(emulator, emulator.createToken({ contents: "write" })),
    );
    const results = await Promise.all(clients.map((c, i) => register(repo, `run-${i}`, {}, c)));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { data: releases } = await client.request("GET /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
      per_page: 100,
    });
    expect(releases).toHaveLength(10);
    expect(releases.every((r) => !r.draft)).toBe(true);
    expect(new Set(releases.map((r) => r.tag_name)).size).toBe(10);
  });

  it("resumes a crashed registration (tag created, no release) instead of taking a new number", async () => {
    const repo = "reg-crash";
    const commit = await headSha(client, repo);
    const { data: tagObject } = await client.request("POST /repos/{owner}/{repo}/git/tags", {
      owner: OWNER,
      repo,
      tag: "fraud/v1",
      message: `fraud v1\n\nmlops-idempotency-key: ${OWNER}/${repo}/300/fraud\n`,
      object: commit,
      type: "commit",
    });
    await client.request("POST /repos/{owner}/{repo}/git/refs", {
      owner: OWNER,
      repo,
      ref: "refs/tags/fraud/v1",
      sha: tagObject.sha,
    });
    const result = await register(repo, "300");
    expect(result).toMatchObject({ version: 1, outcome: "resumed" });
  });
});

describe("registerModel recovery", () => {
  it("resumes its draft after a failed publish without uploading again", async () => {
    const repo = "reg-resume-draft";
    emulator.setFaults([
      { route: "PATCH /repos/{owner}/{repo}/releases/{release_id}", kind: "5xx", status: 503 },
    ]);
    const failed = await register(repo, "500").catch((e: unknown) => e);
    emulator.setFaults([]);
    expect(failed).toBeInstanceOf(GitHubError);
    emulator.clearLog();
    const resumed = await register(repo, "500");
    expect(resumed).toMatchObject({ version: 1, outcome: "resumed" });
    expect(emulator.requestLog.filter((r) => r.path.includes("/assets") && r.method === "POST")).toHaveLength(
      0,
    );
    const { data: releases } = await client.request("GET /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
    });
    expect(releases.map((r) => [r.tag_name, r.draft])).toEqual([["fraud/v1", false]]);
  });

  it("replaces a half-uploaded 'starter' asset left by a 502", async () => {
    const repo = "reg-starter";
    emulator.setFaults([
      {
        route: "POST /uploads/repos/{owner}/{repo}/releases/{release_id}/assets",
        nth: [1],
        kind: "5xx",
        starterAsset: true,
      },
    ]);
    const result = await register(repo, "600");
    emulator.setFaults([]);
    const bin = result.assets.find((a) => a.name === "model.bin");
    expect(bin).toMatchObject({ state: "uploaded", digest: `sha256:${sha256("weights of 600")}` });
    const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: OWNER,
      repo,
      tag: "fraud/v1",
    });
    expect(release.assets.filter((a) => a.name === "model.bin")).toHaveLength(1);
  });
});

describe("resolveModel", () => {
  it("resolves @production in 2 calls with 1,000 versions present", async () => {
    // A separate in-memory emulator: the shared one persists state.json after every write.
    const fast = await startEmulator();
    const fastClient = clientFor(fast, fast.createToken({ contents: "write" }));
    const repo = "resolve-many";
    await register(repo, "1", {}, fastClient);
    const production = await register(repo, "2", { aliases: ["production"] }, fastClient);
    await register(repo, "3", {}, fastClient);
    const commit = await headSha(fastClient, repo);
    for (let start = 4; start <= 1003; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fastClient.request("POST /repos/{owner}/{repo}/git/refs", {
            owner: OWNER,
            repo,
            ref: `refs/tags/fraud/v${start + i}`,
            sha: commit,
          }),
        ),
      );
    }
    expect((await listVersions(fastClient, { owner: OWNER, repo, model: "fraud" })).length).toBe(1003);
    fast.clearLog();
    const resolved = await resolveModel(fastClient, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "@production",
    });
    expect(fast.requestLog).toHaveLength(2);
    expect(resolved).toMatchObject({ version: production.version, apiCalls: 2, aliases: ["production"] });
    expect(resolved.release.assets.length).toBe(4);
    await fast.close();
  });

  it("'latest' skips versions without a published release and says so", async () => {
    const repo = "resolve-latest";
    await register(repo, "1");
    await client.request("POST /repos/{owner}/{repo}/git/refs", {
      owner: OWNER,
      repo,
      ref: "refs/tags/fraud/v2",
      sha: await headSha(client, repo),
    });
    const resolved = await resolveModel(client, { owner: OWNER, repo, model: "fraud", selector: "latest" });
    expect(resolved).toMatchObject({ version: 1, skipped: [2], apiCalls: 3 });
    expect(await listModels(client, { owner: OWNER, repo })).toEqual(["fraud"]);
  });

  it("moves and promotes aliases", async () => {
    const repo = "resolve-alias";
    await register(repo, "1");
    await register(repo, "2");
    await moveAlias(client, { owner: OWNER, repo, model: "fraud", alias: "staging", selector: "v2" });
    await promote(client, { owner: OWNER, repo, model: "fraud", from: "@staging", to: "production" });
    const versions = await listVersions(client, { owner: OWNER, repo, model: "fraud" });
    expect(versions.find((v) => v.version === 2)?.aliases).toEqual(["production", "staging"]);
    await moveAlias(client, { owner: OWNER, repo, model: "fraud", alias: "production", selector: "v1" });
    expect(
      (await resolveModel(client, { owner: OWNER, repo, model: "fraud", selector: "production" })).version,
    ).toBe(1);
  });
});

describe("downloadModel", () => {
  it("downloads and verifies every file", async () => {
    const repo = "dl-ok";
    await register(repo, "1");
    const dir = join(work.dir, "dl-ok-out");
    const result = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "latest",
      dir,
    });
    expect(result.files.map((f) => f.name)).toEqual(["model.bin", "tokenizer.json"]);
    expect(await readFile(join(dir, "model.bin"), "utf8")).toBe("weights of 1");
  });

  it("refuses a tampered asset", async () => {
    const repo = "dl-tampered";
    await register(repo, "1");
    await tamperWithAsset(repo, "model.bin", "weights of 2");
    const dir = join(work.dir, "dl-tampered-out");
    const error = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "v1",
      dir,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/model\.bin/);
    expect(await readdir(dir)).not.toContain("model.bin");
  });

  it("refuses an HTML page served in place of the asset", async () => {
    const repo = "dl-html";
    await register(repo, "1");
    await tamperWithAsset(repo, "model.bin", "<!DOCTYPE html><html><body>Error</body></html>");
    const error = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "v1",
      dir: join(work.dir, "dl-html-out"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/HTML/);
  });
});
