import { describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";

const emulator = useEmulator();
type Obj = Record<string, unknown>;
const asObj = (value: unknown) => value as Obj;

async function commit(repo: string, branch: string, files: Record<string, string>): Promise<string> {
  const response = await call(emulator(), "POST", `/_emulator/repos/acme/${repo}/commits`, {
    branch,
    message: `on ${branch}`,
    files,
  });
  expect(response.status).toBe(201);
  return asObj(response.json).sha as string;
}

async function openPull(repo: string, head: string): Promise<number> {
  const created = await call(emulator(), "POST", `/repos/acme/${repo}/pulls`, {
    title: `Merge ${head}`,
    head,
    base: "main",
  });
  expect(created.status).toBe(201);
  return asObj(created.json).number as number;
}

async function gitCommit(repo: string, ref: string): Promise<Obj> {
  const branch = await call(emulator(), "GET", `/repos/acme/${repo}/branches/${ref}`);
  const sha = asObj(asObj(branch.json).commit).sha as string;
  return asObj((await call(emulator(), "GET", `/repos/acme/${repo}/git/commits/${sha}`)).json);
}

/** True when main's tree already holds `files`: re-committing them on a probe branch leaves the tree sha unchanged. */
async function mainHolds(repo: string, files: Record<string, string>): Promise<boolean> {
  const main = await gitCommit(repo, "main");
  const probe = await commit(repo, `probe-${Object.keys(files).join("-")}`, files);
  const probed = asObj((await call(emulator(), "GET", `/repos/acme/${repo}/git/commits/${probe}`)).json);
  return asObj(probed.tree).sha === asObj(main.tree).sha;
}

describe("PUT /pulls/{n}/merge", () => {
  it("merge: base gets the head's file in a two-parent commit; the PR shows merged; a second merge is 405", async () => {
    const head = await commit("m1", "feature", { "model.json": "{}" });
    const number = await openPull("m1", "feature");
    const baseBefore = (await gitCommit("m1", "main")).sha;
    expect((await call(emulator(), "GET", `/repos/acme/m1/pulls/${number}/merge`)).status).toBe(404);

    const merged = await call(emulator(), "PUT", `/repos/acme/m1/pulls/${number}/merge`, {
      merge_method: "merge",
      sha: head,
    });
    expect(merged.status).toBe(200);
    expect(merged.json).toMatchObject({ merged: true, message: "Pull Request successfully merged" });
    const mergeSha = asObj(merged.json).sha as string;

    const main = await gitCommit("m1", "main");
    expect(main.sha).toBe(mergeSha);
    expect((main.parents as Obj[]).map((p) => p.sha)).toEqual([baseBefore, head]);
    expect(main.message).toContain(`Merge pull request #${number} from acme/feature`);
    expect(await mainHolds("m1", { "model.json": "{}" })).toBe(true);
    expect(await mainHolds("m1", { "model.json": "[]" })).toBe(false);

    const pull = asObj((await call(emulator(), "GET", `/repos/acme/m1/pulls/${number}`)).json);
    expect(pull).toMatchObject({ state: "closed", merged: true, merge_commit_sha: mergeSha });
    expect(pull.merged_at).toEqual(expect.any(String));
    expect(asObj(pull.merged_by).login).toBe("github-actions[bot]");
    expect((await call(emulator(), "GET", `/repos/acme/m1/pulls/${number}/merge`)).status).toBe(204);

    const again = await call(emulator(), "PUT", `/repos/acme/m1/pulls/${number}/merge`);
    expect(again.status).toBe(405);
    expect(again.json).toMatchObject({ message: "Pull Request is not mergeable" });
  });

  it("squash: one parent, default title `<title> (#n)`, and base changes made meanwhile are kept", async () => {
    await commit("m2", "feature", { "a.txt": "from feature" });
    const number = await openPull("m2", "feature");
    const baseTip = await commit("m2", "main", { "b.txt": "from main" });
    const merged = await call(emulator(), "PUT", `/repos/acme/m2/pulls/${number}/merge`, {
      merge_method: "squash",
    });
    expect(merged.status).toBe(200);
    const main = await gitCommit("m2", "main");
    expect((main.parents as Obj[]).map((p) => p.sha)).toEqual([baseTip]);
    expect(main.message).toBe(`Merge feature (#${number})`);
    expect(await mainHolds("m2", { "a.txt": "from feature", "b.txt": "from main" })).toBe(true);
  });

  it("409 when `sha` is not the head, 422 on an unknown merge_method, 404 for a missing PR", async () => {
    await commit("m3", "feature", { "a.txt": "x" });
    const number = await openPull("m3", "feature");
    const stale = await call(emulator(), "PUT", `/repos/acme/m3/pulls/${number}/merge`, {
      sha: "0".repeat(40),
    });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      message: "Head branch was modified. Review and try the merge again.",
    });
    const bad = await call(emulator(), "PUT", `/repos/acme/m3/pulls/${number}/merge`, {
      merge_method: "octopus",
    });
    expect(bad.status).toBe(422);
    expect((await call(emulator(), "PUT", "/repos/acme/m3/pulls/99/merge")).status).toBe(404);
    expect(asObj((await call(emulator(), "GET", `/repos/acme/m3/pulls/${number}`)).json).state).toBe("open");
  });

  it("405 on a conflicting change to the same file; base and PR stay as they were", async () => {
    await commit("m4", "feature", { "README.md": "feature edit" });
    const number = await openPull("m4", "feature");
    const baseTip = await commit("m4", "main", { "README.md": "main edit" });
    const refused = await call(emulator(), "PUT", `/repos/acme/m4/pulls/${number}/merge`);
    expect(refused.status).toBe(405);
    expect(refused.json).toMatchObject({ message: "Pull Request is not mergeable" });
    expect((await gitCommit("m4", "main")).sha).toBe(baseTip);
    const pull = asObj((await call(emulator(), "GET", `/repos/acme/m4/pulls/${number}`)).json);
    expect(pull).toMatchObject({ state: "open", merged: false, merge_commit_sha: null });
  });

  it("403 with x-accepted-github-permissions for a token without contents: write", async () => {
    await commit("m5", "feature", { "a.txt": "x" });
    const number = await openPull("m5", "feature");
    const token = emulator().createToken({ contents: "read", pull_requests: "write" }, "reviewer");
    const refused = await call(
      emulator(),
      "PUT",
      `/repos/acme/m5/pulls/${number}/merge`,
      {},
      {
        authorization: `token ${token}`,
      },
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-accepted-github-permissions")).toBe("contents=write");
    expect(asObj((await call(emulator(), "GET", `/repos/acme/m5/pulls/${number}`)).json).merged).toBe(false);
  });
});
