/**
 * Issue 12 item 13: aliases live in `refs/mlops/<model>/@<alias>`, not in `refs/tags/`, so a moved alias
 * never breaks `git fetch --tags` in a developer's clone; aliases written as tags by earlier versions are
 * read, and migrated on the first alias write.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  aliasRefName,
  type GitHubClient,
  legacyAliasRefName,
  listVersions,
  moveAlias,
  resolveModel,
  versionTagName,
} from "../src/index.js";
import { emulatorWithClient, OWNER, registerRun, tempDir } from "./helpers.js";

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

function register(repo: string, runId: string) {
  return registerRun(client, work.dir, repo, runId);
}

async function refNames(repo: string, prefix: string): Promise<string[]> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/git/matching-refs/{ref}", {
    owner: OWNER,
    repo,
    ref: prefix,
  });
  return data.map((r) => r.ref).sort();
}

describe("alias refs outside refs/tags", () => {
  it("reads aliases still stored as tags, and migrates them all on the first alias write", async () => {
    const repo = "alias-migration";
    const v1 = await register(repo, "1");
    const v2 = await register(repo, "2");
    // What the previous release of this package wrote: alias tags.
    for (const [alias, sha] of [
      ["production", v1.tagSha],
      ["staging", v1.tagSha],
    ] as const)
      await client.request("POST /repos/{owner}/{repo}/git/refs", {
        owner: OWNER,
        repo,
        ref: legacyAliasRefName("fraud", alias),
        sha,
      });
    const before = await resolveModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "@production",
    });
    expect(before).toMatchObject({ version: "1", aliases: ["production", "staging"] });

    await moveAlias(client, { owner: OWNER, repo, model: "fraud", alias: "staging", selector: "v2" });

    expect(await refNames(repo, "tags/fraud/")).toEqual(["refs/tags/fraud/v1", "refs/tags/fraud/v2"]);
    expect(await refNames(repo, "mlops/fraud/")).toEqual([
      aliasRefName("fraud", "production"),
      aliasRefName("fraud", "staging"),
    ]);
    const versions = await listVersions(client, { owner: OWNER, repo, model: "fraud" });
    expect(versions.map((v) => [v.version, v.aliases])).toEqual([
      ["2", ["staging"]],
      ["1", ["production"]],
    ]);
    expect(versions.find((v) => v.version === "2")?.tagSha).toBe(v2.tagSha);
  });

  it("an alias ref wins over a leftover alias tag of the same name (migration cut short)", async () => {
    const repo = "alias-precedence";
    const v1 = await register(repo, "1");
    const v2 = await register(repo, "2");
    await client.request("POST /repos/{owner}/{repo}/git/refs", {
      owner: OWNER,
      repo,
      ref: legacyAliasRefName("fraud", "production"),
      sha: v1.tagSha,
    });
    await client.request("POST /repos/{owner}/{repo}/git/refs", {
      owner: OWNER,
      repo,
      ref: aliasRefName("fraud", "production"),
      sha: v2.tagSha,
    });
    const resolved = await resolveModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "production",
    });
    expect(resolved.version).toBe("2");
  });
});

describe("git fetch --tags in a developer's clone (local bare repository, no network)", () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
        GIT_CONFIG_NOSYSTEM: "1",
        HOME: work.dir,
      },
    }).trim();
  const fetchTags = (cwd: string) =>
    spawnSync("git", ["fetch", "--tags", "origin"], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, HOME: work.dir },
    });

  /**
   * A bare "GitHub" repository with two annotated version tags and an alias at v1 written under
   * `aliasRef`, a clone that has fetched everything, then the alias moved to v2 as the registry does
   * (the ref now points at v2's tag object). Returns both `git fetch --tags` results after the move.
   */
  async function moveAliasUnder(aliasRef: (model: string, alias: string) => string, name: string) {
    const root = join(work.dir, name);
    const origin = join(root, "origin.git");
    const seed = join(root, "seed");
    const dev = join(root, "dev");
    await mkdir(seed, { recursive: true });
    git(root, "init", "--bare", "-q", origin);
    git(seed, "init", "-q", "-b", "main");
    git(seed, "commit", "-q", "--allow-empty", "-m", "train");
    for (const version of ["1", "2"])
      git(seed, "tag", "-a", versionTagName("fraud", version), "-m", `fraud v${version}`);
    git(seed, "push", "-q", origin, "main", "--tags");
    const tagObject = (version: string) =>
      git(origin, "rev-parse", `refs/tags/${versionTagName("fraud", version)}`);
    const alias = aliasRef("fraud", "production");
    git(origin, "update-ref", alias, tagObject("1"));
    git(root, "clone", "-q", origin, dev);
    expect(fetchTags(dev).status).toBe(0);
    git(origin, "update-ref", alias, tagObject("2")); // @production moves to v2
    return { first: fetchTags(dev), second: fetchTags(dev), dev };
  }

  it("moving an alias never makes `git fetch --tags` fail (it did with alias tags)", async () => {
    const now = await moveAliasUnder(aliasRefName, "mlops-namespace");
    expect(now.first.status, now.first.stderr).toBe(0);
    expect(now.second.status, now.second.stderr).toBe(0);
    expect(git(now.dev, "tag", "--list")).toBe("fraud/v1\nfraud/v2"); // no alias tags in the clone

    // The same move with aliases as tags, as before: the developer's fetch fails.
    const before = await moveAliasUnder(legacyAliasRefName, "tag-namespace");
    expect(before.first.status).not.toBe(0);
    expect(before.first.stderr).toContain("would clobber existing tag");
    expect(before.second.status).not.toBe(0);
  });
});
