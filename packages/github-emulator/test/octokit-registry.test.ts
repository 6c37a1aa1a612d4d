import { createHash } from "node:crypto";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { useEmulator } from "./helpers.js";

const emulator = useEmulator();
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const owner = "acme";
const repo = "models";

function client(token = "default-token"): Octokit {
  return new Octokit({ auth: token, baseUrl: emulator().url, log: silent });
}

describe("@octokit/rest against the emulator: the registry flow", () => {
  it("tags, drafts, uploads, publishes, reads by tag and downloads identical bytes", async () => {
    const octokit = client();
    const { data: main } = await octokit.rest.git.getRef({ owner, repo, ref: "heads/main" });
    const { data: tag } = await octokit.rest.git.createTag({
      owner,
      repo,
      tag: "fraud/v1",
      message: "fraud v1",
      object: main.object.sha,
      type: "commit",
    });
    expect(tag.object.sha).toBe(main.object.sha);
    const { data: ref, status: refStatus } = await octokit.rest.git.createRef({
      owner,
      repo,
      ref: "refs/tags/fraud/v1",
      sha: tag.sha,
    });
    expect(refStatus).toBe(201);
    expect(ref.object).toMatchObject({ type: "tag", sha: tag.sha });

    const { data: draft } = await octokit.rest.repos.createRelease({
      owner,
      repo,
      tag_name: "fraud/v1",
      name: "fraud v1",
      draft: true,
      make_latest: "false",
    });
    expect(draft.draft).toBe(true);
    await expect(octokit.rest.repos.getReleaseByTag({ owner, repo, tag: "fraud/v1" })).rejects.toMatchObject({
      status: 404,
    });

    const files = {
      "model.bin": Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)),
      "model.json": Buffer.from('{"name":"fraud"}'),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const { data: uploaded } = await octokit.rest.repos.uploadReleaseAsset({
        owner,
        repo,
        release_id: draft.id,
        url: draft.upload_url,
        name,
        data: bytes as unknown as string,
        headers: { "content-type": "application/octet-stream", "content-length": bytes.length },
      });
      expect(uploaded.state).toBe("uploaded");
      expect(uploaded.size).toBe(bytes.length);
      expect(uploaded.digest).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    }

    const duplicate = octokit.rest.repos.uploadReleaseAsset({
      owner,
      repo,
      release_id: draft.id,
      url: draft.upload_url,
      name: "model.json",
      data: files["model.json"] as unknown as string,
      headers: { "content-type": "application/json", "content-length": files["model.json"].length },
    });
    await expect(duplicate).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: "Validation Failed",
          errors: [{ resource: "ReleaseAsset", code: "already_exists", field: "name" }],
        },
      },
    });

    const { data: published } = await octokit.rest.repos.updateRelease({
      owner,
      repo,
      release_id: draft.id,
      draft: false,
    });
    expect(published.draft).toBe(false);
    expect(published.published_at).not.toBeNull();

    const { data: byTag } = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag: "fraud/v1" });
    expect(byTag.id).toBe(draft.id);
    expect(byTag.assets.map((a) => a.name).sort()).toEqual(["model.bin", "model.json"]);

    for (const asset of byTag.assets) {
      const response = await octokit.rest.repos.getReleaseAsset({
        owner,
        repo,
        asset_id: asset.id,
        headers: { accept: "application/octet-stream" },
      });
      const bytes = Buffer.from(response.data as unknown as ArrayBuffer);
      expect(bytes.equals(files[asset.name as keyof typeof files])).toBe(true);
      const browser = Buffer.from(await (await fetch(asset.browser_download_url)).arrayBuffer());
      expect(browser.equals(files[asset.name as keyof typeof files])).toBe(true);
    }
    const { data: after } = await octokit.rest.repos.getReleaseAsset({
      owner,
      repo,
      asset_id: byTag.assets[0]?.id ?? 0,
    });
    expect(after.download_count).toBe(2);

    const { data: matching } = await octokit.rest.git.listMatchingRefs({ owner, repo, ref: "tags/fraud/" });
    expect(matching.map((r) => r.ref)).toEqual(["refs/tags/fraud/v1"]);
  });

  it("refuses a second ref with 422 Reference already exists, and a clashing publish with already_exists", async () => {
    const octokit = client();
    const { data: main } = await octokit.rest.git.getRef({ owner, repo: "locks", ref: "heads/main" });
    await octokit.rest.git.createRef({ owner, repo: "locks", ref: "refs/tags/m/v1", sha: main.object.sha });
    await expect(
      octokit.rest.git.createRef({ owner, repo: "locks", ref: "refs/tags/m/v1", sha: main.object.sha }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Reference already exists" } },
    });
    await octokit.rest.repos.createRelease({ owner, repo: "locks", tag_name: "m/v1" });
    const second = await octokit.rest.repos.createRelease({
      owner,
      repo: "locks",
      tag_name: "m/v1",
      draft: true,
    });
    await expect(
      octokit.rest.repos.updateRelease({ owner, repo: "locks", release_id: second.data.id, draft: false }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ resource: "Release", code: "already_exists", field: "tag_name" }] } },
    });
  });

  it("moves an alias ref to a tag object and paginates releases newest first", async () => {
    const octokit = client();
    const r = "paging";
    const { data: main } = await octokit.rest.git.getRef({ owner, repo: r, ref: "heads/main" });
    for (let i = 1; i <= 5; i++)
      await octokit.rest.repos.createRelease({
        owner,
        repo: r,
        tag_name: `m/v${i}`,
        target_commitish: main.object.sha,
      });
    const first = await octokit.rest.repos.listReleases({ owner, repo: r, per_page: 2 });
    expect(first.data.map((x) => x.tag_name)).toEqual(["m/v5", "m/v4"]);
    expect(first.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo: r, per_page: 2 });
    expect(all.map((x) => x.tag_name)).toEqual(["m/v5", "m/v4", "m/v3", "m/v2", "m/v1"]);

    const { data: tagObject } = await octokit.rest.git.createTag({
      owner,
      repo: r,
      tag: "m/v2",
      message: "v2",
      object: main.object.sha,
      type: "commit",
    });
    await octokit.rest.git.createRef({
      owner,
      repo: r,
      ref: "refs/tags/m/@production",
      sha: main.object.sha,
    });
    const { data: moved } = await octokit.rest.git.updateRef({
      owner,
      repo: r,
      ref: "tags/m/@production",
      sha: tagObject.sha,
    });
    expect(moved.object).toMatchObject({ sha: tagObject.sha, type: "tag" });
    const { data: read } = await octokit.rest.git.getTag({ owner, repo: r, tag_sha: tagObject.sha });
    expect(read.tag).toBe("m/v2");
  });
});
