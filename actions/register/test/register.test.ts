import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Harness, headSha, runStep, startHarness, writeTree } from "@mlops/action-kit/testing";
import { main as train } from "@mlops/action-train";
import { parseModelManifest, releaseCardOf } from "@mlops/core";
import { downloadModel, getPublishedRelease, listVersions, moveAlias } from "@mlops/github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";

const OWNER = "acme";
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function workspace(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(harness.dir, name);
  await mkdir(dir, { recursive: true });
  await writeTree(dir, files);
  return dir;
}

async function register(
  repo: string,
  runId: number,
  cwd: string,
  inputs: Record<string, string>,
  runAttempt = 1,
) {
  return runStep(main, {
    harness,
    repository: `${OWNER}/${repo}`,
    sha: await headSha(harness.client, OWNER, repo),
    runId,
    runAttempt,
    cwd,
    inputs: { "model-name": "fraud", ...inputs },
  });
}

/**
 * Registers v1 of `fraud` in a fresh workspace (one model.bin) with `inputs`, moves `@production` to it, and
 * changes the model file for a second registration; the workspace.
 */
async function v1InProduction(repo: string, runId: number, inputs: Record<string, string>): Promise<string> {
  const cwd = await workspace(repo, { "model.bin": "w" });
  await register(repo, runId, cwd, inputs);
  await moveAlias(harness.client, {
    owner: OWNER,
    repo,
    model: "fraud",
    alias: "production",
    selector: "v1",
  });
  await writeTree(cwd, { "model.bin": "w2" });
  return cwd;
}

describe("register action", () => {
  it("creates the tag, the release and assets whose digests match the local files", async () => {
    const repo = "reg-action-basic";
    const files = { "model/weights.bin": "weights v1", "metrics.json": '{"accuracy": 0.91}' };
    const cwd = await workspace(repo, { ...files, "profile.json": '{"columns": []}' });
    const runtime = await register(repo, 501, cwd, {
      files: "model/*.bin",
      metrics: "metrics.json",
      description: "fraud detector",
      "reference-profile": "profile.json",
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs).toMatchObject({ version: "1", tag: "fraud/v1" });

    const { data: ref } = await harness.client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo,
      ref: "tags/fraud/v1",
    });
    expect(ref.object.type).toBe("tag");
    const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
    expect(release?.id).toBe(Number(runtime.outputs["release-id"]));
    const digests = Object.fromEntries(release?.assets.map((a) => [a.name, a.digest]) ?? []);
    expect(digests["weights.bin"]).toBe(`sha256:${sha256(files["model/weights.bin"])}`);
    expect(digests["reference-profile.json"]).toBe(`sha256:${sha256('{"columns": []}')}`);
    expect(Object.keys(digests).sort()).toEqual(
      ["SHA256SUMS", "model.json", "reference-profile.json", "weights.bin"].sort(),
    );

    // The job summary carries the same model card as the release body.
    expect(runtime.summary.join("")).toContain(releaseCardOf(release?.body ?? ""));
    expect(releaseCardOf(release?.body ?? "")).toContain("| accuracy |");

    const dir = join(harness.dir, `${repo}-download`);
    const downloaded = await downloadModel(harness.client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "v1",
      dir,
    });
    const manifest = parseModelManifest(await readFile(join(dir, "model.json"), "utf8"));
    expect(manifest.metrics).toEqual({ accuracy: 0.91 });
    expect(manifest.lineage).toMatchObject({ repository: `${OWNER}/${repo}`, parent_version: null });
    expect(manifest.lineage.run.id).toBe(501);
    expect(downloaded.files.map((f) => f.name)).toEqual(["weights.bin"]);

    const dispatches = harness.emulator.requestLog.filter(
      (r) => r.method === "POST" && r.path === `/repos/${OWNER}/${repo}/dispatches`,
    );
    expect(dispatches).toHaveLength(1);
  });

  it("records the production version as lineage.parent_version", async () => {
    const repo = "reg-action-parent";
    const cwd = await v1InProduction(repo, 601, { files: "model.bin" });
    const second = await register(repo, 602, cwd, { files: "model.bin", aliases: "latest, candidate" });
    expect(second.outputs.version).toBe("2");
    const dir = join(harness.dir, `${repo}-download`);
    const { manifest } = await downloadModel(harness.client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "@candidate",
      dir,
    });
    expect(manifest.lineage.parent_version).toBe("1");
    expect(second.summary.join("")).toMatch(/\| Parent version +\| v1 +\|/);
  });

  it("the model card never states aliases that have moved since: it names those it was registered with", async () => {
    const repo = "reg-action-card-aliases";
    const cwd = await v1InProduction(repo, 611, { files: "model.bin", aliases: "latest" });
    await register(repo, 612, cwd, { files: "model.bin", aliases: "latest" }); // @latest moves to v2
    const versions = await listVersions(harness.client, { owner: OWNER, repo, model: "fraud" });
    expect(versions.find((v) => v.version === "1")?.aliases).toEqual(["production"]);
    const card = releaseCardOf(
      (await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1"))?.body ?? "",
    );
    // v1 is no longer @latest and is @production: its card must not read as its current aliases.
    expect(card).not.toMatch(/Aliases: `@latest`/);
    expect(card).toContain(
      "Registered as `@latest` (aliases move: `mlops registry list fraud` and the refs `refs/mlops/fraud/@<alias>` show where each points now)",
    );
  });

  it("three re-runs of one run give one version", async () => {
    const repo = "reg-action-rerun";
    const cwd = await workspace(repo, { "model.bin": "weights" });
    const versions: string[] = [];
    for (const attempt of [1, 2, 3]) {
      const runtime = await register(repo, 701, cwd, { files: "model.bin" }, attempt);
      expect(runtime.failure).toBeUndefined();
      versions.push(runtime.outputs.version ?? "");
    }
    expect(versions).toEqual(["1", "1", "1"]);
    const all = await listVersions(harness.client, { owner: OWNER, repo, model: "fraud" });
    expect(all.map((v) => v.version)).toEqual(["1"]);
    const { data: releases } = await harness.client.request("GET /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
    });
    expect(releases).toHaveLength(1);
  });

  it("ten concurrent registrations get versions 1..10 exactly once", async () => {
    const repo = "reg-action-concurrent";
    const cwd = await workspace(repo, { "model.bin": "weights" });
    const runtimes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => register(repo, 800 + i, cwd, { files: "model.bin" })),
    );
    expect(runtimes.map((r) => r.failure)).toEqual(Array(10).fill(undefined));
    const versions = runtimes.map((r) => Number(r.outputs.version)).sort((a, b) => a - b);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("takes the newest attempt's train artifact with its run.json", async () => {
    const repo = "reg-action-artifact";
    const sha = await headSha(harness.client, OWNER, repo);
    const artifactRoot = join(harness.dir, "artifacts-train");
    const runJson = (weights: string, attempt: number) =>
      JSON.stringify({
        schema_version: 1,
        model: "fraud",
        commit: sha,
        ref: "refs/heads/main",
        repository: `${OWNER}/${repo}`,
        run: {
          id: 900,
          attempt,
          url: `https://github.localhost/${OWNER}/${repo}/actions/runs/900`,
          workflow: "release",
        },
        command: { exit_code: 0, duration_ms: 10 },
        params: { depth: 3 },
        metrics: { accuracy: attempt === 2 ? 0.82 : 0.81 },
        files: [{ path: "model/weights.bin", size: weights.length, sha256: sha256(weights) }],
        data: [],
        runner: { os: "linux", arch: "x64", node: "v20", name: "test" },
        created_at: "2026-12-01T00:00:00Z",
      });
    await writeTree(join(artifactRoot, "mlops-fraud"), {
      "run.json": runJson("first", 1),
      "model/weights.bin": "first",
    });
    await writeTree(join(artifactRoot, "mlops-fraud-attempt-2"), {
      "run.json": runJson("second", 2),
      "model/weights.bin": "second",
    });
    const cwd = await workspace(repo, {});
    const runtime = await runStep(main, {
      harness,
      repository: `${OWNER}/${repo}`,
      sha,
      runId: 900,
      runAttempt: 2,
      cwd,
      artifactRoot,
      inputs: { "model-name": "fraud" },
    });
    expect(runtime.failure).toBeUndefined();
    const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
    expect(release?.assets.find((a) => a.name === "weights.bin")?.digest).toBe(`sha256:${sha256("second")}`);
    const dir = join(harness.dir, `${repo}-download`);
    const { manifest } = await downloadModel(harness.client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "v1",
      dir,
    });
    expect(manifest.metrics).toEqual({ accuracy: 0.82 });
    expect(manifest.params).toEqual({ depth: 3 });
  });

  it("finds a train artifact uploaded under a custom 'artifact-name' (it looked only for mlops-<model>)", async () => {
    const repo = "reg-action-custom-artifact";
    const sha = await headSha(harness.client, OWNER, repo);
    const artifactRoot = join(harness.dir, "artifacts-custom");
    const cwd = await workspace(repo, {});
    const step = { harness, repository: `${OWNER}/${repo}`, sha, runId: 910, cwd, artifactRoot };
    const trained = await runStep(train as Parameters<typeof runStep>[0], {
      ...step,
      inputs: {
        "model-name": "fraud",
        command:
          "mkdir -p model && printf w1 > model/weights.bin && echo '{\"accuracy\": 0.8}' > metrics.json",
        metrics: "metrics.json",
        artifacts: "model/weights.bin",
        "artifact-name": "fraud-training",
      },
    });
    expect(trained.failure).toBeUndefined();
    expect(trained.outputs["artifact-name"]).toBe("fraud-training");
    const runtime = await runStep(main, {
      ...step,
      inputs: { "model-name": "fraud", "artifact-name": "fraud-training" },
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.lines.map((l) => l.message)).toContain("Using the train artifact fraud-training.");
    const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
    expect(release?.assets.find((a) => a.name === "weights.bin")?.digest).toBe(`sha256:${sha256("w1")}`);
  });

  it("reads files relative to a downloaded run.json given as 'manifest'", async () => {
    const repo = "reg-action-manifest";
    const sha = await headSha(harness.client, OWNER, repo);
    const weights = "manifest weights";
    const cwd = await workspace(repo, {
      "candidate/model/weights.bin": weights,
      "candidate/predictions.csv": "id,correct\n1,1\n",
      "candidate/run.json": JSON.stringify({
        schema_version: 1,
        model: "fraud",
        commit: sha,
        ref: "refs/heads/main",
        repository: `${OWNER}/${repo}`,
        run: { id: 990, attempt: 1, url: "", workflow: "release" },
        command: { exit_code: 0, duration_ms: 1 },
        params: {},
        metrics: { f1: 0.7 },
        files: [{ path: "model/weights.bin", size: weights.length, sha256: sha256(weights) }],
        data: [{ path: "data/train.csv", size: 10, sha256: sha256("data") }],
        runner: { os: "linux", arch: "x64", node: "v20", name: "test" },
        created_at: "2026-12-01T00:00:00Z",
      }),
      "mlops.yml": "version: 1\nmodels:\n  - name: fraud\n    per_example: predictions.csv\n",
    });
    const runtime = await register(repo, 990, cwd, { "model-name": "", manifest: "candidate/run.json" });
    expect(runtime.failure).toBeUndefined();
    const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
    expect(release?.assets.map((a) => a.name).sort()).toEqual(
      ["SHA256SUMS", "model.json", "per-example.csv", "weights.bin"].sort(),
    );
    const dir = join(harness.dir, `${repo}-download`);
    const { manifest } = await downloadModel(harness.client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "v1",
      dir,
    });
    expect(manifest.metrics).toEqual({ f1: 0.7 });
    expect(manifest.lineage.data.map((d) => d.path)).toEqual(["data/train.csv"]);
  });

  it("fails with one line naming the input for a bad version", async () => {
    const repo = "reg-action-bad";
    const cwd = await workspace(repo, { "model.bin": "w" });
    const runtime = await register(repo, 950, cwd, { files: "model.bin", version: "seven" });
    expect(runtime.failure).toMatch(/^Invalid input 'version'/);
    expect(runtime.failure).not.toContain("\n");
    harness.emulator.clearLog();
    const build = await register(repo, 951, cwd, { files: "model.bin", version: "1.4.0+build.7" });
    expect(build.failure).toMatch(/^Invalid input 'version': .*build metadata/);
    expect(build.failure).not.toContain("\n");
    // Refused before anything was written: no POST/PATCH/DELETE reached the server.
    expect(harness.emulator.requestLog.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("registers explicit semver versions next to auto ones; the version output is the label", async () => {
    const repo = "reg-action-semver";
    const cwd = await workspace(repo, { "model.bin": "w" });
    const first = await register(repo, 960, cwd, { files: "model.bin", version: "v1.4.0" });
    expect(first.failure).toBeUndefined();
    expect(first.outputs).toMatchObject({ version: "1.4.0", tag: "fraud/v1.4.0" });
    expect(first.summary.join("")).toContain("## fraud v1.4.0");
    const rc = await register(repo, 961, cwd, {
      files: "model.bin",
      version: "2.0.0-rc.1",
      prerelease: "true",
    });
    expect(rc.outputs.version).toBe("2.0.0-rc.1");
    const auto = await register(repo, 962, cwd, { files: "model.bin" });
    expect(auto.outputs).toMatchObject({ version: "3", tag: "fraud/v3" });
    // Another run asking for a version that exists: one line, and the rerun of its own run still works.
    const taken = await register(repo, 963, cwd, { files: "model.bin", version: "1.4.0" });
    expect(taken.failure).toBe(
      `fraud v1.4.0 already exists in ${OWNER}/${repo} (registered by another run); give a new version or use auto.`,
    );
    const rerun = await register(repo, 960, cwd, { files: "model.bin", version: "1.4.0" }, 2);
    expect(rerun.outputs.version).toBe("1.4.0");
    const all = await listVersions(harness.client, { owner: OWNER, repo, model: "fraud" });
    expect(all.map((v) => v.version)).toEqual(["3", "2.0.0-rc.1", "1.4.0"]);
  });

  it("profiles monitoring.reference (or reference-data) into reference-profile.json for `reference: registry`", async () => {
    const repo = "reg-action-reference";
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${i % 3 === 0 ? "a" : "b"}`);
    const cwd = await workspace(repo, {
      "model/weights.bin": "weights",
      "metrics.json": '{"accuracy": 0.9}',
      "data/train.csv": `x,c\n${rows.join("\n")}\n`,
      "mlops.yml":
        "version: 1\nmodels:\n  - name: fraud\n    monitoring:\n      reference: data/train.csv\n      columns:\n        x: { type: categorical }\n",
    });
    const runtime = await register(repo, 601, cwd, { files: "model/*.bin", metrics: "metrics.json" });
    expect(runtime.failure).toBeUndefined();
    const release = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v1");
    const asset = release?.assets.find((a) => a.name === "reference-profile.json");
    expect(asset).toBeDefined();
    const { data } = await harness.client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
      owner: OWNER,
      repo,
      asset_id: asset?.id ?? 0,
      headers: { accept: "application/octet-stream" },
    });
    const profile = JSON.parse(Buffer.from(data as unknown as ArrayBuffer).toString("utf8")) as {
      rows: number;
      columns: Record<string, { type: string }>;
    };
    expect(profile.rows).toBe(40);
    // Profiled with the config's column declarations, as monitoring will read the current data.
    expect(profile.columns.x?.type).toBe("categorical");

    // `reference: registry` names no data: the reference-data input does, else a warning says what is missing.
    await writeTree(cwd, {
      "mlops.yml": "version: 1\nmodels:\n  - name: fraud\n    monitoring:\n      reference: registry\n",
    });
    const warned = await register(repo, 602, cwd, { files: "model/*.bin", metrics: "metrics.json" });
    expect(warned.failure).toBeUndefined();
    expect(warned.lines.some((l) => l.level === "warning" && /reference-data/.test(l.message))).toBe(true);
    const v2 = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v2");
    expect(v2?.assets.map((a) => a.name)).not.toContain("reference-profile.json");
    const given = await register(repo, 603, cwd, {
      files: "model/*.bin",
      metrics: "metrics.json",
      "reference-data": "data/*.csv",
    });
    expect(given.failure).toBeUndefined();
    const v3 = await getPublishedRelease(harness.client, OWNER, repo, "fraud/v3");
    expect(v3?.assets.map((a) => a.name)).toContain("reference-profile.json");
  });
});
