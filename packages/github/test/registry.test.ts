import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GitHubError, InputError, IntegrityError } from "@mlops/core";
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
import { emulatorClient, headSha, OWNER, registerRun, tempDir, writeModelFiles } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };
let stateDir: string;

beforeAll(async () => {
  work = await tempDir();
  stateDir = join(work.dir, "emulator-state");
  emulator = await startEmulator({ stateDir });
  client = emulatorClient(emulator, emulator.createToken({ contents: "write" }));
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function register(
  repo: string,
  runId: string,
  extra: Partial<Parameters<typeof registerModel>[1]> = {},
  c = client,
) {
  return registerRun(
    c,
    work.dir,
    repo,
    runId,
    { params: { depth: 4 }, lineage: { runId }, description: "fraud detector", gate: "passed", ...extra },
    { "model.bin": `weights of ${runId}`, "tokenizer.json": `{"run":"${runId}"}` },
  );
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
    // Budget: 7 calls (2 matching-refs) + 1 per asset (2 files, model.json, SHA256SUMS) + 1 per alias, plus the test's own head lookup.
    expect(emulator.requestLog.length).toBeLessThanOrEqual(1 + 7 + 4 + 1);
    expect(result).toMatchObject({ version: "1", tag: "fraud/v1", outcome: "created" });
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
      ref: "mlops/fraud/@staging",
    });
    expect(alias.object.sha).toBe(ref.object.sha);
    // Aliases are not tags: `git fetch --tags` never sees them (see aliases.test.ts).
    await expect(
      client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
        owner: OWNER,
        repo,
        ref: "tags/fraud/@staging",
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("three reruns of the same run give one version", async () => {
    const repo = "reg-rerun";
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await register(repo, "200"));
    expect(outcomes.map((o) => o.version)).toEqual(["1", "1", "1"]);
    expect(outcomes.map((o) => o.outcome)).toEqual(["created", "existing", "existing"]);
    expect(
      (await listVersions(client, { owner: OWNER, repo, model: "fraud" })).map((v) => v.version),
    ).toEqual(["1"]);
  });

  it("10 concurrent registrations get versions 1..10 exactly once", async () => {
    const repo = "reg-race";
    const clients = Array.from({ length: 10 }, () =>
      emulatorClient(emulator, emulator.createToken({ contents: "write" })),
    );
    const results = await Promise.all(clients.map((c, i) => register(repo, `run-${i}`, {}, c)));
    expect(results.map((r) => Number(r.version)).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const { data: releases } = await client.request("GET /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
      per_page: 100,
    });
    expect(releases).toHaveLength(10);
    expect(releases.every((r) => !r.draft)).toBe(true);
    expect(new Set(releases.map((r) => r.tag_name)).size).toBe(10);
  });

  it("@latest ends on the highest version when a slower registration writes it last (no lock needed)", async () => {
    const repo = "reg-latest-race";
    const slow = emulatorClient(emulator, emulator.createToken({ contents: "write" }, "slow-runner"));
    const fast = emulatorClient(emulator, emulator.createToken({ contents: "write" }, "fast-runner"));
    // The slow run's 2nd ref creation (its @latest, after its version lock) answers after 4 s.
    emulator.setFaults([
      {
        route: "POST /repos/{owner}/{repo}/git/refs",
        nth: [2],
        kind: "slow",
        delayMs: 4_000,
        exceptLogins: ["fast-runner", "github-actions[bot]"],
      },
    ]);
    try {
      const first = register(repo, "slow", { aliases: ["latest"] }, slow);
      // Wait until the slow run has published v1 (it is now writing @latest, delayed).
      for (;;) {
        const published = await client
          .request("GET /repos/{owner}/{repo}/releases/tags/{tag}", { owner: OWNER, repo, tag: "fraud/v1" })
          .then(() => true)
          .catch(() => false);
        if (published) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const second = await register(repo, "fast", { aliases: ["latest"] }, fast);
      expect(second.version).toBe("2");
      expect((await first).version).toBe("1");
    } finally {
      emulator.setFaults([]);
    }
    // The slow run's late write pointed @latest back at v1; it re-read and moved it to v2.
    const resolved = await resolveModel(client, { owner: OWNER, repo, model: "fraud", selector: "@latest" });
    expect(resolved.version).toBe("2");
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
    expect(result).toMatchObject({ version: "1", outcome: "resumed" });
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
    expect(resumed).toMatchObject({ version: "1", outcome: "resumed" });
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
  it("resolves @production with 1,003 versions present, following every page of matching-refs", async () => {
    // A separate in-memory emulator: the shared one persists state.json after every write.
    const fast = await startEmulator();
    const fastClient = emulatorClient(fast, fast.createToken({ contents: "write" }));
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
    // The emulator pages matching-refs at 100: 11 pages of version tags + 1 of aliases + the release.
    expect(fast.requestLog).toHaveLength(13);
    expect(
      fast.requestLog.filter((r) => decodeURIComponent(r.path).includes("matching-refs/tags/fraud/")).length,
    ).toBe(11);
    expect(resolved).toMatchObject({ version: production.version, apiCalls: 13, aliases: ["production"] });
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
    expect(resolved).toMatchObject({ version: "1", skipped: ["2"], apiCalls: 4 });
    expect(await listModels(client, { owner: OWNER, repo })).toEqual(["fraud"]);
  });

  it("moves and promotes aliases", async () => {
    const repo = "resolve-alias";
    await register(repo, "1");
    await register(repo, "2");
    await moveAlias(client, { owner: OWNER, repo, model: "fraud", alias: "staging", selector: "v2" });
    await promote(client, { owner: OWNER, repo, model: "fraud", from: "@staging", to: "production" });
    const versions = await listVersions(client, { owner: OWNER, repo, model: "fraud" });
    expect(versions.find((v) => v.version === "2")?.aliases).toEqual(["production", "staging"]);
    await moveAlias(client, { owner: OWNER, repo, model: "fraud", alias: "production", selector: "v1" });
    expect(
      (await resolveModel(client, { owner: OWNER, repo, model: "fraud", selector: "production" })).version,
    ).toBe("1");
  });
});

describe("semver versions", () => {
  it("registers 1.4.0, 2.0.0-rc.1, then auto → 3; resolves each in 3 calls", async () => {
    const repo = "semver-basic";
    const first = await register(repo, "s1", { version: "1.4.0" });
    expect(first).toMatchObject({ version: "1.4.0", tag: "fraud/v1.4.0", outcome: "created" });
    const rc = await register(repo, "s2", { version: "v2.0.0-rc.1", prerelease: true });
    expect(rc).toMatchObject({ version: "2.0.0-rc.1", tag: "fraud/v2.0.0-rc.1" });
    const auto = await register(repo, "s3");
    expect(auto).toMatchObject({ version: "3", tag: "fraud/v3" });
    expect(
      (await listVersions(client, { owner: OWNER, repo, model: "fraud" })).map((v) => v.version),
    ).toEqual(["3", "2.0.0-rc.1", "1.4.0"]);
    for (const [selector, version] of [
      ["latest", "3"],
      ["v1.4.0", "1.4.0"],
      ["1.4.0", "1.4.0"],
      ["2.0.0-rc.1", "2.0.0-rc.1"],
      ["3.0.0", "3"],
    ]) {
      emulator.clearLog();
      const resolved = await resolveModel(client, {
        owner: OWNER,
        repo,
        model: "fraud",
        selector: selector ?? "",
      });
      expect(resolved.version, selector).toBe(version);
      expect(emulator.requestLog.length, selector).toBeLessThanOrEqual(3);
    }
    const dir = join(work.dir, "semver-basic-out");
    const { manifest } = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "v1.4.0",
      dir,
    });
    expect(manifest.version).toBe("1.4.0");
    expect(await listModels(client, { owner: OWNER, repo })).toEqual(["fraud"]);
  });

  it("an existing explicit version is an error for another run and the same version for a rerun", async () => {
    const repo = "semver-taken";
    await register(repo, "t1", { version: "1.4.0" });
    await register(repo, "t2");
    emulator.clearLog();
    await expect(register(repo, "t3", { version: "1.4.0" })).rejects.toThrow(
      `fraud v1.4.0 already exists in ${OWNER}/${repo} (registered by another run); give a new version or use auto.`,
    );
    await expect(register(repo, "t4", { version: "2.0.0" })).rejects.toThrow(
      /^fraud v2.0.0 is the same version as v2, which exists in/,
    );
    expect(emulator.requestLog.filter((r) => r.method !== "GET")).toEqual([]);
    const rerun = await register(repo, "t1", { version: "1.4.0" });
    expect(rerun).toMatchObject({ version: "1.4.0", outcome: "existing" });
  });

  it("refuses an invalid version with one line before any request", async () => {
    const repo = "semver-invalid";
    const files = await writeModelFiles(work.dir, { "semver-invalid.bin": "w" });
    emulator.clearLog();
    for (const [version, message] of [
      ["1.4.0+build.7", "Invalid model version '1.4.0+build.7': build metadata (`+…`) is not supported"],
      ["1.4", "Invalid model version '1.4': use a whole number (7) or semver"],
      ["0", "Invalid model version '0': whole-number versions start at 1."],
    ]) {
      const error = await registerModel(client, {
        owner: OWNER,
        repo,
        model: "fraud",
        commitSha: "0".repeat(40),
        files,
        metrics: {},
        idempotencyKey: `${OWNER}/${repo}/1/fraud`,
        version: version ?? "",
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain("\n");
    }
    expect(emulator.requestLog).toEqual([]);
  });

  it("orders by semver precedence: 1.10.0 > 1.9.0, a release above its prereleases; @latest stays on the highest", async () => {
    const fast = await startEmulator();
    const fastClient = emulatorClient(fast, fast.createToken({ contents: "write" }));
    const repo = "semver-order";
    await register(repo, "o1", { version: "1.9.0", aliases: ["latest"] }, fastClient);
    await register(repo, "o2", { version: "1.10.0", aliases: ["latest"] }, fastClient);
    const latest = () => resolveModel(fastClient, { owner: OWNER, repo, model: "fraud", selector: "latest" });
    expect((await latest()).version).toBe("1.10.0");
    await register(repo, "o3", { version: "2.0.0", aliases: ["latest"] }, fastClient);
    // A prerelease of 2.0.0 and a hotfix of 1.x registered afterwards do not take @latest.
    await register(repo, "o4", { version: "2.0.0-rc.2", aliases: ["latest"] }, fastClient);
    await register(repo, "o5", { version: "1.10.1", aliases: ["latest"] }, fastClient);
    expect(await latest()).toMatchObject({ version: "2.0.0", aliases: ["latest"] });
    expect(
      (await listVersions(fastClient, { owner: OWNER, repo, model: "fraud" })).map((v) => v.version),
    ).toEqual(["2.0.0", "2.0.0-rc.2", "1.10.1", "1.10.0", "1.9.0"]);
    // Hundreds of older semver tags cost one request per page of 100 refs, nothing per version.
    const commit = await headSha(fastClient, repo);
    for (let start = 0; start < 300; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fastClient.request("POST /repos/{owner}/{repo}/git/refs", {
            owner: OWNER,
            repo,
            ref: `refs/tags/fraud/v0.${start + i}.0`,
            sha: commit,
          }),
        ),
      );
    }
    for (const selector of ["latest", "@latest", "v1.10.0", "1.9.0"]) {
      fast.clearLog();
      await resolveModel(fastClient, { owner: OWNER, repo, model: "fraud", selector });
      // 305 tags: 4 pages, + 1 page of aliases + the release.
      expect(fast.requestLog.length, selector).toBe(6);
    }
    await fast.close();
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
