import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/index.js";
import { call, useEmulator } from "./helpers.js";

const emulator = useEmulator({ seed: 7 });

describe("permissions", () => {
  it("a read-only token gets 403 with x-accepted-github-permissions on a write, and can still read", async () => {
    const token = emulator().createToken({ contents: "read", metadata: "read" }, "reader");
    const headers = { authorization: `token ${token}` };
    const write = await call(emulator(), "POST", "/repos/acme/perm/releases", { tag_name: "x/v1" }, headers);
    expect(write.status).toBe(403);
    expect(write.json).toMatchObject({ message: "Resource not accessible by integration" });
    expect(write.headers.get("x-accepted-github-permissions")).toBe("contents=write");
    const read = await call(emulator(), "GET", "/repos/acme/perm/releases", undefined, headers);
    expect(read.status).toBe(200);
    const comment = await call(emulator(), "POST", "/repos/acme/perm/issues", { title: "t" }, headers);
    expect(comment.headers.get("x-accepted-github-permissions")).toBe("issues=write");
  });

  it("tokens minted over HTTP carry their login, seen by GET /user and as comment author", async () => {
    const minted = await call(emulator(), "POST", "/_emulator/tokens", {
      permissions: { issues: "write" },
      login: "octocat",
    });
    const { token } = minted.json as { token: string };
    const headers = { authorization: `token ${token}` };
    expect((await call(emulator(), "GET", "/user", undefined, headers)).json).toMatchObject({
      login: "octocat",
      type: "User",
    });
    const issue = await call(emulator(), "POST", "/repos/acme/perm/issues", { title: "by default token" });
    const number = (issue.json as { number: number }).number;
    const comment = await call(
      emulator(),
      "POST",
      `/repos/acme/perm/issues/${number}/comments`,
      { body: "hi" },
      headers,
    );
    expect(comment.json).toMatchObject({ user: { login: "octocat" } });
    const entry = emulator().requestLog.at(-1);
    expect(entry).toMatchObject({
      method: "POST",
      route: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      status: 201,
      login: "octocat",
    });
  });

  it("GET /user: 200 for a personal token, 403 for installation tokens, 401 without a token (issue 12, item 6)", async () => {
    const personal = emulator().createToken({ issues: "write" }, "octocat");
    const app = emulator().createToken({ issues: "write" }, "mlops-app[bot]");
    const actionsBot = emulator().createToken({ issues: "write" }); // github-actions[bot], like GITHUB_TOKEN
    const user = await call(emulator(), "GET", "/user", undefined, { authorization: `token ${personal}` });
    expect(user).toMatchObject({ status: 200, json: { login: "octocat", type: "User" } });
    for (const token of [app, actionsBot]) {
      const refused = await call(emulator(), "GET", "/user", undefined, { authorization: `token ${token}` });
      expect(refused).toMatchObject({
        status: 403,
        json: { message: "Resource not accessible by integration" },
      });
    }
    // The per-job token the local runner gets is an installation token too.
    const run = await call(emulator(), "POST", "/_emulator/repos/acme/user-probe/actions/runs", {
      workflow_path: ".github/workflows/ci.yml",
      event: "push",
      head_branch: "main",
      head_sha: "a".repeat(40),
    });
    const job = await call(
      emulator(),
      "POST",
      `/_emulator/repos/acme/user-probe/actions/runs/${(run.json as { id: number }).id}/jobs`,
      { name: "build", permissions: { contents: "read" } },
    );
    const jobToken = (job.json as { github_token: string }).github_token;
    expect(
      (await call(emulator(), "GET", "/user", undefined, { authorization: `token ${jobToken}` })).status,
    ).toBe(403);
    expect(await call(emulator(), "GET", "/user", undefined, { authorization: "" })).toMatchObject({
      status: 401,
      json: { message: "Requires authentication" },
    });
  });

  it("a check run shows the app whose installation token created it (issue 12, item 6)", async () => {
    const head = await call(emulator(), "GET", "/repos/acme/check-app/commits/main");
    const sha = (head.json as { sha: string }).sha;
    const create = (token: string | undefined, name: string) =>
      call(
        emulator(),
        "POST",
        "/repos/acme/check-app/check-runs",
        { name, head_sha: sha, status: "completed", conclusion: "success" },
        token ? { authorization: `token ${token}` } : {},
      );
    const actions = await create(undefined, "default token"); // github-actions[bot], like GITHUB_TOKEN
    expect(actions.json).toMatchObject({
      app: { slug: "github-actions", id: 15368, owner: { login: "github" } },
    });
    const app = await create(emulator().createToken({ checks: "write" }, "mlops-app[bot]"), "app token");
    expect(app.json).toMatchObject({
      app: { slug: "mlops-app", html_url: expect.stringMatching(/\/apps\/mlops-app$/) },
    });
    const person = await create(emulator().createToken({ checks: "write" }, "octocat"), "personal token");
    expect((person.json as { app: unknown }).app).toBeNull();
  });

  it("comments accept issues or pull_requests write, and the header lists both alternatives", async () => {
    await call(emulator(), "POST", "/repos/acme/alt/issues", { title: "t" });
    const prWriter = emulator().createToken({ pull_requests: "write" }, "pr-bot");
    const posted = await call(
      emulator(),
      "POST",
      "/repos/acme/alt/issues/1/comments",
      { body: "ok" },
      { authorization: `token ${prWriter}` },
    );
    expect(posted.status).toBe(201);
    const reader = emulator().createToken({ issues: "read" });
    const refused = await call(
      emulator(),
      "POST",
      "/repos/acme/alt/issues/1/comments",
      { body: "no" },
      { authorization: `token ${reader}` },
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-accepted-github-permissions")).toBe("issues=write; pull_requests=write");
  });

  it("rejects unknown tokens with 401 Bad credentials when tokens are configured", async () => {
    const strict = await startEmulator({ tokens: { good: { login: "ci" } } });
    try {
      expect(
        (await call(strict, "GET", "/repos/a/b", undefined, { authorization: "token nope" })).status,
      ).toBe(401);
      expect(
        (await call(strict, "GET", "/repos/a/b", undefined, { authorization: "token nope" })).json,
      ).toMatchObject({ message: "Bad credentials" });
      expect(
        (await call(strict, "GET", "/repos/a/b", undefined, { authorization: "token good" })).status,
      ).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe("rate limits", () => {
  it("sends x-ratelimit-* headers that count down", async () => {
    const first = await call(emulator(), "GET", "/repos/acme/rl");
    const second = await call(emulator(), "GET", "/repos/acme/rl");
    expect(first.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(first.headers.get("x-ratelimit-resource")).toBe("core");
    expect(
      Number(first.headers.get("x-ratelimit-remaining")) -
        Number(second.headers.get("x-ratelimit-remaining")),
    ).toBe(1);
    expect(Number(second.headers.get("x-ratelimit-used"))).toBeGreaterThan(0);
  });

  it("switches to primary (403/429, remaining 0) and secondary (403 + retry-after) limits", async () => {
    const limited = await startEmulator({ rateLimit: { exceeded: "primary" } });
    try {
      const primary = await call(limited, "GET", "/repos/a/b");
      expect(primary.status).toBe(403);
      expect(primary.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(primary.json).toMatchObject({ message: expect.stringMatching(/API rate limit exceeded/) });
      limited.setRateLimit({ exceeded: "primary-429" });
      expect((await call(limited, "GET", "/repos/a/b")).status).toBe(429);
      limited.setRateLimit({ exceeded: "secondary", retryAfterSeconds: 3 });
      const secondary = await call(limited, "GET", "/repos/a/b");
      expect(secondary.status).toBe(403);
      expect(secondary.headers.get("retry-after")).toBe("3");
      expect(secondary.json).toMatchObject({ message: expect.stringMatching(/secondary rate limit/) });
      limited.setRateLimit({});
      expect((await call(limited, "GET", "/repos/a/b")).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("refuses once the configured limit is used up", async () => {
    const small = await startEmulator({ rateLimit: { limit: 2 } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(small, "GET", "/repos/a/b")).status);
      expect(statuses).toEqual([200, 200, 403]);
    } finally {
      await small.close();
    }
  });
});

describe("fault injection", () => {
  it("fails exactly the nth matching requests of a route and logs the fault", async () => {
    emulator().setFaults([{ route: "GET /repos/{owner}/{repo}", nth: [2, 3], kind: "5xx", status: 503 }]);
    emulator().clearLog();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(emulator(), "GET", "/repos/acme/faults")).status);
    await call(emulator(), "GET", "/repos/acme/faults/releases");
    expect(statuses).toEqual([200, 503, 503, 200]);
    expect(emulator().requestLog.map((e) => e.fault ?? null)).toEqual([null, "5xx", "5xx", null, null]);
    emulator().setFaults([]);
  });

  it("is deterministic for a seed: the same rate gives the same failure pattern after setFaults", async () => {
    const pattern = async () => {
      emulator().setFaults([{ route: "/repos/{owner}/{repo}", rate: 0.5, kind: "429" }]);
      const statuses = [];
      for (let i = 0; i < 12; i++)
        statuses.push((await call(emulator(), "GET", "/repos/acme/faults")).status);
      return statuses;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first).toContain(429);
    expect(first).toContain(200);
    emulator().setFaults([]);
  });

  it("produces secondary-rate-limit, reset-mid-body and slow faults", async () => {
    emulator().setFaults([
      { route: "/repos/{owner}/{repo}/releases", method: "GET", kind: "secondary-rate-limit", nth: [1] },
      { route: "/repos/{owner}/{repo}/labels", kind: "reset-mid-body" },
      { route: "/repos/{owner}/{repo}/issues", method: "GET", kind: "slow", delayMs: 30 },
    ]);
    const secondary = await call(emulator(), "GET", "/repos/acme/faults/releases");
    expect(secondary.status).toBe(403);
    expect(secondary.headers.get("retry-after")).toBeTruthy();
    await expect(call(emulator(), "GET", "/repos/acme/faults/labels")).rejects.toThrow();
    const slow = await call(emulator(), "GET", "/repos/acme/faults/issues");
    expect(slow.status).toBe(200);
    expect(emulator().requestLog.at(-1)?.fault).toBe("slow");
    emulator().setFaults([]);
  });
});

describe("failed uploads", () => {
  it("a 502 with starterAsset leaves an empty `starter` asset that blocks the name until deleted", async () => {
    const release = (
      await call(emulator(), "POST", "/repos/acme/starter/releases", { tag_name: "s/v1", draft: true })
    ).json as {
      id: number;
      upload_url: string;
    };
    const url = release.upload_url.replace("{?name,label}", "?name=model.bin");
    const upload = () =>
      fetch(url, {
        method: "POST",
        headers: { authorization: "token t", "content-type": "application/octet-stream" },
        body: Buffer.from("bytes"),
      });
    emulator().setFaults([
      {
        route: "/uploads/repos/{owner}/{repo}/releases/{release_id}/assets",
        kind: "5xx",
        nth: [1],
        starterAsset: true,
      },
    ]);
    expect((await upload()).status).toBe(502);
    const assets = (await call(emulator(), "GET", `/repos/acme/starter/releases/${release.id}/assets`))
      .json as { id: number; state: string; size: number }[];
    expect(assets).toEqual([expect.objectContaining({ state: "starter", size: 0 })]);
    expect((await upload()).status).toBe(422);
    expect(
      (await call(emulator(), "DELETE", `/repos/acme/starter/releases/assets/${assets[0]?.id}`)).status,
    ).toBe(204);
    expect((await upload()).status).toBe(201);
    emulator().setFaults([]);
  });
});

describe("request log over HTTP", () => {
  it("serves and clears the log", async () => {
    await call(emulator(), "GET", "/repos/acme/log/git/ref/heads%2Fmain");
    const log = await call(emulator(), "GET", "/_emulator/requests");
    expect(log.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          route: "/repos/{owner}/{repo}/git/ref/{ref+}",
          path: "/repos/acme/log/git/ref/heads%2Fmain",
          status: 200,
        }),
      ]),
    );
    expect((await call(emulator(), "DELETE", "/_emulator/requests")).status).toBe(204);
    expect(emulator().requestLog).toHaveLength(1);
  });
});
