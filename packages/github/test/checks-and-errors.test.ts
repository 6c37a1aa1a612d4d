import { GitHubError } from "@mlops/core";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubClient, publishCheck, registerModel, translateGitHubError } from "../src/index.js";
import { emulatorClient, emulatorWithClient, headSha, OWNER, tempDir, writeModelFiles } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;

beforeAll(async () => {
  ({ emulator, client } = await emulatorWithClient());
});
afterAll(() => emulator.close());

describe("publishCheck", () => {
  it("creates one check run and updates it on a rerun, batching annotations by 50", async () => {
    const repo = "checks-basic";
    const sha = await headSha(client, repo);
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      path: "metrics.json",
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: "warning" as const,
      message: `m${i}`,
    }));
    const options = {
      owner: OWNER,
      repo,
      sha,
      name: "mlops / fraud",
      conclusion: "failure" as const,
      title: "Gate failed",
      summary: "s",
    };
    emulator.clearLog();
    const first = await publishCheck(client, { ...options, annotations });
    const writes = emulator.requestLog.filter((r) => r.path.includes("/check-runs") && r.method !== "GET");
    expect(writes.map((r) => r.method)).toEqual(["POST", "PATCH", "PATCH"]);
    const second = await publishCheck(client, { ...options, conclusion: "success", title: "Gate passed" });
    expect(first.kind).toBe("check-run");
    expect(second.id).toBe(first.id);
    const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: OWNER,
      repo,
      ref: sha,
    });
    expect(data.check_runs).toHaveLength(1);
    expect(data.check_runs[0]?.conclusion).toBe("success");
  });

  it("falls back to a commit status when the token lacks checks: write", async () => {
    const repo = "checks-fallback";
    const sha = await headSha(client, repo);
    const limited = emulatorClient(
      emulator,
      emulator.createToken({ contents: "read", statuses: "write", checks: "read" }),
    );
    const result = await publishCheck(limited, {
      owner: OWNER,
      repo,
      sha,
      name: "mlops / fraud",
      conclusion: "failure",
      title: "x".repeat(300),
      summary: "details",
    });
    expect(result.kind).toBe("status");
    const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}/status", {
      owner: OWNER,
      repo,
      ref: sha,
    });
    expect(data.statuses).toHaveLength(1);
    expect(data.statuses[0]).toMatchObject({ context: "mlops / fraud", state: "failure" });
    expect(data.statuses[0]?.description?.length).toBeLessThanOrEqual(140);
  });
});

describe("publishCheck: who wrote it (issue 12, item 6)", () => {
  it("reports the writer GitHub names: the check run's app as <slug>[bot], a status's creator", async () => {
    const repo = "checks-author";
    const sha = await headSha(client, repo);
    const options = { owner: OWNER, repo, sha, conclusion: "success" as const, title: "ok", summary: "s" };
    const actions = await publishCheck(client, { ...options, name: "by GITHUB_TOKEN" });
    expect(actions).toMatchObject({ kind: "check-run", author: "github-actions[bot]" });
    const app = emulatorClient(emulator, emulator.createToken({ checks: "write" }, "mlops-app[bot]"));
    expect(await publishCheck(app, { ...options, name: "by an App" })).toMatchObject({
      author: "mlops-app[bot]",
    });
    // Unchanged re-run: nothing written, the listed run still names its app.
    expect(await publishCheck(app, { ...options, name: "by an App" })).toMatchObject({
      author: "mlops-app[bot]",
    });
    const personal = emulatorClient(
      emulator,
      emulator.createToken({ statuses: "write", checks: "read" }, "octocat"),
    );
    expect(await publishCheck(personal, { ...options, name: "by a person" })).toMatchObject({
      kind: "status",
      author: "octocat",
    });
    const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: OWNER,
      repo,
      ref: sha,
    });
    expect(data.check_runs.map((r) => r.app?.slug).sort()).toEqual(["github-actions", "mlops-app"]);
  });
});

describe("translateGitHubError", () => {
  it("names the missing permission when a read-only token tries to register", async () => {
    const repo = "errors-readonly";
    const readOnly = emulatorClient(emulator, emulator.createToken({ contents: "read" }));
    const { dir, cleanup } = await tempDir();
    try {
      const files = await writeModelFiles(dir, { "model.bin": "weights" });
      const error = await registerModel(readOnly, {
        owner: OWNER,
        repo,
        model: "fraud",
        commitSha: await headSha(client, repo),
        files,
        metrics: {},
        idempotencyKey: "acme/errors-readonly/1/fraud",
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitHubError);
      expect((error as GitHubError).message).toContain(
        "the token lacks the 'contents: write' permission. Add to the job:\n  permissions:\n    contents: write",
      );
      expect((error as GitHubError).status).toBe(403);
    } finally {
      await cleanup();
    }
  });

  it("turns the real GitHub shapes into actionable messages without leaking a token", () => {
    const make = (status: number, data: unknown, headers: Record<string, string> = {}) =>
      Object.assign(new Error("HttpError ghp_abcdefghijklmnopqrstuvwx"), {
        status,
        response: { headers, data },
      });
    const release = translateGitHubError(
      make(
        403,
        { message: "Resource not accessible by integration" },
        { "x-accepted-github-permissions": "contents=write" },
      ),
      {
        operation: "create a release",
      },
    );
    expect(release.message).toBe(
      "Cannot create a release: the token lacks the 'contents: write' permission. Add to the job:\n  permissions:\n    contents: write",
    );
    expect(
      translateGitHubError(make(404, { message: "Not Found" }), {
        operation: "read releases",
        owner: "a",
        repo: "b",
      }).message,
    ).toMatch(/token cannot access a\/b/);
    expect(
      translateGitHubError(make(401, { message: "Bad credentials" }), { operation: "x" }).message,
    ).toMatch(/bad credentials/);
    const invalid = translateGitHubError(
      make(422, {
        message: "Validation Failed",
        errors: [{ resource: "ReleaseAsset", code: "already_exists", field: "name" }],
      }),
      { operation: "upload" },
    );
    expect(invalid.message).toContain("ReleaseAsset.name: already_exists");
    const limited = translateGitHubError(
      make(
        403,
        { message: "API rate limit exceeded" },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000000" },
      ),
      { operation: "x" },
    );
    expect(limited.message).toContain(new Date(1_800_000_000_000).toISOString());
    const leaky = translateGitHubError(new Error("failed with token ghs_0123456789abcdefghij"), {
      operation: "x",
    });
    expect(leaky.message).not.toContain("ghs_0123456789abcdefghij");
  });
});
