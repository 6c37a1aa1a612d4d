import { parseReleaseMetadata, renderReleaseBody } from "@mlops/core";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubClient, readVersionTrend } from "../src/index.js";
import { emulatorWithClient, OWNER, registerRun, tempDir } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  work = await tempDir();
  ({ emulator, client } = await emulatorWithClient());
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

async function createRepo(repo: string) {
  await client.request("POST /_emulator/repos/{owner}/{repo}/commits", {
    owner: OWNER,
    repo,
    files: { "a.txt": repo },
  });
}

describe("readVersionTrend", () => {
  it("reads the newest N versions' metrics with one request per version (from the release's metadata block)", async () => {
    const repo = "trend";
    await createRepo(repo);
    for (let i = 1; i <= 6; i++)
      await registerRun(client, work.dir, repo, `run${i}`, {
        metrics: { accuracy: (80 + i) / 100, loss: 1 / i },
      });
    const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: OWNER,
      repo,
      tag: "fraud/v6",
    });
    expect(parseReleaseMetadata(release.body)?.metrics).toEqual({ accuracy: 0.86, loss: 1 / 6 });
    emulator.clearLog();
    const trend = await readVersionTrend(client, { owner: OWNER, repo, model: "fraud", count: 4 });
    expect(trend.versions.map((v) => [v.version, v.metrics.accuracy, v.from])).toEqual([
      ["3", 0.83, "metadata"],
      ["4", 0.84, "metadata"],
      ["5", 0.85, "metadata"],
      ["6", 0.86, "metadata"],
    ]);
    // 2 matching-refs + 1 release per version, whatever the number of versions registered.
    expect(emulator.requestLog.map((r) => r.route)).toEqual([
      ...Array(2).fill("/repos/{owner}/{repo}/git/matching-refs/{ref+}"),
      ...Array(4).fill("/repos/{owner}/{repo}/releases/tags/{tag}"),
    ]);
    expect(trend.requests).toBe(6);
  });

  it("reads model.json for a version whose metadata block has no metrics (registered before they were kept there)", async () => {
    const repo = "trend-old";
    await createRepo(repo);
    await registerRun(client, work.dir, repo, "old", { metrics: { accuracy: 0.7 } });
    await registerRun(client, work.dir, repo, "new", { metrics: { accuracy: 0.75 } });
    const { data: old } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: OWNER,
      repo,
      tag: "fraud/v1",
    });
    const meta = parseReleaseMetadata(old.body);
    if (!meta) throw new Error("no metadata");
    const { metrics: _dropped, ...without } = meta;
    await client.request("PATCH /repos/{owner}/{repo}/releases/{release_id}", {
      owner: OWNER,
      repo,
      release_id: old.id,
      body: renderReleaseBody(without, "## fraud v1"),
    });
    emulator.clearLog();
    const trend = await readVersionTrend(client, { owner: OWNER, repo, model: "fraud", count: 10 });
    expect(trend.versions.map((v) => [v.version, v.metrics.accuracy, v.from])).toEqual([
      ["1", 0.7, "model.json"],
      ["2", 0.75, "metadata"],
    ]);
    expect(trend.requests).toBe(2 + 2 + 1);
    expect(
      emulator.requestLog.filter((r) => r.route.includes("/releases/assets/")).length,
    ).toBeGreaterThanOrEqual(1);
  });

  it("reads nothing for a model without versions and caps the count at 50", async () => {
    const repo = "trend-empty";
    await createRepo(repo);
    const trend = await readVersionTrend(client, { owner: OWNER, repo, model: "fraud", count: 1000 });
    expect(trend).toEqual({ versions: [], skipped: [], requests: 2 });
  });
});
