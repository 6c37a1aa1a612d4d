import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRunPullRequest, type GitHubClient } from "../src/index.js";
import { emulatorWithClient, OWNER, openForkPullRequest, openPullRequest, pushCommit } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;

beforeAll(async () => {
  ({ emulator, client } = await emulatorWithClient());
});
afterAll(() => emulator.close());

describe("findRunPullRequest (issue 12, item 2)", () => {
  it("finds a fork PR by its head owner:branch and commit, where commits/{sha}/pulls finds nothing", async () => {
    const repo = "run-pr-fork";
    const fork = await openForkPullRequest(client, repo);
    const { data: byCommit } = await client.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
      owner: OWNER,
      repo,
      commit_sha: fork.headSha,
    });
    expect(byCommit).toEqual([]); // what the companion used before: nothing for a fork's head
    emulator.clearLog();
    const result = await findRunPullRequest(client, {
      owner: OWNER,
      repo,
      headSha: fork.headSha,
      headBranch: "main",
      headRepository: `mallory/${repo}`,
      pullRequests: [], // GitHub leaves workflow_run.pull_requests empty for forks
    });
    expect(result).toMatchObject({
      via: "head",
      found: {
        number: fork.number,
        headSha: fork.headSha,
        headRepository: `mallory/${repo}`,
        baseRef: "main",
      },
    });
    expect(emulator.requestLog.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${OWNER}/${repo}/pulls?per_page=100&state=open&head=mallory%3Amain`,
    ]);
  });

  it("a PR number from the artifact counts only when that PR's head is the run's; another PR's number is ignored", async () => {
    const repo = "run-pr-claimed";
    const victim = await openPullRequest(client, repo);
    const fork = await openForkPullRequest(client, repo);
    const query = {
      owner: OWNER,
      repo,
      headSha: fork.headSha,
      headBranch: "main",
      headRepository: `mallory/${repo}`,
    };
    const honest = await findRunPullRequest(client, { ...query, claimed: fork.number });
    expect(honest).toMatchObject({ via: "artifact", found: { number: fork.number } });
    const forged = await findRunPullRequest(client, { ...query, claimed: victim.number });
    expect(forged).toMatchObject({ via: "head", found: { number: fork.number } });
    // A forged number and no PR with this head: nothing, and the reason names both.
    const orphan = await findRunPullRequest(client, {
      ...query,
      headSha: "e".repeat(40),
      headBranch: "gone",
      claimed: victim.number,
    });
    expect(orphan).toEqual({
      reason: `the artifact names PR #${victim.number}, whose head is acme/${repo}:feature, not mallory/${repo}:gone (ignored: the artifact is not trusted); no open pull request has head mallory:gone at eeeeeee`,
    });
  });

  it("same-repository PRs come from workflow_run.pull_requests; a head that moved on is reported as moved", async () => {
    const repo = "run-pr-same";
    const pr = await openPullRequest(client, repo);
    const query = { owner: OWNER, repo, headBranch: "feature", headRepository: `${OWNER}/${repo}` };
    emulator.clearLog();
    const listed = await findRunPullRequest(client, {
      ...query,
      headSha: pr.headSha,
      pullRequests: [pr.number],
    });
    expect(listed).toMatchObject({ via: "workflow_run", found: { number: pr.number } });
    expect(emulator.requestLog).toHaveLength(1); // one GET of the PR
    await pushCommit(client, repo, "feature", "another push", { "b.txt": "b" });
    const stale = await findRunPullRequest(client, {
      ...query,
      headSha: pr.headSha,
      pullRequests: [pr.number],
    });
    expect(stale).toMatchObject({
      moved: { number: pr.number },
      reason: expect.stringMatching(
        new RegExp(`^PR #${pr.number} has moved on to [0-9a-f]{7} since ${pr.headSha.slice(0, 7)}`),
      ),
    });
  });
});
