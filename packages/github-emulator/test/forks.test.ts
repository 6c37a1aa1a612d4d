/**
 * Pull requests from forks (issue 12, item 2): GitHub's behaviour that a fork-PR companion must live with.
 * The head commit of an open fork PR is not associated with the base repository (`commits/{sha}/pulls`
 * answers `[]`), a fork run's `pull_requests` is empty, and the open-PR list filtered by `head=owner:branch`
 * is the way to find the PR.
 */
import { describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";

const emulator = useEmulator({ seed: 3 });
const obj = (value: unknown) => value as Record<string, unknown>;

async function forkPullRequest(repo: string, branch: string) {
  await call(emulator(), "POST", `/_emulator/repos/acme/${repo}/forks`, { organization: "mallory" });
  const commit = await call(emulator(), "POST", `/_emulator/repos/mallory/${repo}/commits`, {
    branch,
    message: "Better model from a fork",
    files: { "params.yaml": "depth: 9\n" },
  });
  expect(commit.status).toBe(201);
  const pull = await call(emulator(), "POST", `/repos/acme/${repo}/pulls`, {
    title: "From a fork",
    head: `mallory:${branch}`,
    base: "main",
  });
  expect(pull.status).toBe(201);
  return {
    sha: obj(commit.json).sha as string,
    number: obj(pull.json).number as number,
    pull: obj(pull.json),
  };
}

describe("pull requests from forks", () => {
  it("a fork PR's head is the fork: label, user and repository", async () => {
    const { pull, sha } = await forkPullRequest("fork-shape", "main");
    expect(pull.head).toMatchObject({
      label: "mallory:main",
      ref: "main",
      sha,
      user: { login: "mallory" },
      repo: { full_name: "mallory/fork-shape", fork: true },
    });
    expect(pull.base).toMatchObject({
      label: "acme:main",
      repo: { full_name: "acme/fork-shape", fork: false },
    });
    // The commit is readable through the base repository, as GitHub keeps it under refs/pull/<n>/head.
    expect((await call(emulator(), "GET", `/repos/acme/fork-shape/commits/${sha}`)).status).toBe(200);
    // Unknown owner (no fork): 422 on head.
    const stray = await call(emulator(), "POST", "/repos/acme/fork-shape/pulls", {
      title: "x",
      head: "nobody:main",
      base: "main",
    });
    expect(stray.status).toBe(422);
  });

  it("commits/{sha}/pulls: nothing for an open fork PR's head, the PR for a same-repository head", async () => {
    const fork = await forkPullRequest("fork-commit-pulls", "feature");
    expect(
      (await call(emulator(), "GET", `/repos/acme/fork-commit-pulls/commits/${fork.sha}/pulls`)).json,
    ).toEqual([]);
    const own = await call(emulator(), "POST", "/_emulator/repos/acme/fork-commit-pulls/commits", {
      branch: "own",
      message: "same repo",
      files: { "a.txt": "a" },
    });
    const ownSha = obj(own.json).sha as string;
    const ownPull = await call(emulator(), "POST", "/repos/acme/fork-commit-pulls/pulls", {
      title: "Own",
      head: "own",
      base: "main",
    });
    const listed = await call(emulator(), "GET", `/repos/acme/fork-commit-pulls/commits/${ownSha}/pulls`);
    expect((listed.json as Array<{ number: number }>).map((p) => p.number)).toEqual([
      obj(ownPull.json).number,
    ]);
    // Once merged, the fork's commit is part of the base branch and the merged PR is listed.
    const merged = await call(
      emulator(),
      "PUT",
      `/repos/acme/fork-commit-pulls/pulls/${fork.number}/merge`,
      {},
    );
    expect(merged.status).toBe(200);
    const after = await call(emulator(), "GET", `/repos/acme/fork-commit-pulls/commits/${fork.sha}/pulls`);
    expect((after.json as Array<{ number: number }>).map((p) => p.number)).toEqual([fork.number]);
  });

  it("GET /pulls filters by head `owner:branch` and base", async () => {
    const fork = await forkPullRequest("fork-list", "main");
    const list = async (query: string) =>
      (
        (await call(emulator(), "GET", `/repos/acme/fork-list/pulls?${query}`)).json as Array<{
          number: number;
        }>
      ).map((p) => p.number);
    expect(await list("state=open&head=mallory:main")).toEqual([fork.number]);
    expect(await list("state=open&head=MALLORY:main")).toEqual([fork.number]);
    expect(await list("state=open&head=acme:main")).toEqual([]);
    expect(await list("state=open&head=mallory:other")).toEqual([]);
    expect(await list("base=main")).toEqual([fork.number]);
    expect(await list("base=release")).toEqual([]);
  });

  it("a fork PR's workflow run: head_repository is the fork, pull_requests is empty", async () => {
    const fork = await forkPullRequest("fork-runs", "main");
    const registered = await call(emulator(), "POST", "/_emulator/repos/acme/fork-runs/actions/runs", {
      workflow_path: ".github/workflows/pr.yml",
      event: "pull_request",
      head_branch: "main",
      head_sha: fork.sha,
      pull_request_number: fork.number,
      head_repository: "mallory/fork-runs",
    });
    const run = await call(
      emulator(),
      "GET",
      `/repos/acme/fork-runs/actions/runs/${obj(registered.json).id}`,
    );
    expect(run.json).toMatchObject({
      event: "pull_request",
      head_branch: "main",
      head_sha: fork.sha,
      pull_requests: [],
      repository: { full_name: "acme/fork-runs" },
      head_repository: { full_name: "mallory/fork-runs", fork: true },
    });
    const bad = await call(emulator(), "POST", "/_emulator/repos/acme/fork-runs/actions/runs", {
      workflow_path: ".github/workflows/pr.yml",
      event: "pull_request",
      head_branch: "main",
      head_sha: fork.sha,
      head_repository: "not-a-full-name",
    });
    expect(bad.status).toBe(422);
  });
});
