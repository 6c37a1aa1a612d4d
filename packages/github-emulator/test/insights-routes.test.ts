/**
 * The reads `mlops insights` makes: pull-request reviews and commits, `sort=updated` on pull requests,
 * `since` on issues, `created` on workflow runs, and the emulator's settable clock.
 */
import { describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";

let now = Date.parse("2026-11-01T00:00:00Z");
const emulator = useEmulator({ clock: () => now });
type Obj = Record<string, unknown>;
const asObj = (value: unknown) => value as Obj;
const hours = (n: number) => {
  now = Date.parse("2026-11-01T00:00:00Z") + n * 3_600_000;
};

async function commit(branch: string, message: string): Promise<string> {
  const response = await call(emulator(), "POST", "/_emulator/repos/acme/ins/commits", {
    branch,
    message,
    files: { [`${branch}.txt`]: message },
  });
  expect(response.status).toBe(201);
  return asObj(response.json).sha as string;
}

describe("pull-request reviews and commits", () => {
  it("lists reviews in chronological order and refuses self-approval and empty change requests", async () => {
    hours(0);
    const first = await commit("feat", "one");
    hours(1);
    const second = await commit("feat", "two");
    const created = await call(emulator(), "POST", "/repos/acme/ins/pulls", {
      title: "T",
      head: "feat",
      base: "main",
    });
    const number = asObj(created.json).number as number;
    const reviewer = {
      authorization: `token ${emulator().createToken({ pull_requests: "write" }, "reviewer")}`,
    };
    const path = `/repos/acme/ins/pulls/${number}/reviews`;

    // "Can not approve your own pull request" (the caller opened it)
    const own = await call(emulator(), "POST", path, { event: "APPROVE" });
    expect(own.status).toBe(422);
    expect(asObj(own.json).message).toBe("Can not approve your own pull request");
    // body "Required when using REQUEST_CHANGES or COMMENT"
    expect((await call(emulator(), "POST", path, { event: "REQUEST_CHANGES" }, reviewer)).status).toBe(422);

    hours(2);
    const rejected = await call(emulator(), "POST", path, { event: "REQUEST_CHANGES", body: "no" }, reviewer);
    expect(rejected.status).toBe(200);
    expect(asObj(rejected.json).state).toBe("CHANGES_REQUESTED");
    hours(3);
    await call(emulator(), "POST", path, { event: "APPROVE" }, reviewer);
    const list = await call(emulator(), "GET", path);
    expect((list.json as Obj[]).map((r) => [r.state, r.submitted_at])).toEqual([
      ["CHANGES_REQUESTED", "2026-11-01T02:00:00Z"],
      ["APPROVED", "2026-11-01T03:00:00Z"],
    ]);

    // the PR's commits, oldest first, with their author dates from the emulator's clock
    const commits = await call(emulator(), "GET", `/repos/acme/ins/pulls/${number}/commits`);
    expect((commits.json as Obj[]).map((c) => [c.sha, asObj(asObj(asObj(c).commit).author).date])).toEqual([
      [first, "2026-11-01T00:00:00Z"], // the same second as the repository and its initial commit (as on GitHub)
      [second, "2026-11-01T01:00:00Z"],
    ]);
  });

  it("sorts pull requests by update time and filters issues by `since`", async () => {
    hours(10);
    await commit("old", "old");
    const older = asObj(
      (await call(emulator(), "POST", "/repos/acme/ins/pulls", { title: "old", head: "old", base: "main" }))
        .json,
    );
    hours(11);
    await commit("new", "new");
    await call(emulator(), "POST", "/repos/acme/ins/pulls", { title: "new", head: "new", base: "main" });
    hours(12);
    const reviewer = {
      authorization: `token ${emulator().createToken({ pull_requests: "write" }, "reviewer")}`,
    };
    await call(
      emulator(),
      "POST",
      `/repos/acme/ins/pulls/${older.number}/reviews`,
      { event: "COMMENT", body: "hm" },
      reviewer,
    );
    const updated = await call(
      emulator(),
      "GET",
      "/repos/acme/ins/pulls?state=all&sort=updated&direction=desc",
    );
    expect((updated.json as Obj[])[0]?.number).toBe(older.number); // reviewed last: updated last
    const created = await call(emulator(), "GET", "/repos/acme/ins/pulls?state=all");
    expect((created.json as Obj[])[0]?.title).toBe("new"); // default: created, descending

    const recent = await call(
      emulator(),
      "GET",
      "/repos/acme/ins/issues?state=all&since=2026-11-01T11:30:00Z",
    );
    expect((recent.json as Obj[]).map((i) => i.number)).toEqual([older.number]);
  });
});

describe("workflow runs created in a range", () => {
  it("filters GET /actions/runs by `created`", async () => {
    const sha = await commit("runs", "r");
    const start = async (h: number) => {
      hours(h);
      const run = await call(emulator(), "POST", "/_emulator/repos/acme/ins/actions/runs", {
        workflow_path: ".github/workflows/ci.yml",
        event: "push",
        head_branch: "runs",
        head_sha: sha,
      });
      return asObj(run.json).id as number;
    };
    const a = await start(20);
    const b = await start(48);
    const c = await start(80);
    const ids = async (created: string) => {
      const path = `/repos/acme/ins/actions/runs?created=${encodeURIComponent(created)}`;
      const runs = asObj((await call(emulator(), "GET", path)).json).workflow_runs as Obj[];
      return runs.map((r) => r.id);
    };
    // newest first; 48 h = 2026-11-03T00:00Z
    expect(await ids(">=2026-11-03")).toEqual([c, b]);
    expect(await ids("<2026-11-03")).toEqual([a]);
    expect(await ids("2026-11-01..2026-11-03")).toEqual([b, a]);
    expect(await ids(">2026-11-03T00:00:00Z")).toEqual([c]);
    expect((await call(emulator(), "GET", "/repos/acme/ins/actions/runs?created=yesterday")).status).toBe(
      422,
    );
  });
});

describe("draft releases", () => {
  it("are listed only to tokens with push access", async () => {
    const draft = await call(emulator(), "POST", "/repos/acme/ins/releases", {
      tag_name: "churn/v9",
      draft: true,
    });
    expect(draft.status).toBe(201);
    await call(emulator(), "POST", "/repos/acme/ins/releases", { tag_name: "churn/v8" });
    const tags = async (permissions: Record<string, "read" | "write">) => {
      const token = emulator().createToken(permissions);
      const listed = await call(emulator(), "GET", "/repos/acme/ins/releases", undefined, {
        authorization: `token ${token}`,
      });
      return (listed.json as Array<{ tag_name: string }>).map((r) => r.tag_name);
    };
    // "Only users with push access will receive listings for draft releases."
    expect(await tags({ contents: "write" })).toEqual(["churn/v8", "churn/v9"]);
    expect(await tags({ contents: "read" })).toEqual(["churn/v8"]);
  });
});
