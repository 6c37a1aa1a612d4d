/**
 * The Actions runtime driven by the unmodified `@actions/artifact` client (in child processes with the
 * environment a runner gives a step): same-run upload/download, cross-run `findBy`, duplicate names, and
 * the runtime token check. Every REST response is validated against the OpenAPI description.
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";
import { jobEnv, registerJob, registerRun, runArtifactClient } from "./support/actions-jobs.js";

const emulator = useEmulator();
let work = "";

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "emu-artifacts-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Writes `bytes` random bytes in 1 MiB pieces (random data does not compress: the zip stays as large). */
async function randomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  for (let written = 0; written < bytes; written += 1 << 20) {
    const piece = randomBytes(Math.min(1 << 20, bytes - written));
    if (!out.write(piece)) await once(out, "drain");
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function sourceDir(name: string, files: Record<string, string>): Promise<string> {
  const root = join(work, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

interface UploadResult {
  id: number;
  size: number;
  digest: string;
}
interface Found {
  artifact: { id: number; name: string; size: number; digest?: string };
}

describe("@actions/artifact against the emulator", () => {
  it("uploads a multi-block artifact in job A and downloads identical bytes in job B of the same run", async () => {
    const run = await registerRun(emulator().url, "acme/same-run");
    const jobA = await registerJob(emulator().url, "acme/same-run", run.id, "train");
    const jobB = await registerJob(emulator().url, "acme/same-run", run.id, "gate");
    const root = await sourceDir("same-run", {
      "metrics.json": '{"accuracy":0.93}\n',
      "nested/notes.txt": "hi\n",
    });
    await randomFile(join(root, "model.bin"), 20 * 1000 * 1000); // 20 MB → 3 blocks of 8 MiB
    const files = ["metrics.json", "nested/notes.txt", "model.bin"].map((f) => join(root, f));

    emulator().clearLog();
    const uploaded = await runArtifactClient<UploadResult>(jobEnv(emulator().url, jobA), {
      kind: "upload",
      name: "mlops-model",
      files,
      root,
    });
    expect(uploaded.ok).toBe(true);
    if (!uploaded.ok) return;
    expect(uploaded.result.size).toBeGreaterThan(16 * 1024 * 1024);
    const blocks = emulator().requestLog.filter((e) => e.path.includes("comp=block&") && e.status === 201);
    expect(blocks.length).toBe(3);

    const envB = jobEnv(emulator().url, jobB);
    const found = await runArtifactClient<Found>(envB, { kind: "get", name: "mlops-model" });
    expect(found).toMatchObject({
      ok: true,
      result: { artifact: { id: uploaded.result.id, name: "mlops-model" } },
    });
    const target = join(work, "same-run-download");
    const downloaded = await runArtifactClient(envB, {
      kind: "download",
      id: uploaded.result.id,
      path: target,
    });
    expect(downloaded).toEqual({ ok: true, result: { downloadPath: target, digestMismatch: false } });
    for (const file of ["metrics.json", "nested/notes.txt", "model.bin"])
      expect(await sha256(join(target, file))).toBe(await sha256(join(root, file)));

    const rest = await call(emulator(), "GET", `/repos/acme/same-run/actions/runs/${run.id}/artifacts`);
    expect(rest.json).toMatchObject({
      total_count: 1,
      artifacts: [
        {
          id: uploaded.result.id,
          name: "mlops-model",
          size_in_bytes: uploaded.result.size,
          digest: `sha256:${uploaded.result.digest}`,
          expired: false,
          workflow_run: { id: run.id, head_branch: "main" },
        },
      ],
    });
  });

  it("downloads another run's artifact through findBy (REST list, then the zip's 302 to the blob)", async () => {
    const base = emulator().url;
    const producer = await registerRun(base, "acme/cross-run", { head_branch: "main" });
    const upload = await registerJob(base, "acme/cross-run", producer.id, "train");
    const root = await sourceDir("cross-run", { "run.json": '{"model":"m"}\n' });
    const uploaded = await runArtifactClient<UploadResult>(jobEnv(base, upload), {
      kind: "upload",
      name: "mlops-m",
      files: [join(root, "run.json")],
      root,
    });
    expect(uploaded.ok).toBe(true);

    const consumer = await registerRun(base, "acme/cross-run", {
      event: "pull_request",
      head_branch: "feature",
    });
    const job = await registerJob(base, "acme/cross-run", consumer.id, "gate", { actions: "read" });
    const findBy = {
      token: job.github_token,
      workflowRunId: producer.id,
      repositoryOwner: "acme",
      repositoryName: "cross-run",
    };
    const env = jobEnv(base, job);
    // Same-run lookups from the consumer see nothing: the results service is scoped to the token's run.
    expect(await runArtifactClient(env, { kind: "get", name: "mlops-m" })).toMatchObject({
      ok: false,
      error: { name: "ArtifactNotFoundError" },
    });
    const found = await runArtifactClient<Found>(env, { kind: "get", name: "mlops-m", findBy });
    expect(found.ok).toBe(true);
    if (!found.ok || !uploaded.ok) return;
    // REST carries the digest as GitHub does (`sha256:<hex>`), and the client passes it through.
    expect(found.result.artifact).toMatchObject({
      id: uploaded.result.id,
      digest: `sha256:${uploaded.result.digest}`,
    });
    const blind = await registerJob(base, "acme/cross-run", consumer.id, "no-actions", { contents: "read" });
    const refused = await runArtifactClient(jobEnv(base, blind), {
      kind: "get",
      name: "mlops-m",
      findBy: { ...findBy, token: blind.github_token },
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("Resource not accessible by integration") },
    });
    const target = join(work, "cross-run-download");
    emulator().clearLog();
    const downloaded = await runArtifactClient(env, {
      kind: "download",
      id: found.result.artifact.id,
      path: target,
      findBy,
    });
    expect(downloaded).toEqual({ ok: true, result: { downloadPath: target, digestMismatch: false } });
    expect(await readFile(join(target, "run.json"), "utf8")).toBe('{"model":"m"}\n');
    expect(emulator().requestLog.map((e) => [e.method, e.route, e.status])).toEqual([
      ["GET", "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}", 302],
      ["GET", expect.stringMatching(/^\/_blob\//), 200],
    ]);
  });

  it("refuses a second artifact with the same name in a run with the service's 409", async () => {
    const base = emulator().url;
    const run = await registerRun(base, "acme/dup");
    const root = await sourceDir("dup", { "a.txt": "a\n" });
    const upload = { kind: "upload", name: "report", files: [join(root, "a.txt")], root };
    const first = await registerJob(base, "acme/dup", run.id, "one");
    expect((await runArtifactClient(jobEnv(base, first), upload)).ok).toBe(true);
    const second = await registerJob(base, "acme/dup", run.id, "two");
    const again = await runArtifactClient(jobEnv(base, second), upload);
    expect(again).toMatchObject({ ok: false });
    if (again.ok) return;
    expect(again.error.message).toContain("(409)");
    expect(again.error.message).toContain("an artifact with this name already exists on the workflow run");
    // Another run may use the name.
    const other = await registerRun(base, "acme/dup");
    const third = await registerJob(base, "acme/dup", other.id, "one");
    expect((await runArtifactClient(jobEnv(base, third), upload)).ok).toBe(true);
  });

  it("uploads a single file without a zip (skipArchive) and downloads it under its own name", async () => {
    const base = emulator().url;
    const run = await registerRun(base, "acme/raw");
    const root = await sourceDir("raw", { "report.json": '{"drift":false}\n' });
    const up = await registerJob(base, "acme/raw", run.id, "one");
    const uploaded = await runArtifactClient<UploadResult>(jobEnv(base, up), {
      kind: "upload",
      name: "ignored-for-raw-files",
      files: [join(root, "report.json")],
      root,
      options: { skipArchive: true },
    });
    expect(uploaded.ok).toBe(true);
    if (!uploaded.ok) return;
    const down = await registerJob(base, "acme/raw", run.id, "two");
    const target = join(work, "raw-download");
    const downloaded = await runArtifactClient(jobEnv(base, down), {
      kind: "download",
      id: uploaded.result.id,
      path: target,
    });
    expect(downloaded).toMatchObject({ ok: true, result: { digestMismatch: false } });
    expect(await readFile(join(target, "report.json"), "utf8")).toBe('{"drift":false}\n');
  });

  it("deletes through the results service and lists only the run's finalized artifacts", async () => {
    const base = emulator().url;
    const run = await registerRun(base, "acme/del");
    const job = await registerJob(base, "acme/del", run.id, "one");
    const env = jobEnv(base, job);
    const root = await sourceDir("del", { "a.txt": "a\n", "b.txt": "b\n" });
    for (const name of ["keep", "drop"])
      await runArtifactClient(env, { kind: "upload", name, files: [join(root, "a.txt")], root });
    expect(await runArtifactClient(env, { kind: "delete", name: "drop" })).toMatchObject({ ok: true });
    const listed = await runArtifactClient<{ artifacts: { name: string }[] }>(env, { kind: "list" });
    expect(listed.ok && listed.result.artifacts.map((a) => a.name)).toEqual(["keep"]);
  });
});

describe("runtime token and signed URLs", () => {
  const twirp = (token: string, method: string, body: unknown) =>
    fetch(`${emulator().url}/twirp/github.actions.results.api.v1.ArtifactService/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  it("refuses unsigned tokens (401) and a run the token does not grant (403), with JSON twirp errors", async () => {
    const base = emulator().url;
    const run = await registerRun(base, "acme/tokens");
    const other = await registerRun(base, "acme/tokens");
    const job = await registerJob(base, "acme/tokens", run.id, "one");
    const otherJob = await registerJob(base, "acme/tokens", other.id, "one");
    const payload = JSON.parse(
      Buffer.from(job.runtime_token.split(".")[1] ?? "", "base64url").toString("utf8"),
    );
    expect(payload.scp).toMatch(/(^| )Actions\.Results:[^: ]+:[^: ]+( |$)/);
    const runBackendId = (payload.scp as string)
      .split(" ")
      .find((s) => s.startsWith("Actions.Results:"))
      ?.split(":")[1];
    const unsigned = [
      Buffer.from(JSON.stringify({ typ: "JWT", alg: "none" })).toString("base64url"),
      job.runtime_token.split(".")[1],
      "sig",
    ].join(".");
    const forged = await twirp(unsigned, "ListArtifacts", { workflow_run_backend_id: runBackendId });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: "unauthenticated" });
    const foreign = await twirp(otherJob.runtime_token, "ListArtifacts", {
      workflow_run_backend_id: runBackendId,
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: "permission_denied" });
    const fine = await twirp(job.runtime_token, "ListArtifacts", { workflow_run_backend_id: runBackendId });
    expect(await fine.json()).toEqual({ artifacts: [] });
  });

  it("refuses blob requests whose signature does not match", async () => {
    const base = emulator().url;
    const run = await registerRun(base, "acme/blob");
    const job = await registerJob(base, "acme/blob", run.id, "one");
    const root = await sourceDir("blob", { "a.txt": "a\n" });
    const up = await runArtifactClient<UploadResult>(jobEnv(base, job), {
      kind: "upload",
      name: "a",
      files: [join(root, "a.txt")],
      root,
    });
    if (!up.ok) throw new Error(up.error.message);
    const zip = await call(emulator(), "GET", `/repos/acme/blob/actions/artifacts/${up.result.id}/zip`);
    const location = new URL(zip.headers.get("location") ?? "");
    const good = await fetch(location);
    expect(good.status).toBe(200);
    expect(good.headers.get("content-type")).toBe("application/zip");
    expect(
      createHash("sha256")
        .update(Buffer.from(await good.arrayBuffer()))
        .digest("hex"),
    ).toBe(up.result.digest);
    location.searchParams.set("sp", "rcw");
    const tampered = await fetch(location, { method: "PUT", body: "x" });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get("x-ms-error-code")).toBe("AuthenticationFailed");
  });
});
