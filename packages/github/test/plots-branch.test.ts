import { GitHubError } from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubClient, publishImages } from "../src/index.js";
import { emulatorClient, OWNER } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;

beforeAll(async () => {
  // Every answer is checked against GitHub's OpenAPI description (git/create-blob, create-tree, create-commit, …).
  emulator = await startEmulator({ validateResponses: true });
  client = emulatorClient(emulator, emulator.createToken({ contents: "write" }));
});
afterAll(() => emulator.close());

/** A PNG's first bytes (binary: not valid UTF-8), then some payload. */
const png = (n: number) =>
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]),
    Buffer.alloc(n, n),
  ]);

async function readBack(repo: string, commit: string, path: string): Promise<Buffer> {
  const { data: c } = await client.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
    owner: OWNER,
    repo,
    commit_sha: commit,
  });
  const { data: tree } = await client.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
    owner: OWNER,
    repo,
    tree_sha: c.tree.sha,
    recursive: "1",
  });
  const entry = tree.tree.find((e) => e.path === path);
  if (!entry?.sha) throw new Error(`${path} not in the tree`);
  const { data: blob } = await client.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
    owner: OWNER,
    repo,
    file_sha: entry.sha,
  });
  return Buffer.from(blob.content, "base64");
}

describe("publishImages (Git database API)", () => {
  it("commits binary images to an orphan branch, keeps earlier runs' images, and links each by commit", async () => {
    const repo = "plots";
    await client.request("POST /_emulator/repos/{owner}/{repo}/commits", {
      owner: OWNER,
      repo,
      files: { "src.txt": "code" },
    });
    emulator.clearLog();
    const first = await publishImages(client, {
      owner: OWNER,
      repo,
      serverUrl: "https://github.com/",
      images: [
        { path: "churn/pr-1/run-10-1/plots/roc.png", content: png(300) },
        {
          path: "churn/pr-1/run-10-1/plots/loss curve.svg",
          content: Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"),
        },
      ],
      message: "churn: plots of run 10",
    });
    expect(first.urls).toEqual([
      `https://github.com/${OWNER}/${repo}/blob/${first.commit}/churn/pr-1/run-10-1/plots/roc.png?raw=true`,
      `https://github.com/${OWNER}/${repo}/blob/${first.commit}/churn/pr-1/run-10-1/plots/loss%20curve.svg?raw=true`,
    ]);
    // 2 blobs, the branch looked up (404), tree, commit, ref created.
    expect(emulator.requestLog.map((r) => `${r.method} ${r.route} ${r.status}`)).toEqual([
      "POST /repos/{owner}/{repo}/git/blobs 201",
      "POST /repos/{owner}/{repo}/git/blobs 201",
      "GET /repos/{owner}/{repo}/git/ref/{ref+} 404",
      "POST /repos/{owner}/{repo}/git/trees 201",
      "POST /repos/{owner}/{repo}/git/commits 201",
      "POST /repos/{owner}/{repo}/git/refs 201",
    ]);
    expect(first.requests).toBe(6);
    expect(await readBack(repo, first.commit, "churn/pr-1/run-10-1/plots/roc.png")).toEqual(png(300));
    // An orphan branch: a root commit holding only the images, not the code.
    const { data: root } = await client.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      owner: OWNER,
      repo,
      commit_sha: first.commit,
    });
    expect(root.parents).toEqual([]);
    const second = await publishImages(client, {
      owner: OWNER,
      repo,
      serverUrl: "https://github.com",
      images: [{ path: "churn/pr-2/run-11-1/plots/roc.png", content: png(7) }],
      message: "churn: plots of run 11",
    });
    const { data: tree } = await client.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
      owner: OWNER,
      repo,
      tree_sha: (
        await client.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
          owner: OWNER,
          repo,
          commit_sha: second.commit,
        })
      ).data.tree.sha,
      recursive: "1",
    });
    expect(tree.tree.filter((e) => e.type === "blob").map((e) => e.path)).toEqual([
      "churn/pr-1/run-10-1/plots/loss curve.svg",
      "churn/pr-1/run-10-1/plots/roc.png",
      "churn/pr-2/run-11-1/plots/roc.png",
    ]);
    expect(await readBack(repo, first.commit, "churn/pr-1/run-10-1/plots/roc.png")).toEqual(png(300)); // the first link still holds
    expect(emulator.violations).toEqual([]);
  });

  it("rebuilds its commit on the new head when another run moved the branch first", async () => {
    const repo = "plots-race";
    await client.request("POST /_emulator/repos/{owner}/{repo}/commits", {
      owner: OWNER,
      repo,
      files: { a: "a" },
    });
    await publishImages(client, {
      owner: OWNER,
      repo,
      serverUrl: "https://github.com",
      images: [{ path: "a.png", content: png(1) }],
      message: "a",
    });
    // Two runs at once: both read the same head; the second ref update is not a fast forward → retried.
    const [x, y] = await Promise.all(
      ["x", "y"].map((name) =>
        publishImages(client, {
          owner: OWNER,
          repo,
          serverUrl: "https://github.com",
          images: [{ path: `${name}.png`, content: png(2) }],
          message: name,
        }),
      ),
    );
    const { data: ref } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo,
      ref: "heads/mlops-plots",
    });
    expect([x?.commit, y?.commit]).toContain(ref.object.sha);
    const head = ref.object.sha;
    for (const path of ["a.png", "x.png", "y.png"])
      expect((await readBack(repo, head, path)).length).toBeGreaterThan(0);
  });

  it("a token without contents: write is refused with the permission named", async () => {
    const readOnly = emulatorClient(
      emulator,
      emulator.createToken({ contents: "read", pull_requests: "write" }),
    );
    await expect(
      publishImages(readOnly, {
        owner: OWNER,
        repo: "plots",
        serverUrl: "https://github.com",
        images: [{ path: "z.png", content: png(1) }],
        message: "z",
      }),
    ).rejects.toSatisfy((error: unknown) => error instanceof GitHubError && error.reason === "permission");
  });
});
