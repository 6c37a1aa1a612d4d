import { describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";

/** Moved forward by a test that needs two writes in different seconds (GitHub's timestamps may be equal). */
let clockOffset = 0;
const emulator = useEmulator({ clock: () => Date.now() + clockOffset });
type Obj = Record<string, unknown>;
const asObj = (value: unknown) => value as Obj;
const asList = (value: unknown) => value as Obj[];

async function commit(repo: string, branch: string, files: Record<string, string> = {}): Promise<string> {
  const response = await call(emulator(), "POST", `/_emulator/repos/acme/${repo}/commits`, {
    branch,
    message: `on ${branch}`,
    files,
  });
  expect(response.status).toBe(201);
  return asObj(response.json).sha as string;
}

describe("git data and branches", () => {
  it("the emulator-only commit helper creates branches from main and commits resolve by branch and sha", async () => {
    const sha = await commit("git", "feature", { "a.txt": "a" });
    const branch = await call(emulator(), "GET", "/repos/acme/git/branches/feature");
    expect(asObj(asObj(branch.json).commit).sha).toBe(sha);
    const byRef = await call(emulator(), "GET", "/repos/acme/git/commits/feature");
    expect(asObj(byRef.json).sha).toBe(sha);
    const gitCommit = await call(emulator(), "GET", `/repos/acme/git/git/commits/${sha}`);
    const main = await call(emulator(), "GET", "/repos/acme/git/git/ref/heads/main");
    expect(asObj(gitCommit.json).parents).toEqual([
      expect.objectContaining({ sha: asObj(asObj(main.json).object).sha }),
    ]);
    expect((await call(emulator(), "GET", "/repos/acme/git/branches/nope")).status).toBe(404);
  });

  it("refuses non-fast-forward ref updates unless forced, and deletes refs", async () => {
    const base = asObj(
      asObj((await call(emulator(), "GET", "/repos/acme/ff/git/ref/heads/main")).json).object,
    ).sha as string;
    const ahead = await commit("ff", "main");
    const backwards = await call(emulator(), "PATCH", "/repos/acme/ff/git/refs/heads/main", { sha: base });
    expect(backwards.status).toBe(422);
    expect(backwards.json).toMatchObject({ message: "Update is not a fast forward" });
    expect(
      (await call(emulator(), "PATCH", "/repos/acme/ff/git/refs/heads/main", { sha: base, force: true }))
        .status,
    ).toBe(200);
    expect(
      (await call(emulator(), "PATCH", "/repos/acme/ff/git/refs/heads/main", { sha: ahead })).status,
    ).toBe(200);
    expect((await call(emulator(), "DELETE", "/repos/acme/ff/git/refs/heads/main")).status).toBe(204);
    expect((await call(emulator(), "GET", "/repos/acme/ff/git/ref/heads/main")).status).toBe(404);
  });

  it("matching-refs is a prefix match (v1 also matches v10), unpaginated", async () => {
    const sha = asObj(asObj((await call(emulator(), "GET", "/repos/acme/mr/git/ref/heads/main")).json).object)
      .sha as string;
    for (const name of ["m/v1", "m/v10", "m/v2", "other/v1"])
      await call(emulator(), "POST", "/repos/acme/mr/git/refs", { ref: `refs/tags/${name}`, sha });
    const v1 = await call(emulator(), "GET", "/repos/acme/mr/git/matching-refs/tags/m/v1?per_page=1");
    expect(asList(v1.json).map((r) => r.ref)).toEqual(["refs/tags/m/v1", "refs/tags/m/v10"]);
    const none = await call(emulator(), "GET", "/repos/acme/mr/git/matching-refs/tags/zzz");
    expect(none.json).toEqual([]);
  });
});

describe("release assets edge cases", () => {
  it("renames special characters, rejects 0 bytes, requires Content-Type and Content-Length", async () => {
    const release = asObj(
      (await call(emulator(), "POST", "/repos/acme/assets/releases", { tag_name: "a/v1", draft: true })).json,
    );
    const uploadUrl = String(release.upload_url).replace("{?name,label}", "");
    const upload = (name: string, body: Buffer, headers: Record<string, string>) =>
      fetch(`${uploadUrl}?name=${encodeURIComponent(name)}`, {
        method: "POST",
        headers: { authorization: "token t", ...headers },
        body,
      });
    const renamed = await upload("my model (v2).bin", Buffer.from("x"), {
      "content-type": "application/octet-stream",
    });
    expect(renamed.status).toBe(201);
    expect(((await renamed.json()) as { name: string }).name).toBe("my.model.v2.bin");
    const empty = await upload("empty.bin", Buffer.alloc(0), { "content-type": "application/octet-stream" });
    expect(empty.status).toBe(422);
    expect(await empty.json()).toMatchObject({
      errors: [{ resource: "ReleaseAsset", code: "custom", field: "size" }],
    });
    const untyped = await fetch(`${uploadUrl}?name=untyped.bin`, {
      method: "POST",
      headers: { authorization: "token t" },
      body: new Uint8Array([1]),
    });
    expect(untyped.status).toBe(422);
    const chunked = await fetch(`${uploadUrl}?name=chunked.bin`, {
      method: "POST",
      headers: { authorization: "token t", "content-type": "application/octet-stream" },
      body: new ReadableStream({
        start: (c) => {
          c.enqueue(new Uint8Array([1, 2]));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(411);
    const drafts = await call(emulator(), "GET", "/repos/acme/assets/releases/tags/a%2Fv1");
    expect(drafts.status).toBe(404);
  });
});

describe("issues, comments, labels", () => {
  it("creates, filters, paginates with Link, and edits", async () => {
    for (let i = 1; i <= 3; i++)
      await call(emulator(), "POST", "/repos/acme/iss/issues", {
        title: `issue ${i}`,
        labels: i === 2 ? ["bug"] : [],
      });
    const page = await call(emulator(), "GET", "/repos/acme/iss/issues?per_page=2");
    expect(asList(page.json).map((i) => i.title)).toEqual(["issue 3", "issue 2"]);
    expect(page.headers.get("link")).toMatch(/page=2>; rel="next"/);
    const bugs = await call(emulator(), "GET", "/repos/acme/iss/issues?labels=bug");
    expect(asList(bugs.json).map((i) => i.number)).toEqual([2]);
    await call(emulator(), "PATCH", "/repos/acme/iss/issues/1", { state: "closed" });
    expect(
      asList((await call(emulator(), "GET", "/repos/acme/iss/issues?state=closed")).json).map(
        (i) => i.number,
      ),
    ).toEqual([1]);
    const label = await call(emulator(), "POST", "/repos/acme/iss/labels", {
      name: "model",
      color: "00ff00",
    });
    expect(label.status).toBe(201);
    expect((await call(emulator(), "POST", "/repos/acme/iss/labels", { name: "Model" })).status).toBe(422);
    const added = await call(emulator(), "POST", "/repos/acme/iss/issues/3/labels", { labels: ["model"] });
    expect(asList(added.json).map((l) => l.name)).toEqual(["model"]);
    expect(asObj((await call(emulator(), "GET", "/repos/acme/iss/labels/model")).json).color).toBe("00ff00");
  });

  it("comments: create, list ascending with since, update, delete, 65536-char limit", async () => {
    await call(emulator(), "POST", "/repos/acme/com/issues", { title: "t" });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      // c2 a minute after c0 and c1 (written in the same second, they may share a timestamp, as on GitHub)
      if (i === 2) clockOffset += 60_000;
      ids.push(
        asObj((await call(emulator(), "POST", "/repos/acme/com/issues/1/comments", { body: `c${i}` })).json)
          .id as number,
      );
    }
    const listed = await call(emulator(), "GET", "/repos/acme/com/issues/1/comments");
    expect(asList(listed.json).map((c) => c.body)).toEqual(["c0", "c1", "c2"]);
    const third = asList(listed.json)[2];
    const since = await call(
      emulator(),
      "GET",
      `/repos/acme/com/issues/1/comments?since=${third?.updated_at}`,
    );
    expect(asList(since.json).map((c) => c.body)).toEqual(["c2"]);
    expect(
      asObj(
        (await call(emulator(), "PATCH", `/repos/acme/com/issues/comments/${ids[0]}`, { body: "edited" }))
          .json,
      ).body,
    ).toBe("edited");
    expect((await call(emulator(), "DELETE", `/repos/acme/com/issues/comments/${ids[1]}`)).status).toBe(204);
    expect(asList((await call(emulator(), "GET", "/repos/acme/com/issues/1/comments")).json)).toHaveLength(2);
    const long = await call(emulator(), "POST", "/repos/acme/com/issues/1/comments", {
      body: "x".repeat(65537),
    });
    expect(long.status).toBe(422);
    expect(JSON.stringify(long.json)).toContain("Body is too long (maximum is 65536 characters)");
  });
});

describe("pull requests", () => {
  it("creates head → base, lists by state, finds PRs for a commit", async () => {
    const head = await commit("pr", "train");
    const created = await call(emulator(), "POST", "/repos/acme/pr/pulls", {
      title: "Train",
      head: "train",
      base: "main",
    });
    expect(created.status).toBe(201);
    expect(asObj(created.json)).toMatchObject({
      number: 1,
      state: "open",
      head: { ref: "train", sha: head },
      base: { ref: "main" },
    });
    expect(asList((await call(emulator(), "GET", "/repos/acme/pr/pulls")).json)).toHaveLength(1);
    expect(asList((await call(emulator(), "GET", "/repos/acme/pr/pulls?state=closed")).json)).toHaveLength(0);
    const forCommit = await call(emulator(), "GET", `/repos/acme/pr/commits/${head}/pulls`);
    expect(asList(forCommit.json).map((p) => p.number)).toEqual([1]);
    expect(asObj((await call(emulator(), "GET", "/repos/acme/pr/pulls/1")).json).merged).toBe(false);
    expect(
      (await call(emulator(), "POST", "/repos/acme/pr/pulls", { title: "x", head: "nope", base: "main" }))
        .status,
    ).toBe(422);
  });
});

describe("checks and statuses", () => {
  it("check runs: create, update with output, filter by name, 50-annotation cap", async () => {
    const sha = await commit("chk", "main");
    const run = await call(emulator(), "POST", "/repos/acme/chk/check-runs", {
      name: "gate",
      head_sha: sha,
      status: "in_progress",
    });
    expect(run.status).toBe(201);
    const id = asObj(run.json).id;
    const annotation = {
      path: "metrics.json",
      start_line: 1,
      end_line: 1,
      annotation_level: "failure",
      message: "auc dropped",
    };
    const updated = await call(emulator(), "PATCH", `/repos/acme/chk/check-runs/${id}`, {
      conclusion: "failure",
      output: { title: "Gate failed", summary: "auc < 0.9", text: "details", annotations: [annotation] },
    });
    expect(asObj(updated.json)).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Gate failed", annotations_count: 1 },
    });
    const tooMany = await call(emulator(), "PATCH", `/repos/acme/chk/check-runs/${id}`, {
      output: { summary: "s", annotations: Array(51).fill(annotation) },
    });
    expect(tooMany.status).toBe(422);
    await call(emulator(), "POST", "/repos/acme/chk/check-runs", { name: "other", head_sha: sha });
    const listed = await call(emulator(), "GET", `/repos/acme/chk/commits/${sha}/check-runs?check_name=gate`);
    expect(asObj(listed.json).total_count).toBe(1);
  });

  it("commit statuses: combined state is failure if any failed, latest per context wins", async () => {
    const sha = await commit("st", "main");
    await call(emulator(), "POST", `/repos/acme/st/statuses/${sha}`, { state: "failure", context: "ci/a" });
    await call(emulator(), "POST", `/repos/acme/st/statuses/${sha}`, { state: "success", context: "ci/b" });
    expect(asObj((await call(emulator(), "GET", `/repos/acme/st/commits/${sha}/status`)).json)).toMatchObject(
      { state: "failure", total_count: 2 },
    );
    await call(emulator(), "POST", `/repos/acme/st/statuses/${sha}`, { state: "success", context: "CI/A" });
    expect(asObj((await call(emulator(), "GET", `/repos/acme/st/commits/${sha}/status`)).json)).toMatchObject(
      { state: "success", total_count: 2 },
    );
    expect(
      asList((await call(emulator(), "GET", `/repos/acme/st/commits/${sha}/statuses`)).json),
    ).toHaveLength(3);
  });
});

describe("deployments and environments", () => {
  it("creates with filters, auto-inactivates earlier successes (non-production), deletes only inactive ones", async () => {
    const deploy = (environment: string, ref = "main") =>
      call(emulator(), "POST", "/repos/acme/dep/deployments", {
        ref,
        task: "deploy:fraud",
        auto_merge: false,
        required_contexts: [],
        payload: { model: "fraud", version: 1 },
        environment,
        description: "fraud v1",
        production_environment: environment === "production",
      });
    const first = asObj((await deploy("staging")).json);
    expect(first).toMatchObject({
      task: "deploy:fraud",
      environment: "staging",
      payload: { model: "fraud", version: 1 },
      production_environment: false,
    });
    await call(emulator(), "POST", `/repos/acme/dep/deployments/${first.id}/statuses`, {
      state: "success",
      environment_url: "https://staging.example",
    });
    const second = asObj((await deploy("staging")).json);
    await call(emulator(), "POST", `/repos/acme/dep/deployments/${second.id}/statuses`, {
      state: "success",
      log_url: "https://ci/log",
    });
    const firstStatuses = asList(
      (await call(emulator(), "GET", `/repos/acme/dep/deployments/${first.id}/statuses`)).json,
    );
    expect(firstStatuses.map((s) => s.state)).toEqual(["inactive", "success"]);

    const prod1 = asObj((await deploy("production")).json);
    await call(emulator(), "POST", `/repos/acme/dep/deployments/${prod1.id}/statuses`, { state: "success" });
    const prod2 = asObj((await deploy("production")).json);
    await call(emulator(), "POST", `/repos/acme/dep/deployments/${prod2.id}/statuses`, { state: "success" });
    const prodStatuses = asList(
      (await call(emulator(), "GET", `/repos/acme/dep/deployments/${prod1.id}/statuses`)).json,
    );
    expect(prodStatuses.map((s) => s.state)).toEqual(["success"]);

    const filtered = asList(
      (await call(emulator(), "GET", "/repos/acme/dep/deployments?environment=staging&task=deploy:fraud"))
        .json,
    );
    expect(filtered.map((d) => d.id)).toEqual([second.id, first.id]);
    expect((await call(emulator(), "DELETE", `/repos/acme/dep/deployments/${prod1.id}`)).status).toBe(422);
    expect((await call(emulator(), "DELETE", `/repos/acme/dep/deployments/${first.id}`)).status).toBe(204);

    const envs = asObj((await call(emulator(), "GET", "/repos/acme/dep/environments")).json);
    expect((envs.environments as Obj[]).map((e) => e.name).sort()).toEqual(["production", "staging"]);
    const put = await call(emulator(), "PUT", "/repos/acme/dep/environments/qa", { wait_timer: 5 });
    expect(asObj(put.json)).toMatchObject({
      name: "qa",
      protection_rules: [{ type: "wait_timer", wait_timer: 5 }],
    });
    expect((await call(emulator(), "GET", "/repos/acme/dep/environments/qa")).status).toBe(200);
  });

  it("409 when required contexts are not green", async () => {
    const sha = await commit("dep409", "main");
    await call(emulator(), "POST", `/repos/acme/dep409/statuses/${sha}`, { state: "failure", context: "ci" });
    const refused = await call(emulator(), "POST", "/repos/acme/dep409/deployments", {
      ref: "main",
      auto_merge: false,
    });
    expect(refused.status).toBe(409);
  });
});

describe("repository_dispatch and repo metadata", () => {
  it("records dispatches readable through the emulator-only route", async () => {
    expect(
      (
        await call(emulator(), "POST", "/repos/acme/disp/dispatches", {
          event_type: "model-registered",
          client_payload: { model: "fraud" },
        })
      ).status,
    ).toBe(204);
    expect((await call(emulator(), "POST", "/repos/acme/disp/dispatches", { event_type: "" })).status).toBe(
      422,
    );
    const events = await call(emulator(), "GET", "/_emulator/repos/acme/disp/dispatches");
    expect(events.json).toEqual([
      expect.objectContaining({ event_type: "model-registered", client_payload: { model: "fraud" } }),
    ]);
  });

  it("any repo exists with default branch main; rate_limit reports the core bucket", async () => {
    expect(asObj((await call(emulator(), "GET", "/repos/someone/anything")).json)).toMatchObject({
      full_name: "someone/anything",
      default_branch: "main",
    });
    const limits = asObj((await call(emulator(), "GET", "/rate_limit")).json);
    expect(asObj(asObj(limits.resources).core).limit).toBe(5000);
  });
});

describe("single-object reads and deletes (schema-checked like every response)", () => {
  it("serves get/list/latest/delete for releases, issues, comments, labels, check runs and deployments", async () => {
    const sha = await commit("reads", "main");
    const older = asObj(
      (await call(emulator(), "POST", "/repos/acme/reads/releases", { tag_name: "r/v1" })).json,
    );
    const pre = asObj(
      (await call(emulator(), "POST", "/repos/acme/reads/releases", { tag_name: "r/v2", prerelease: true }))
        .json,
    );
    expect(asObj((await call(emulator(), "GET", "/repos/acme/reads/releases/latest")).json).id).toBe(
      older.id,
    );
    expect(
      asObj((await call(emulator(), "GET", `/repos/acme/reads/releases/${pre.id}`)).json).prerelease,
    ).toBe(true);
    expect((await call(emulator(), "DELETE", `/repos/acme/reads/releases/${pre.id}`)).status).toBe(204);
    expect((await call(emulator(), "GET", `/repos/acme/reads/releases/${pre.id}`)).status).toBe(404);
    expect((await call(emulator(), "GET", "/repos/acme/reads/git/ref/tags/r/v2")).status).toBe(200);

    await call(emulator(), "POST", "/repos/acme/reads/issues", { title: "t", labels: ["x"] });
    expect(asObj((await call(emulator(), "GET", "/repos/acme/reads/issues/1")).json)).toMatchObject({
      number: 1,
      labels: [{ name: "x" }],
    });
    const comment = asObj(
      (await call(emulator(), "POST", "/repos/acme/reads/issues/1/comments", { body: "b" })).json,
    );
    expect(
      asObj((await call(emulator(), "GET", `/repos/acme/reads/issues/comments/${comment.id}`)).json).body,
    ).toBe("b");
    expect(
      asList((await call(emulator(), "GET", "/repos/acme/reads/labels")).json).map((l) => l.name),
    ).toEqual(["x"]);

    const run = asObj(
      (
        await call(emulator(), "POST", "/repos/acme/reads/check-runs", {
          name: "c",
          head_sha: sha,
          conclusion: "success",
        })
      ).json,
    );
    expect(
      asObj((await call(emulator(), "GET", `/repos/acme/reads/check-runs/${run.id}`)).json),
    ).toMatchObject({ status: "completed", conclusion: "success" });

    const deployment = asObj(
      (await call(emulator(), "POST", "/repos/acme/reads/deployments", { ref: sha, required_contexts: [] }))
        .json,
    );
    expect(
      asObj((await call(emulator(), "GET", `/repos/acme/reads/deployments/${deployment.id}`)).json),
    ).toMatchObject({ sha, environment: "production" });
    expect((await call(emulator(), "DELETE", `/repos/acme/reads/deployments/${deployment.id}`)).status).toBe(
      204,
    );
  });
});
