/**
 * Issue 12 items 8, 10, 12 (and issue 13 item 11): GitHub errors classified once, ruleset refusals
 * reported as what they are, expected 422s kept out of the warnings, every page of matching-refs /
 * release assets / releases read, and rate limits waited out as GitHub's docs ask (injected clock).
 */
import { createHash } from "node:crypto";
import { GitHubError } from "@mlops/core";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubLog,
  githubErrorReason,
  listVersions,
  moveAlias,
  toRelease,
  translateGitHubError,
  uploadAsset,
} from "../src/index.js";
import { emulatorClient, emulatorWithClient, headSha, OWNER, registerRun, tempDir } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  ({ emulator, client } = await emulatorWithClient({ contents: "write" }));
  work = await tempDir();
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

/** A log that keeps every line by level. */
function captureLog(): GitHubLog & { lines: Record<"debug" | "info" | "warning", string[]> } {
  const lines = { debug: [] as string[], info: [] as string[], warning: [] as string[] };
  return {
    lines,
    debug: (m) => lines.debug.push(m),
    info: (m) => lines.info.push(m),
    warning: (m) => lines.warning.push(m),
  };
}

function register(repo: string, runId: string, c: GitHubClient = client, extra = {}) {
  return registerRun(c, work.dir, repo, runId, extra);
}

describe("GitHub errors are classified once (githubErrorReason)", () => {
  const shaped = (
    status: number,
    message: string,
    headers: Record<string, string> = {},
    errors?: unknown,
  ) => ({
    status,
    message,
    response: { headers, data: { message, ...(errors ? { errors } : {}) } },
  });

  it("tells the 422s apart, and rate limits from permissions", () => {
    expect(githubErrorReason(shaped(422, "Reference already exists"))).toBe("already-exists");
    expect(
      githubErrorReason(
        shaped(422, "Validation Failed", {}, [
          { resource: "ReleaseAsset", code: "already_exists", field: "name" },
        ]),
      ),
    ).toBe("already-exists");
    expect(
      githubErrorReason(
        shaped(
          422,
          "Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n",
        ),
      ),
    ).toBe("ruleset-violation");
    expect(githubErrorReason(shaped(422, "Reference update failed"))).toBe("validation");
    expect(githubErrorReason(shaped(422, "Reference does not exist"))).toBe("not-found");
    expect(githubErrorReason(shaped(403, "Resource not accessible by integration"))).toBe("permission");
    expect(githubErrorReason(shaped(403, "API rate limit exceeded", { "x-ratelimit-remaining": "0" }))).toBe(
      "rate-limit",
    );
    expect(githubErrorReason(shaped(429, "You have exceeded a secondary rate limit."))).toBe(
      "secondary-rate-limit",
    );
    expect(githubErrorReason(shaped(404, "Not Found"))).toBe("not-found");
    expect(githubErrorReason(shaped(502, "Server Error"))).toBe("server");
    expect(githubErrorReason(new Error("a bug"))).toBeUndefined();
    const translated = translateGitHubError(shaped(403, "Resource not accessible by integration"), {
      operation: "create a check run",
    });
    expect(translated.reason).toBe("permission");
    expect(githubErrorReason(translated)).toBe("permission");
  });
});

describe("tag rulesets (422 Repository rule violations found)", () => {
  it("a tag ruleset refusing version tags is reported as a ruleset, not as 'already exists'", async () => {
    const repo = "ruleset-tags";
    await register(repo, "before"); // v1 exists before the ruleset
    await client.request("POST /_emulator/repos/{owner}/{repo}/rulesets", {
      owner: OWNER,
      repo,
      name: "protect tags",
      include: ["refs/tags/**"],
      rules: ["creation", "update", "deletion"],
    });
    emulator.clearLog();
    const error = await register(repo, "after").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    const message = (error as GitHubError).message;
    expect((error as GitHubError).reason).toBe("ruleset-violation");
    expect(message).toContain("Cannot register fraud v2");
    expect(message).toContain("tag ruleset forbids it");
    expect(message).toContain("refs/tags/fraud/v2");
    expect(message).toContain(
      "Repository rule violations found Cannot create ref due to creations being restricted.",
    );
    expect(message).toContain("bypass list");
    expect(message).not.toMatch(/already exists|not found/i);
    // One attempt: a refusal is not a lost race, so no v3, v4, … attempts.
    expect(
      emulator.requestLog.filter((r) => r.method === "POST" && r.route.endsWith("/git/refs")),
    ).toHaveLength(1);
  });

  it("a ruleset over the alias namespace names the alias ref; a bypass actor passes", async () => {
    const repo = "ruleset-aliases";
    await register(repo, "1");
    await client.request("POST /_emulator/repos/{owner}/{repo}/rulesets", {
      owner: OWNER,
      repo,
      include: ["refs/mlops/*/*"],
      rules: ["creation"],
      bypass: ["release-bot"],
    });
    const refused = await moveAlias(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      alias: "staging",
      selector: "v1",
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: "ruleset-violation" });
    expect((refused as Error).message).toContain("refs/mlops/fraud/@staging");
    const bot = emulatorClient(emulator, emulator.createToken({ contents: "write" }, "release-bot"));
    await expect(
      moveAlias(bot, { owner: OWNER, repo, model: "fraud", alias: "staging", selector: "v1" }),
    ).resolves.toMatchObject({ version: "1" });
  });
});

describe("expected 422s are debug output, not warnings", () => {
  it("an idempotent re-run and a lost version race print no ⚠ 422 line", async () => {
    const repo = "quiet-422";
    const log = captureLog();
    const quiet = emulatorClient(emulator, emulator.createToken({ contents: "write" }), { log });
    const first = await register(repo, "run-1", quiet, { aliases: ["staging"], log });
    const again = await register(repo, "run-1", quiet, { aliases: ["staging"], log });
    expect(again).toMatchObject({ version: first.version, outcome: "existing" });
    // Two runs racing for the next number: one loses POST /git/refs with 422 and takes N+1.
    const raced = await Promise.all([register(repo, "run-2", quiet), register(repo, "run-3", quiet)]);
    expect(raced.map((r) => r.version).sort()).toEqual(["2", "3"]);
    const answered422 = emulator.requestLog.filter((r) => r.status === 422 && r.route.endsWith("/git/refs"));
    expect(answered422.length).toBeGreaterThanOrEqual(2); // the alias re-write and the lost race
    expect(log.lines.warning.filter((line) => line.includes("422"))).toEqual([]);
    expect(log.lines.debug.some((line) => /POST \/repos\/.*\/git\/refs - 422/.test(line))).toBe(true);
  });
});

describe("pagination", () => {
  it("reads every page of matching-refs: 150 versions, not the first 100", async () => {
    const repo = "many-refs";
    await register(repo, "1");
    const commit = await headSha(client, repo);
    await Promise.all(
      Array.from({ length: 149 }, (_, i) =>
        client.request("POST /repos/{owner}/{repo}/git/refs", {
          owner: OWNER,
          repo,
          ref: `refs/tags/fraud/v${i + 2}`,
          sha: commit,
        }),
      ),
    );
    const first = await client.request("GET /repos/{owner}/{repo}/git/matching-refs/{ref}", {
      owner: OWNER,
      repo,
      ref: "tags/fraud/",
    });
    expect(first.data).toHaveLength(100); // the emulator pages, as GitHub may
    expect(first.headers.link).toContain('rel="next"');
    const versions = await listVersions(client, { owner: OWNER, repo, model: "fraud" });
    expect(versions).toHaveLength(150);
    expect(versions[0]?.version).toBe("150");
  });

  it("finds an asset beyond the first 100 when reconciling an upload", async () => {
    const repo = "many-assets";
    const sha = await headSha(client, repo);
    const { data: draft } = await client.request("POST /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
      tag_name: "shards/v1",
      target_commitish: sha,
      draft: true,
    });
    const release = toRelease(draft as Parameters<typeof toRelease>[0]);
    const upload = (name: string, text: string) =>
      client.request({
        method: "POST",
        url: `${release.uploadUrl.replace(/\{[^}]*\}$/, "")}?name=${name}`,
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(Buffer.byteLength(text)),
        },
        data: Buffer.from(text),
      });
    for (let i = 0; i < 120; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          upload(`shard-${String(i + j).padStart(3, "0")}.bin`, `shard ${i + j}`),
        ),
      );
    const content = Buffer.from("shard 119");
    emulator.clearLog();
    // The caller's release object is stale (no assets): the first attempt gets 422 already_exists, the
    // reconcile must then find shard-119 on page 2 of the asset list and keep it.
    const asset = await uploadAsset(
      client,
      OWNER,
      repo,
      { ...release, assets: [] },
      {
        name: "shard-119.bin",
        size: content.length,
        sha256: createHash("sha256").update(content).digest("hex"),
        contentType: "application/octet-stream",
        content,
      },
    );
    expect(asset).toMatchObject({ name: "shard-119.bin", size: content.length, state: "uploaded" });
    const listed = emulator.requestLog.filter(
      (r) => r.method === "GET" && r.route.endsWith("/releases/{release_id}/assets"),
    );
    expect(listed.length).toBe(2); // both pages
  });

  it("recognises its own registration behind more than 100 newer releases", async () => {
    const repo = "many-releases";
    const first = await register(repo, "run-1");
    const sha = await headSha(client, repo);
    for (let i = 0; i < 120; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          client.request("POST /repos/{owner}/{repo}/releases", {
            owner: OWNER,
            repo,
            tag_name: `other/v${i + j + 1}`,
            target_commitish: sha,
          }),
        ),
      );
    const again = await register(repo, "run-1");
    expect(again).toMatchObject({ version: first.version, outcome: "existing", releaseId: first.releaseId });
    const { data: page } = await client.request("GET /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
      per_page: 100,
    });
    expect(page.some((r) => r.tag_name === "fraud/v1")).toBe(false); // it really is past the first page
    expect(
      (await listVersions(client, { owner: OWNER, repo, model: "fraud" })).map((v) => v.version),
    ).toEqual(["1"]);
  });
});

describe("secondary rate limits (injected clock: no real waits)", () => {
  function limitedClient(
    log: GitHubLog,
    clock: { now(): number; sleep(ms: number): Promise<void> },
    extra = {},
  ) {
    return createGitHubClient({
      token: emulator.createToken({ contents: "write" }),
      apiUrl: emulator.url,
      pacing: { writeIntervalMs: 0, notificationIntervalMs: 0 },
      log,
      clock,
      ...extra,
    });
  }

  it("waits 60 s when GitHub gives no retry-after, says why, then succeeds", async () => {
    const log = captureLog();
    const waits: number[] = [];
    let now = Date.parse("2026-01-01T00:00:00Z");
    const c = limitedClient(log, {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
        emulator.setRateLimit({}); // the limit has passed once we waited
      },
    });
    emulator.setRateLimit({ exceeded: "secondary", retryAfterSeconds: null });
    const { data } = await c.request("GET /repos/{owner}/{repo}", { owner: OWNER, repo: "limits" });
    expect(data.name).toBe("limits");
    expect(waits).toEqual([60_000]);
    expect(log.lines.warning.join("\n")).toMatch(
      /GET \/repos\/acme\/limits: GitHub's secondary rate limit without retry-after: waiting 60 s \(GitHub asks for at least one minute\); retrying in 60 s/,
    );
  });

  it("waits retry-after when given; doubles the wait while the limit persists; 429 too", async () => {
    const log = captureLog();
    const waits: number[] = [];
    const c = limitedClient(
      log,
      { now: Date.now, sleep: async (ms) => void waits.push(ms) },
      { maxRateLimitWaitSeconds: 600 },
    );
    emulator.setRateLimit({ exceeded: "secondary", retryAfterSeconds: 7 });
    await expect(
      c.request("GET /repos/{owner}/{repo}", { owner: OWNER, repo: "limits" }),
    ).rejects.toMatchObject({
      status: 403,
    });
    expect(waits).toEqual([7000, 7000, 7000]);
    waits.length = 0;
    emulator.setRateLimit({ exceeded: "secondary-429", retryAfterSeconds: null });
    await expect(
      c.request("GET /repos/{owner}/{repo}", { owner: OWNER, repo: "limits" }),
    ).rejects.toMatchObject({
      status: 429,
    });
    expect(waits).toEqual([60_000, 120_000, 240_000]);
    expect(log.lines.warning.at(-1)).toContain("not waiting (already waited 3 times)");
    emulator.setRateLimit({});
  });

  it("does not wait past the job's deadline, and says so", async () => {
    const log = captureLog();
    const waits: number[] = [];
    const start = Date.parse("2026-01-01T00:00:00Z");
    const c = limitedClient(
      log,
      { now: () => start, sleep: async (ms) => void waits.push(ms) },
      { deadline: start + 30_000 },
    );
    emulator.setRateLimit({ exceeded: "secondary", retryAfterSeconds: null });
    const error = await c
      .request("POST /repos/{owner}/{repo}/git/refs", {
        owner: OWNER,
        repo: "limits",
        ref: "refs/tags/x/v1",
        sha: "0".repeat(40),
      })
      .catch((e: unknown) => e);
    emulator.setRateLimit({});
    expect(waits).toEqual([]);
    expect(githubErrorReason(error)).toBe("secondary-rate-limit");
    expect(log.lines.warning.join("\n")).toContain(
      "not waiting (the job has only 30 s left before its deadline)",
    );
    expect(translateGitHubError(error, { operation: "create a ref" }).message).toContain(
      "secondary rate limit",
    );
  });

  it("does not wait an hour for the primary limit's reset", async () => {
    const log = captureLog();
    const waits: number[] = [];
    const c = limitedClient(log, { now: Date.now, sleep: async (ms) => void waits.push(ms) });
    emulator.setRateLimit({ exceeded: "primary" });
    await expect(
      c.request("GET /repos/{owner}/{repo}", { owner: OWNER, repo: "limits" }),
    ).rejects.toMatchObject({
      status: 403,
    });
    emulator.setRateLimit({});
    expect(waits).toEqual([]);
    expect(log.lines.warning.join("\n")).toMatch(
      /no requests left until x-ratelimit-reset .*; not waiting \(longer than the 120 s allowed\)/,
    );
  });
});
