import { PR_COMMENT_BUDGET } from "@mlops/core";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubClient, renderStickyBody, stickyMarker, upsertStickyComment } from "../src/index.js";
import { emulatorClient, emulatorWithClient, OWNER } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;

beforeAll(async () => {
  ({ emulator, client } = await emulatorWithClient());
});
afterAll(() => emulator.close());

async function newIssue(repo: string): Promise<number> {
  const { data } = await client.request("POST /repos/{owner}/{repo}/issues", {
    owner: OWNER,
    repo,
    title: "PR stand-in",
  });
  return data.number;
}

async function commentsWithMarker(repo: string, issue: number, key: string) {
  const all = await client.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: OWNER,
    repo,
    issue_number: issue,
    per_page: 100,
  });
  return all.filter((c) => c.body?.includes(stickyMarker(key)));
}

describe("upsertStickyComment", () => {
  it("creates, then updates, then leaves an identical body alone", async () => {
    const issue = await newIssue("sticky-basic");
    const options = { owner: OWNER, repo: "sticky-basic", issueNumber: issue, key: "fraud/pr-check" };
    const first = await upsertStickyComment(client, { ...options, body: "accuracy 0.91" });
    const second = await upsertStickyComment(client, { ...options, body: "accuracy 0.93" });
    emulator.clearLog();
    const third = await upsertStickyComment(client, { ...options, body: "accuracy 0.93" });
    expect([first.action, second.action, third.action]).toEqual(["created", "updated", "unchanged"]);
    expect(second.commentId).toBe(first.commentId);
    expect(third.commentId).toBe(first.commentId);
    expect(emulator.requestLog.filter((r) => r.method === "PATCH" || r.method === "POST")).toHaveLength(0);
    const comments = await commentsWithMarker("sticky-basic", issue, options.key);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("accuracy 0.93");
  });

  it("finds its comment behind 150 unrelated ones (second page)", async () => {
    const repo = "sticky-paged";
    const issue = await newIssue(repo);
    const options = { owner: OWNER, repo, issueNumber: issue, key: "fraud/pr-check" };
    const first = await upsertStickyComment(client, { ...options, body: "v1" });
    for (let i = 0; i < 150; i++) {
      await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: OWNER,
        repo,
        issue_number: issue,
        body: `chatter ${i}`,
      });
    }
    const again = await upsertStickyComment(client, { ...options, body: "v2" });
    expect(again).toMatchObject({ commentId: first.commentId, action: "updated" });
    expect(await commentsWithMarker(repo, issue, options.key)).toHaveLength(1);
  });

  it("does not edit another identity's comment carrying the same marker", async () => {
    const repo = "sticky-identity";
    const issue = await newIssue(repo);
    const intruder = emulatorClient(
      emulator,
      emulator.createToken({ issues: "write", pull_requests: "write" }, "mallory"),
    );
    const key = "fraud/pr-check";
    const { data: foreign } = await intruder.request(
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      {
        owner: OWNER,
        repo,
        issue_number: issue,
        body: renderStickyBody(key, "fake report"),
      },
    );
    const ours = await upsertStickyComment(client, {
      owner: OWNER,
      repo,
      issueNumber: issue,
      key,
      body: "real report",
    });
    expect(ours.action).toBe("created");
    expect(ours.commentId).not.toBe(foreign.id);
    const { data: stillForeign } = await client.request(
      "GET /repos/{owner}/{repo}/issues/comments/{comment_id}",
      { owner: OWNER, repo, comment_id: foreign.id },
    );
    expect(stillForeign.body).toContain("fake report");
  });

  it("two concurrent upserts end with exactly one comment", async () => {
    const repo = "sticky-race";
    const issue = await newIssue(repo);
    const key = "fraud/pr-check";
    const a = emulatorClient(emulator, emulator.createToken({ issues: "write", pull_requests: "write" }));
    const b = emulatorClient(emulator, emulator.createToken({ issues: "write", pull_requests: "write" }));
    const results = await Promise.all([
      upsertStickyComment(a, { owner: OWNER, repo, issueNumber: issue, key, body: "run A" }),
      upsertStickyComment(b, { owner: OWNER, repo, issueNumber: issue, key, body: "run B" }),
    ]);
    const left = await commentsWithMarker(repo, issue, key);
    expect(left).toHaveLength(1);
    expect(results.map((r) => r.commentId)).toContain(left[0]?.id);
  });

  it("keeps the body under GitHub's limit with a truncation note", async () => {
    const repo = "sticky-big";
    const issue = await newIssue(repo);
    const result = await upsertStickyComment(client, {
      owner: OWNER,
      repo,
      issueNumber: issue,
      key: "big",
      body: "x".repeat(70_000),
    });
    const { data } = await client.request("GET /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      owner: OWNER,
      repo,
      comment_id: result.commentId,
    });
    expect(data.body?.length).toBeLessThanOrEqual(PR_COMMENT_BUDGET.limit);
    expect(data.body).toContain("Cut to fit GitHub's comment limit");
  });
});

describe("upsertStickyComment: whose comment is ours (issue 12, item 6)", () => {
  const key = "fraud/pr-check";

  it("never asks GET /user: GITHUB_TOKEN (an installation token) gets 403 there on GitHub", async () => {
    const repo = "sticky-no-user";
    const issue = await newIssue(repo);
    emulator.clearLog();
    const first = await upsertStickyComment(client, {
      owner: OWNER,
      repo,
      issueNumber: issue,
      key,
      body: "v1",
    });
    const second = await upsertStickyComment(client, {
      owner: OWNER,
      repo,
      issueNumber: issue,
      key,
      body: "v2",
    });
    expect(emulator.requestLog.filter((r) => r.route === "/user")).toEqual([]);
    expect(second).toMatchObject({
      commentId: first.commentId,
      action: "updated",
      author: "github-actions[bot]",
    });
    expect(first.identityMismatch).toBeUndefined();
  });

  it("a GitHub App token with `identity: <slug>[bot]` edits its own comment in place", async () => {
    const repo = "sticky-app";
    const issue = await newIssue(repo);
    const app = emulatorClient(
      emulator,
      emulator.createToken({ issues: "write", pull_requests: "write" }, "mlops-app[bot]"),
    );
    const options = { owner: OWNER, repo, issueNumber: issue, key, identity: "mlops-app[bot]" };
    emulator.clearLog();
    const first = await upsertStickyComment(app, { ...options, body: "v1" });
    const second = await upsertStickyComment(app, { ...options, body: "v2" });
    expect(second).toMatchObject({ commentId: first.commentId, action: "updated", author: "mlops-app[bot]" });
    expect(emulator.requestLog.filter((r) => r.method === "POST").length).toBe(1);
    expect(await commentsWithMarker(repo, issue, key)).toHaveLength(1);
  });

  it("without `identity`, learns the App's login from the comment it wrote and still ends with one comment", async () => {
    const repo = "sticky-app-learned";
    const issue = await newIssue(repo);
    const app = emulatorClient(
      emulator,
      emulator.createToken({ issues: "write", pull_requests: "write" }, "mlops-app[bot]"),
    );
    const options = { owner: OWNER, repo, issueNumber: issue, key };
    const first = await upsertStickyComment(app, { ...options, body: "v1" });
    expect(first).toMatchObject({
      action: "created",
      author: "mlops-app[bot]",
      identityMismatch: { assumed: "github-actions[bot]", actual: "mlops-app[bot]" },
    });
    const second = await upsertStickyComment(app, { ...options, body: "v2" });
    expect(second).toMatchObject({ commentId: first.commentId, action: "updated", author: "mlops-app[bot]" });
    const left = await commentsWithMarker(repo, issue, key);
    expect(left.map((c) => c.id)).toEqual([first.commentId]);
    expect(left[0]?.body).toContain("v2");
  });
});
