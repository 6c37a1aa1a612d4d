/**
 * `conditionalGet` and `ResponseCache` on their own: what goes to GitHub, what comes back from the cache,
 * what the file keeps, and a damaged file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conditionalGet, type GitHubClient, ResponseCache } from "@mlops/github";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let emulator: Emulator;
let client: GitHubClient;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  client = emulatorClient(emulator, emulator.createToken({ issues: "write" }));
  dir = mkdtempSync(join(tmpdir(), "conditional-cache-"));
  for (const title of ["a", "b", "c"])
    await client.request("POST /repos/{owner}/{repo}/issues", { owner: "o", repo: "r", title });
});
afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const list = { route: "GET /repos/{owner}/{repo}/issues", params: { owner: "o", repo: "r", per_page: 2 } };

describe("conditional GETs with a response cache", () => {
  it("pays once, then gets the stored pages back from 304s; the file keeps only what the run read", async () => {
    const file = join(dir, "cache.json.gz");
    const first = (await ResponseCache.load(file)).cache;
    const page1 = await conditionalGet(client, first, list);
    expect(page1.notModified).toBe(false);
    expect(page1.link).toContain('rel="next"');
    const next = /<([^>]+)>; rel="next"/.exec(page1.link ?? "")?.[1] as string;
    const page2 = await conditionalGet(client, first, { url: next });
    expect(first.stats).toEqual({ conditional: 0, notModified: 0 });
    await first.save(file);

    const second = (await ResponseCache.load(file)).cache;
    expect(second.size).toBe(2);
    const used = emulator.rateLimit().used;
    const again1 = await conditionalGet(client, second, list);
    const again2 = await conditionalGet(client, second, { url: next });
    expect(emulator.rateLimit().used).toBe(used);
    expect([again1.notModified, again2.notModified]).toEqual([true, true]);
    expect(again1.data).toEqual(page1.data);
    expect(again2.data).toEqual(page2.data);
    expect(again1.link).toBe(page1.link);
    // a single issue (Last-Modified) is asked with If-Modified-Since
    const one = {
      route: "GET /repos/{owner}/{repo}/issues/{issue_number}",
      params: { owner: "o", repo: "r", issue_number: 1 },
    };
    await conditionalGet(client, second, one);
    await second.save(file);
    const third = (await ResponseCache.load(file)).cache;
    expect(third.size).toBe(3);
    expect((await conditionalGet(client, third, one)).notModified).toBe(true);
    // only what this run read is kept: the file does not grow with old URLs
    await third.save(file);
    expect((await ResponseCache.load(file)).cache.size).toBe(1);

    // a change: the page is paid again and replaced
    await client.request("POST /repos/{owner}/{repo}/issues", { owner: "o", repo: "r", title: "d" });
    const changed = await conditionalGet(client, second, list);
    expect(changed.notModified).toBe(false);
    expect((changed.data as Array<{ title: string }>)[0]?.title).toBe("d");
  });

  it("a missing file is an empty cache; a damaged one too, with the reason", async () => {
    expect(await ResponseCache.load(join(dir, "none.json.gz"))).toEqual({ cache: expect.any(ResponseCache) });
    const damaged = join(dir, "damaged.json.gz");
    writeFileSync(damaged, "not gzip");
    const loaded = await ResponseCache.load(damaged);
    expect(loaded.cache.size).toBe(0);
    expect(loaded.problem).toMatch(/damaged\.json\.gz is damaged/);
  });
});
