// Models larger than one release asset (issue 17 item 4): numbered parts, streamed, verified, resumable.
// The part size is a parameter (default 2,000,000,000 bytes); these tests use 1 MiB parts.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { InputError, IntegrityError, parseModelManifest } from "@mlops/core";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadModel, type GitHubClient, registerModel } from "../src/index.js";
import { hashFileInParts, partName } from "../src/registry/parts.js";
import { reassemblyPath } from "../src/registry/parts-download.js";
import { emulatorClient, headSha, OWNER, tempDir } from "./helpers.js";

const MiB = 1024 * 1024;
const DOWNLOADS = "/_emulator/downloads/{owner}/{repo}/assets/{asset_id}";

let emulator: Emulator;
let client: GitHubClient;
let work: { dir: string; cleanup: () => Promise<void> };
let stateDir: string;

beforeAll(async () => {
  work = await tempDir();
  stateDir = join(work.dir, "emulator-state");
  emulator = await startEmulator({ stateDir });
  client = emulatorClient(emulator, emulator.createToken({ contents: "write" }));
});
afterAll(async () => {
  await emulator.close();
  await work.cleanup();
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Registers `fraud` in `repo` from `files` (name → bytes) with 1 MiB parts. */
async function registerBig(repo: string, files: Record<string, Buffer>, partBytes = MiB) {
  const dir = join(work.dir, `${repo}-src`);
  await mkdir(dir, { recursive: true });
  const paths = [];
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(dir, name), bytes);
    paths.push({ path: join(dir, name), name });
  }
  return registerModel(client, {
    owner: OWNER,
    repo,
    model: "fraud",
    commitSha: await headSha(client, repo),
    files: paths,
    metrics: { accuracy: 0.9 },
    idempotencyKey: `${OWNER}/${repo}/1/fraud`,
    partBytes,
  });
}

/** Asset downloads (the storage redirect target) of `repo` in the request log, with their status. */
function downloads(repo: string): Array<{ path: string; status: number }> {
  return emulator.requestLog
    .filter((r) => r.route === DOWNLOADS && r.path.includes(`/${repo}/`))
    .map((r) => ({ path: r.path, status: r.status }));
}

async function assetIds(repo: string): Promise<Map<string, number>> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
    owner: OWNER,
    repo,
    tag: "fraud/v1",
  });
  return new Map(data.assets.map((a) => [a.name, a.id]));
}

describe("hashFileInParts", () => {
  it("hashes the whole file and each part in one pass, parts tiling the file", async () => {
    const bytes = randomBytes(2 * MiB + 123);
    const path = join(work.dir, "hash-me.bin");
    await writeFile(path, bytes);
    const digest = await hashFileInParts(path, "hash-me.bin", MiB);
    expect(digest.size).toBe(bytes.length);
    expect(digest.sha256).toBe(sha256(bytes));
    expect(digest.parts?.map((p) => [p.name, p.offset, p.size, p.sha256])).toEqual([
      ["hash-me.bin.part-0001-of-0003", 0, MiB, sha256(bytes.subarray(0, MiB))],
      ["hash-me.bin.part-0002-of-0003", MiB, MiB, sha256(bytes.subarray(MiB, 2 * MiB))],
      ["hash-me.bin.part-0003-of-0003", 2 * MiB, 123, sha256(bytes.subarray(2 * MiB))],
    ]);
    // Exactly one part size: stored whole, no parts.
    await writeFile(path, bytes.subarray(0, MiB));
    expect((await hashFileInParts(path, "hash-me.bin", MiB)).parts).toBeUndefined();
    expect(partName("m.bin", 11999, 12000)).toBe("m.bin.part-12000-of-12000");
  });
});

describe("a model file larger than the part size", () => {
  it("is stored as numbered parts with per-part and whole-file sha256 in model.json and SHA256SUMS, and downloads byte-identical", async () => {
    const repo = "big-parts";
    const big = randomBytes(2 * MiB + 500_000);
    const small = Buffer.from('{"vocab": 3}');
    const registered = await registerBig(repo, { "model.bin": big, "tokenizer.json": small });
    const names = registered.assets.map((a) => a.name).sort();
    expect(names).toEqual([
      "SHA256SUMS",
      "model.bin.part-0001-of-0003",
      "model.bin.part-0002-of-0003",
      "model.bin.part-0003-of-0003",
      "model.json",
      "tokenizer.json",
    ]);
    expect(Math.max(...registered.assets.map((a) => a.size))).toBeLessThanOrEqual(MiB);

    const out = join(work.dir, "big-parts-out");
    const downloaded = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "1",
      dir: out,
    });
    const entry = downloaded.manifest.files.find((f) => f.name === "model.bin");
    expect(entry).toMatchObject({ size: big.length, sha256: sha256(big) });
    expect(entry?.parts?.map((p) => [p.name, p.offset, p.size, p.sha256])).toEqual([
      ["model.bin.part-0001-of-0003", 0, MiB, sha256(big.subarray(0, MiB))],
      ["model.bin.part-0002-of-0003", MiB, MiB, sha256(big.subarray(MiB, 2 * MiB))],
      ["model.bin.part-0003-of-0003", 2 * MiB, 500_000, sha256(big.subarray(2 * MiB))],
    ]);
    expect(downloaded.manifest.files.find((f) => f.name === "tokenizer.json")?.parts).toBeUndefined();
    const sums = await readFile(join(out, "SHA256SUMS"), "utf8");
    expect(sums).toContain(`${sha256(big)}  model.bin\n`);
    expect(sums).toContain(`${sha256(big.subarray(MiB, 2 * MiB))}  model.bin.part-0002-of-0003\n`);
    // Reassembled in place: the final file is byte-identical, no parts or leftovers on disk.
    expect(sha256(await readFile(join(out, "model.bin")))).toBe(sha256(big));
    expect((await readdir(out)).sort()).toEqual(["SHA256SUMS", "model.bin", "model.json", "tokenizer.json"]);
    expect(downloaded.files.map((f) => [f.name, f.size])).toEqual([
      ["model.bin", big.length],
      ["tokenizer.json", small.length],
    ]);
  });

  it("sharded safetensors (several files, each under the part size) are registered and downloaded as they are", async () => {
    const repo = "big-shards";
    const shards = {
      "model-00001-of-00002.safetensors": randomBytes(600_000),
      "model-00002-of-00002.safetensors": randomBytes(400_000),
      "model.safetensors.index.json": Buffer.from('{"weight_map": {}}'),
    };
    const registered = await registerBig(repo, shards);
    expect(registered.assets.map((a) => a.name).sort()).toEqual([
      "SHA256SUMS",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.json",
      "model.safetensors.index.json",
    ]);
    const out = join(work.dir, "big-shards-out");
    const downloaded = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "1",
      dir: out,
    });
    expect(downloaded.manifest.files.every((f) => f.parts === undefined)).toBe(true);
    for (const [name, bytes] of Object.entries(shards))
      expect(sha256(await readFile(join(out, name)))).toBe(sha256(bytes));
  });

  it("refuses more than 1,000 release assets before any request", async () => {
    const repo = "big-too-many";
    emulator.clearLog();
    // 998 one-byte parts + model.json + SHA256SUMS + MODEL_CARD.md = 1,001 assets.
    const error = await registerBig(repo, { "model.bin": randomBytes(998) }, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      /1001 release assets .*at most 1000 per release\. Nothing was created/,
    );
    // Only the test's own head lookup reached the emulator: no tag, no release.
    expect(emulator.requestLog.map((r) => r.route)).toEqual(["/repos/{owner}/{repo}/git/ref/{ref+}"]);
  });

  it("resumes a download cut mid-part with a Range request, and a rerun keeps the parts already on disk", async () => {
    const repo = "big-resume";
    const big = randomBytes(3 * MiB + 1000);
    await registerBig(repo, { "model.bin": big });
    const ids = await assetIds(repo);
    const part2 = `/assets/${ids.get("model.bin.part-0002-of-0004")}`;
    const part3 = `/assets/${ids.get("model.bin.part-0003-of-0004")}`;
    const out = join(work.dir, "big-resume-out");

    // Run 1 (downloads: 1 model.json, 2 SHA256SUMS, 3 part 1, 4 part 2, …): part 2 is cut after 200,000
    // bytes, then resumes in the same run (206); part 3 is cut on all 4 attempts (4 × 200,000 < 1 MiB),
    // so the run fails with part 1, part 2 and a prefix of part 3 on disk.
    emulator.setFaults([
      { route: `GET ${DOWNLOADS}`, kind: "reset-mid-body", nth: [4, 6, 7, 8, 9], cutAfterBytes: 200_000 },
    ]);
    emulator.clearLog();
    const failed = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "1",
      dir: out,
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    const run1 = downloads(repo);
    // model.json, SHA256SUMS, part 1, part 2 (cut), part 2 (rest: 206), part 3 × 4 (each cut, resumed)
    expect(run1.filter((d) => d.path.endsWith(part2)).map((d) => d.status)).toEqual([200, 206]);
    expect(run1.filter((d) => d.path.endsWith(part3)).map((d) => d.status)).toEqual([200, 206, 206, 206]);
    const leftover = reassemblyPath(join(out, "model.bin"), sha256(big));
    const onDisk = (await readFile(leftover)).length;
    expect(onDisk).toBeGreaterThan(2 * MiB);
    expect(onDisk).toBeLessThan(3 * MiB);
    expect(existsSync(join(out, "model.bin"))).toBe(false);

    // Run 2 (no faults): parts 1 and 2 are verified on disk and not fetched again; part 3 resumes (206).
    emulator.setFaults([]);
    emulator.clearLog();
    await downloadModel(client, { owner: OWNER, repo, model: "fraud", selector: "1", dir: out });
    const run2 = downloads(repo);
    expect(run2.filter((d) => d.path.endsWith(`/assets/${ids.get("model.bin.part-0001-of-0004")}`))).toEqual(
      [],
    );
    expect(run2.filter((d) => d.path.endsWith(part2))).toEqual([]);
    expect(run2.filter((d) => d.path.endsWith(part3)).map((d) => d.status)).toEqual([206]);
    expect(sha256(await readFile(join(out, "model.bin")))).toBe(sha256(big));
    expect(existsSync(leftover)).toBe(false);
  });

  it("replaces wrong bytes left on disk for a part instead of trusting them", async () => {
    const repo = "big-stale";
    const big = randomBytes(2 * MiB + 10);
    await registerBig(repo, { "model.bin": big });
    const out = join(work.dir, "big-stale-out");
    await mkdir(out, { recursive: true });
    // A leftover whose first part is complete but wrong, and half of a second part.
    await writeFile(reassemblyPath(join(out, "model.bin"), sha256(big)), randomBytes(MiB + MiB / 2));
    await downloadModel(client, { owner: OWNER, repo, model: "fraud", selector: "1", dir: out });
    expect(sha256(await readFile(join(out, "model.bin")))).toBe(sha256(big));
  });

  it("refuses a corrupted part (and leaves no model file)", async () => {
    const repo = "big-corrupt";
    const big = randomBytes(2 * MiB + 10);
    await registerBig(repo, { "model.bin": big });
    // Flip bytes of part 2 in the emulator's blob store (the release digest still names the original).
    const state = JSON.parse(await readFile(join(stateDir, "state.json"), "utf8")) as {
      repos: Record<string, { assets: Array<{ name: string; blob: string }> }>;
    };
    const blob = state.repos[`${OWNER}/${repo}`]?.assets.find(
      (a) => a.name === "model.bin.part-0002-of-0003",
    )?.blob;
    const corrupted = Buffer.from(big.subarray(MiB, 2 * MiB));
    corrupted[12345] = (corrupted[12345] ?? 0) ^ 0xff;
    await writeFile(join(stateDir, "blobs", blob ?? "missing"), corrupted);
    const out = join(work.dir, "big-corrupt-out");
    const error = await downloadModel(client, {
      owner: OWNER,
      repo,
      model: "fraud",
      selector: "1",
      dir: out,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/part model\.bin\.part-0002-of-0003 of model\.bin .*refused/);
    expect(existsSync(join(out, "model.bin"))).toBe(false);
  });

  it("model.json refuses parts that do not tile the file", () => {
    const manifest = (parts: unknown) =>
      JSON.stringify({
        schema_version: 1,
        model: "fraud",
        version: 1,
        metrics: {},
        params: {},
        lineage: {
          repository: "a/b",
          commit: "c",
          workflow_ref: "",
          run: { id: 1, attempt: 1, url: "" },
          data: [],
          parent_version: null,
        },
        files: [{ name: "m.bin", size: 10, sha256: "a".repeat(64), parts }],
        created_at: "2026-01-01T00:00:00Z",
        actor: "",
      });
    const part = (offset: number, size: number) => ({
      name: `p${offset}`,
      offset,
      size,
      sha256: "b".repeat(64),
    });
    expect(parseModelManifest(manifest([part(0, 5), part(5, 5)])).files[0]?.parts).toHaveLength(2);
    expect(() => parseModelManifest(manifest([part(0, 5), part(6, 4)]))).toThrow(IntegrityError);
    expect(() => parseModelManifest(manifest([part(0, 5), part(5, 4)]))).toThrow(IntegrityError);
  });
});

describe("the emulator's release assets", () => {
  /** A raw request (no client retries), answering status, headers and body text. */
  function raw(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(`${emulator.url}${path}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      if (body) req.write(body);
      // A declared 2 GiB body is never sent: the emulator must answer from the headers alone.
      if (!body || Number(headers["content-length"]) === body.length) req.end();
    });
  }

  it("refuses an upload of 2 GiB or more from its declared length, storing nothing", async () => {
    const repo = "big-limit";
    const registered = await registerBig(repo, { "model.bin": randomBytes(10) });
    const { data: draft } = await client.request("POST /repos/{owner}/{repo}/releases", {
      owner: OWNER,
      repo,
      tag_name: "other",
      draft: true,
    });
    const path = `/uploads/repos/${OWNER}/${repo}/releases/${draft.id}/assets?name=huge.bin`;
    const headers = { authorization: "token x", "content-type": "application/octet-stream" };
    const tooBig = await raw(
      "POST",
      path,
      { ...headers, "content-length": String(2 * 1024 ** 3) },
      Buffer.alloc(16),
    );
    expect(tooBig.status).toBe(422);
    expect(JSON.parse(tooBig.body.toString()).errors[0]).toMatchObject({
      resource: "ReleaseAsset",
      field: "size",
    });
    const { data: assets } = await client.request("GET /repos/{owner}/{repo}/releases/{release_id}/assets", {
      owner: OWNER,
      repo,
      release_id: draft.id,
    });
    expect(assets).toEqual([]);
    expect(registered.assets.length).toBe(3);
  });

  it("serves one byte range of an asset (206), 416 past the end, and the whole asset without Range", async () => {
    const repo = "big-range";
    const bytes = randomBytes(1000);
    await registerBig(repo, { "model.bin": bytes });
    const id = (await assetIds(repo)).get("model.bin");
    const path = `/_emulator/downloads/${OWNER}/${repo}/assets/${id}`;
    const part = await raw("GET", path, { range: "bytes=100-199" });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe("bytes 100-199/1000");
    expect(part.body.equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await raw("GET", path, { range: "bytes=900-" });
    expect([tail.status, tail.body.equals(bytes.subarray(900))]).toEqual([206, true]);
    const suffix = await raw("GET", path, { range: "bytes=-10" });
    expect([suffix.status, suffix.body.equals(bytes.subarray(990))]).toEqual([206, true]);
    const past = await raw("GET", path, { range: "bytes=1000-" });
    expect([past.status, past.headers["content-range"]]).toEqual([416, "bytes */1000"]);
    const whole = await raw("GET", path, {});
    expect([whole.status, whole.headers["accept-ranges"], whole.body.equals(bytes)]).toEqual([
      200,
      "bytes",
      true,
    ]);
  });
});
