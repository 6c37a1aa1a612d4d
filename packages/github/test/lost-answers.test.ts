/**
 * Writes whose answer is lost after GitHub acted (a connection reset mid-body, issue 12 "Faults across the
 * whole life"): the retry must not create a second check run, comment or repository_dispatch.
 */
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchEvent, type GitHubClient, publishCheck, upsertStickyComment } from "../src/index.js";
import { countRequests, emulatorWithClient, OWNER, openPullRequest } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;

beforeAll(async () => {
  ({ emulator, client } = await emulatorWithClient());
});
afterAll(() => emulator.close());

describe("a write whose answer is lost after GitHub acted", () => {
  it("leaves one check run for one gate", async () => {
    const pr = await openPullRequest(client, "lost-check");
    emulator.setFaults([
      { route: "POST /repos/{owner}/{repo}/check-runs", nth: [1], kind: "reset-mid-body" },
    ]);
    try {
      await publishCheck(client, {
        owner: OWNER,
        repo: pr.repo,
        sha: pr.headSha,
        name: "mlops / churn",
        conclusion: "success",
        title: "Gate passed",
        summary: "all rules hold",
      });
    } finally {
      emulator.setFaults([]);
    }
    const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: OWNER,
      repo: pr.repo,
      ref: pr.headSha,
    });
    expect(data.check_runs.map((run) => run.name)).toEqual(["mlops / churn"]);
    expect(countRequests(emulator, "POST", `/repos/${OWNER}/${pr.repo}/check-runs`)).toBe(1);
  });

  it("posts the sticky comment once (a replayed POST would notify twice before the clean-up)", async () => {
    const pr = await openPullRequest(client, "lost-comment");
    emulator.clearLog();
    emulator.setFaults([
      {
        route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
        nth: [1],
        kind: "reset-mid-body",
      },
    ]);
    try {
      const result = await upsertStickyComment(client, {
        owner: OWNER,
        repo: pr.repo,
        issueNumber: pr.number,
        key: "churn/pr-check",
        body: "metrics",
        identity: "github-actions[bot]",
      });
      expect(result.action).toBe("created");
    } finally {
      emulator.setFaults([]);
    }
    expect(countRequests(emulator, "POST", `/issues/${pr.number}/comments`)).toBe(1);
    expect(countRequests(emulator, "DELETE", "/issues/comments/")).toBe(0);
  });

  it("sends a repository_dispatch once, and re-sends one GitHub answered with a 5xx or a rate limit", async () => {
    const dispatches = async (repo: string) =>
      (await client.request("GET /_emulator/repos/{owner}/{repo}/dispatches", { owner: OWNER, repo }))
        .data as unknown[];
    const send = (repo: string) =>
      dispatchEvent(client, {
        owner: OWNER,
        repo,
        eventType: "mlops.model.deployed",
        clientPayload: { v: 1 },
      });
    const warnings: string[] = [];
    emulator.setFaults([
      { route: "POST /repos/{owner}/{repo}/dispatches", nth: [1], kind: "reset-mid-body" },
    ]);
    try {
      await dispatchEvent(client, {
        owner: OWNER,
        repo: "lost-dispatch",
        eventType: "mlops.model.deployed",
        clientPayload: { v: 1 },
        log: { debug() {}, info() {}, warning: (m) => warnings.push(m) },
      });
    } finally {
      emulator.setFaults([]);
    }
    expect(await dispatches("lost-dispatch")).toHaveLength(1);
    expect(warnings.join("\n")).toMatch(/answer was lost.*not re-sending/);

    for (const [repo, kind] of [
      ["dispatch-5xx", "5xx"],
      ["dispatch-429", "429"],
      ["dispatch-secondary", "secondary-rate-limit"],
    ] as const) {
      emulator.setFaults([{ route: "POST /repos/{owner}/{repo}/dispatches", nth: [1], kind }]);
      try {
        await send(repo);
      } finally {
        emulator.setFaults([]);
      }
      expect(await dispatches(repo), kind).toHaveLength(1);
    }
  });
});
