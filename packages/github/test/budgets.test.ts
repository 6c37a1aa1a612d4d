/**
 * Issue 12, items 1, 3 and 11: GitHub's size limits in GitHub's units, and annotations that GitHub
 * appends on every update. Each test runs against the emulator, which refuses what GitHub refuses.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CHECK_OUTPUT_BUDGET, measure, RELEASE_BODY_BUDGET } from "@mlops/core";
import type { Emulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CheckAnnotation,
  downloadModel,
  type GitHubClient,
  MODEL_CARD_ASSET,
  publishCheck,
  registerModel,
  renderStickyBody,
  truncate,
} from "../src/index.js";
import { emulatorWithClient, headSha, OWNER, tempDir, writeModelFiles } from "./helpers.js";

let emulator: Emulator;
let client: GitHubClient;
let token: string;

beforeAll(async () => {
  ({ emulator, client, token } = await emulatorWithClient());
});
afterAll(() => emulator.close());

/** The fields of the emulator's answers these tests read. */
interface Answer {
  id: number;
  number: number;
  message?: string;
  errors?: unknown[];
  length?: number;
}

/** A raw request to the emulator (no client-side budgeting), answering status and JSON body. */
async function raw(method: string, path: string, body: unknown): Promise<{ status: number; json: Answer }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: `token ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Answer };
}

const hasLoneSurrogate = (text: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe("check-run output is limited in bytes (item 1)", () => {
  it("the emulator refuses 65,535 characters that are more than 65,535 bytes, on create and on update, as GitHub does", async () => {
    const repo = "check-bytes";
    const sha = await headSha(client, repo);
    const fits = "a".repeat(65_535);
    const tooManyBytes = "✅".repeat(30_000); // 30,000 characters, 90,000 bytes
    const tooManyChars = "a".repeat(65_536);
    const base = { name: "gate", head_sha: sha, status: "completed", conclusion: "success" };

    const created = await raw("POST", `/repos/${OWNER}/${repo}/check-runs`, {
      ...base,
      output: { title: "t", summary: fits },
    });
    expect(created.status).toBe(201);

    const bytes = await raw("POST", `/repos/${OWNER}/${repo}/check-runs`, {
      ...base,
      output: { title: "t", summary: tooManyBytes },
    });
    expect(bytes.status).toBe(422);
    expect(bytes.json).toMatchObject({
      message: "Validation Failed",
      errors: [
        {
          resource: "CheckRun",
          code: "custom",
          field: "summary",
          message: "summary exceeds a maximum bytesize of 65535",
        },
      ],
      documentation_url: "https://docs.github.com/rest/checks/runs#create-a-check-run",
    });
    const chars = await raw("POST", `/repos/${OWNER}/${repo}/check-runs`, {
      ...base,
      output: { title: "t", summary: "s", text: tooManyChars },
    });
    expect(chars.status).toBe(422);
    expect(chars.json.message).toBe(
      "Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.",
    );

    const id = created.json.id as number;
    const update = await raw("PATCH", `/repos/${OWNER}/${repo}/check-runs/${id}`, {
      conclusion: "failure",
      output: { title: "changed", summary: "s", text: tooManyBytes },
    });
    expect(update.status).toBe(422);
    expect(update.json).toMatchObject({
      errors: [{ resource: "CheckRun", field: "text", message: "text exceeds a maximum bytesize of 65535" }],
      documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run",
    });
    // A refused update changes nothing.
    const { data } = await client.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner: OWNER,
      repo,
      check_run_id: id,
    });
    expect(data).toMatchObject({ conclusion: "success", output: { title: "t" } });
  });

  it("publishCheck fits a passing gate's ✅/Δ-heavy report into 65,535 bytes (it used to get a 422)", async () => {
    const repo = "check-emoji";
    const sha = await headSha(client, repo);
    const rows = Array.from({ length: 4_000 }, (_, i) => `| m${i} | 0.5 | 0.6 | Δ +0.1 | ✅ pass |`);
    const summary = [
      "### ✅ churn: gate passed",
      "",
      "| Metric | Base | Head | Δ | Status |",
      "|---|---|---|---|---|",
      ...rows,
    ].join("\n");
    expect(summary.length).toBeLessThan(200_000);
    expect(measure(summary, "bytes")).toBeGreaterThan(CHECK_OUTPUT_BUDGET.limit);
    const result = await publishCheck(client, {
      owner: OWNER,
      repo,
      sha,
      name: "mlops gate: churn",
      conclusion: "success",
      title: "✅ churn: gate passed",
      summary,
      text: summary,
    });
    expect(result.kind).toBe("check-run");
    const { data } = await client.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner: OWNER,
      repo,
      check_run_id: result.id as number,
    });
    for (const field of [data.output.summary ?? "", data.output.text ?? ""]) {
      expect(measure(field, "bytes")).toBeLessThanOrEqual(65_535);
      expect(hasLoneSurrogate(field)).toBe(false);
      expect(field.startsWith("### ✅ churn: gate passed")).toBe(true);
      expect(field).toMatch(
        /Cut to fit GitHub's check-run output limit \(65,535 bytes\): [\d,]+ of [\d,]+ bytes left out/,
      );
      const lastRow =
        field
          .split("\n")
          .filter((l) => l.startsWith("| m"))
          .at(-1) ?? "";
      expect(lastRow).toMatch(/^\| m\d+ \| 0\.5 \| 0\.6 \| Δ \+0\.1 \| ✅ pass \|$/);
    }
  });
});

describe("comment, issue and release bodies are limited in characters (item 1)", () => {
  it("the emulator counts code points, in GitHub's error shapes, on create and update", async () => {
    const repo = "body-limits";
    const astral = "🟢".repeat(65_536); // 65,536 characters, 131,072 UTF-16 units
    const issue = await raw("POST", `/repos/${OWNER}/${repo}/issues`, { title: "t", body: astral });
    expect(issue.status).toBe(201);
    const tooLong = await raw("POST", `/repos/${OWNER}/${repo}/issues`, { title: "t", body: `${astral}x` });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json.errors).toEqual([
      {
        resource: "Issue",
        code: "custom",
        field: "body",
        message: "body is too long (maximum is 65536 characters)",
      },
    ]);
    const patch = await raw("PATCH", `/repos/${OWNER}/${repo}/issues/${issue.json.number}`, {
      body: `${astral}x`,
    });
    expect(patch.status).toBe(422);

    const comment = await raw("POST", `/repos/${OWNER}/${repo}/issues/${issue.json.number}/comments`, {
      body: astral,
    });
    expect(comment.status).toBe(201);
    const longComment = await raw("POST", `/repos/${OWNER}/${repo}/issues/${issue.json.number}/comments`, {
      body: `${astral}x`,
    });
    expect(longComment.status).toBe(422);
    expect(longComment.json.errors).toEqual([
      {
        resource: "IssueComment",
        code: "unprocessable",
        field: "data",
        message: "Body is too long (maximum is 65536 characters)",
      },
    ]);

    const release = await raw("POST", `/repos/${OWNER}/${repo}/releases`, {
      tag_name: "v1",
      draft: true,
      body: "é".repeat(125_000),
    });
    expect(release.status).toBe(201);
    const longRelease = await raw("POST", `/repos/${OWNER}/${repo}/releases`, {
      tag_name: "v2",
      body: "x".repeat(125_001),
    });
    expect(longRelease.status).toBe(422);
    expect(longRelease.json.errors).toEqual([
      {
        resource: "Release",
        code: "custom",
        field: "body",
        message: "body is too long (maximum is 125000 characters)",
      },
    ]);
    // Refused before anything was written: no tag v2.
    const refs = await raw("GET", `/repos/${OWNER}/${repo}/git/matching-refs/tags/v2`, undefined);
    expect(refs.json.length).toBe(0);
    const updated = await raw("PATCH", `/repos/${OWNER}/${repo}/releases/${release.json.id}`, {
      body: "x".repeat(125_001),
    });
    expect(updated.status).toBe(422);
  });

  it("status and deployment descriptions are cut to 140 characters, never half an emoji", () => {
    const cut = truncate(`a${"🚀".repeat(200)}`, 140);
    expect([...cut]).toHaveLength(140);
    expect(hasLoneSurrogate(cut)).toBe(false);
    expect(cut.endsWith("🚀…")).toBe(true);
  });

  it("the sticky comment keeps a body that fits GitHub's 65,536 characters even when it has more UTF-16 units", () => {
    const body = "🟢".repeat(50_000); // 50,000 characters = 100,000 UTF-16 units
    const rendered = renderStickyBody("churn/pr", body);
    expect(rendered.endsWith(body)).toBe(true);
    expect(measure(rendered, "chars")).toBeLessThanOrEqual(65_536);
  });
});

describe("check annotations are appended by GitHub on every update (item 11)", () => {
  const annotation = (line: number, message: string): CheckAnnotation => ({
    path: "mlops.yml",
    start_line: line,
    end_line: line,
    annotation_level: "failure",
    title: `rule on line ${line}`,
    message,
  });
  const annotationsOf = async (repo: string, id: number) =>
    (
      await client.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", {
        owner: OWNER,
        repo,
        check_run_id: id,
        per_page: 100,
      })
    ).data;

  it("the emulator appends the annotations of each PATCH to the run's list", async () => {
    const repo = "annotations-append";
    const sha = await headSha(client, repo);
    const created = await raw("POST", `/repos/${OWNER}/${repo}/check-runs`, {
      name: "gate",
      head_sha: sha,
      conclusion: "failure",
      output: { title: "t", summary: "s", annotations: [annotation(1, "a")] },
    });
    await raw("PATCH", `/repos/${OWNER}/${repo}/check-runs/${created.json.id}`, {
      output: { title: "t", summary: "s", annotations: [annotation(1, "a")] },
    });
    const listed = await annotationsOf(repo, created.json.id);
    expect(listed.map((a) => a.message)).toEqual(["a", "a"]);
    expect(listed[0]).toMatchObject({ path: "mlops.yml", start_line: 1, annotation_level: "failure" });
  });

  it("publishCheck sends only new annotations and says which are current when earlier ones no longer apply", async () => {
    const repo = "annotations-current";
    const sha = await headSha(client, repo);
    const options = { owner: OWNER, repo, sha, name: "mlops gate: churn", title: "gate", summary: "report" };
    const first = await publishCheck(client, {
      ...options,
      conclusion: "failure",
      annotations: [annotation(3, "f1 fell"), annotation(4, "auc fell"), annotation(5, "loss rose")],
    });
    // A re-evaluation of the same commit: one annotation still applies, one is new, two are gone.
    emulator.clearLog();
    const second = await publishCheck(client, {
      ...options,
      conclusion: "failure",
      annotations: [annotation(3, "f1 fell"), annotation(6, "latency rose")],
    });
    expect(second.id).toBe(first.id);
    const listed = await annotationsOf(repo, first.id as number);
    // GitHub keeps all four; the unchanged one was not sent again (it would be five).
    expect(listed.map((a) => a.message)).toEqual(["f1 fell", "auc fell", "loss rose", "latency rose"]);
    const { data } = await client.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner: OWNER,
      repo,
      check_run_id: first.id as number,
    });
    expect(data.output.summary).toMatch(/^> \[!NOTE\]\n> This check run was updated/);
    expect(data.output.summary).toContain(
      "2 annotations shown with it come from an earlier evaluation and no longer apply",
    );
    expect(data.output.summary).toContain(
      "Current (2 annotations): `mlops.yml:3` rule on line 3; `mlops.yml:6` rule on line 6.",
    );
    expect(data.output.summary?.endsWith("report")).toBe(true);

    // The same evaluation once more: nothing is written at all.
    emulator.clearLog();
    await publishCheck(client, {
      ...options,
      conclusion: "failure",
      annotations: [annotation(3, "f1 fell"), annotation(6, "latency rose")],
    });
    expect(emulator.requestLog.filter((r) => r.method !== "GET")).toEqual([]);
    expect(await annotationsOf(repo, first.id as number)).toHaveLength(4);
  });

  it("publishCheck keeps each annotation within GitHub's limits (title 255 characters, message 64 KB)", async () => {
    const repo = "annotations-limits";
    const sha = await headSha(client, repo);
    const long = { ...annotation(2, "🔴".repeat(20_000)), title: `rule ${"x".repeat(400)}` };
    const check = {
      owner: OWNER,
      repo,
      sha,
      name: "gate",
      conclusion: "failure" as const,
      title: "t",
      summary: "s",
      annotations: [long],
    };
    const result = await publishCheck(client, check);
    const [listed] = await annotationsOf(repo, result.id as number);
    expect([...(listed?.title ?? "")]).toHaveLength(255);
    expect(measure(listed?.message ?? "", "bytes")).toBeLessThanOrEqual(64 * 1024);
    expect(hasLoneSurrogate(listed?.message ?? "")).toBe(false);
    // Re-publishing the same over-long annotation recognises it as already carried.
    emulator.clearLog();
    await publishCheck(client, check);
    expect(emulator.requestLog.filter((r) => r.method !== "GET")).toEqual([]);
  });
});

describe("release body over 125,000 characters (item 3)", () => {
  it("registers a model with thousands of parameters and many files: a shortened card, the whole card as MODEL_CARD.md", async () => {
    const repo = "huge-card";
    const { dir, cleanup } = await tempDir();
    try {
      const fileContents: Record<string, string> = {};
      for (let i = 0; i < 60; i++) fileContents[`shard-${String(i).padStart(4, "0")}.bin`] = `weights ${i}\n`;
      const files = await writeModelFiles(dir, fileContents);
      const params: Record<string, number | string> = {};
      for (let i = 0; i < 4_000; i++) params[`layer_${i}.attention.dropout_probability`] = i / 4_000;
      const registered = await registerModel(client, {
        owner: OWNER,
        repo,
        model: "giant",
        commitSha: await headSha(client, repo),
        files,
        metrics: { accuracy: 0.9 },
        params,
        description: "a model with many parameters",
        gate: "passed",
        idempotencyKey: `${OWNER}/${repo}/1/giant`,
      });
      const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/{release_id}", {
        owner: OWNER,
        repo,
        release_id: registered.releaseId,
      });
      const body = release.body ?? "";
      expect(measure(body, "chars")).toBeLessThanOrEqual(RELEASE_BODY_BUDGET.limit);
      expect(body).toContain("## giant v1");
      expect(body).toContain("<details>\n<summary>4,000 parameters</summary>");
      expect(body).toMatch(/more rows not shown — the full model card is the release asset MODEL_CARD\.md/);
      expect((body.match(/<details/g) ?? []).length).toBe((body.match(/<\/details>/g) ?? []).length);
      expect(body).toContain("<!-- mlops:v1 ");

      const names = registered.assets.map((a) => a.name);
      expect(names).toContain(MODEL_CARD_ASSET);
      // The whole card is an asset, listed in SHA256SUMS, and the version still downloads and verifies.
      const out = join(dir, "download");
      const downloaded = await downloadModel(client, {
        owner: OWNER,
        repo,
        model: "giant",
        selector: "v1",
        dir: out,
      });
      expect(downloaded.files.length).toBe(60);
      const sums = await readFile(join(out, "SHA256SUMS"), "utf8");
      expect(sums).toContain(MODEL_CARD_ASSET);
      const card = registered.assets.find((a) => a.name === MODEL_CARD_ASSET);
      const response = await fetch(card?.browserDownloadUrl ?? "");
      const full = await response.text();
      expect(measure(full, "chars")).toBeGreaterThan(RELEASE_BODY_BUDGET.limit);
      expect(full).toContain("layer_3999.attention.dropout_probability");
      expect(full).toContain("shard-0059.bin");
    } finally {
      await cleanup();
    }
  });
});
