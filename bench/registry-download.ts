/**
 * Benchmark: register one N MiB model file in the emulator, then download and verify it with
 * `downloadModel` in a separate Node process whose peak RSS (`maxRSS`) is reported, so the number is
 * the downloader's alone (the emulator runs in this process). Also counts API calls per operation
 * (resolve, register, deploy) from the emulator's request log.
 * Run: `pnpm exec tsx bench/registry-download.ts [MiB]` (default 1024). Scratch data goes to $TMPDIR.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createGitHubClient, deployModel, downloadModel, registerModel, resolveModel } from "@mlops/github";
import { startEmulator } from "@mlops/github-emulator";

const OWNER = "bench";
const REPO = "registry";

function client(apiUrl: string, token: string) {
  return createGitHubClient({
    token,
    apiUrl,
    pacing: { writeIntervalMs: 0, notificationIntervalMs: 0 },
    requestTimeoutMs: 600_000,
  });
}

/** Child mode: download the version and print timing and this process's peak RSS as JSON. */
async function child(apiUrl: string, token: string, dir: string): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const result = await downloadModel(client(apiUrl, token), {
    owner: OWNER,
    repo: REPO,
    model: "big",
    selector: "v1",
    dir,
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    JSON.stringify({
      seconds,
      bytes: result.files[0]?.size,
      sha256: result.files[0]?.sha256,
      rssBeforeMiB: rssBefore / 2 ** 20,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

async function writeModel(path: string, mebibytes: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(2 ** 20);
  for (let i = 0; i < mebibytes; i++) {
    for (let j = 0; j < chunk.length; j += 4) chunk.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, "drain");
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return hash.digest("hex");
}

async function parent(mebibytes: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "registry-bench-"));
  const emulator = await startEmulator({ stateDir: join(work, "state") });
  try {
    const token = emulator.createToken({ contents: "write", deployments: "write" });
    const gh = client(emulator.url, token);
    const { data: head } = await gh.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo: REPO,
      ref: "heads/main",
    });
    const bigPath = join(work, "model.bin");
    const sha256 = await writeModel(bigPath, mebibytes);
    const calls = () => emulator.requestLog.length;

    let start = calls();
    await registerModel(gh, {
      owner: OWNER,
      repo: REPO,
      model: "big",
      commitSha: head.object.sha,
      files: [{ path: bigPath, name: "model.bin" }],
      metrics: { accuracy: 0.9 },
      aliases: ["production"],
      idempotencyKey: `${OWNER}/${REPO}/1/big`,
    });
    const registerCalls = calls() - start;

    start = calls();
    await resolveModel(gh, { owner: OWNER, repo: REPO, model: "big", selector: "@production" });
    const resolveCalls = calls() - start;

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(import.meta.url),
        "--child",
        emulator.url,
        token,
        join(work, "download"),
      ],
      { maxBuffer: 1 << 20 },
    );
    const download = JSON.parse(stdout) as {
      seconds: number;
      sha256: string;
      rssBeforeMiB: number;
      peakRssMiB: number;
    };
    await rm(join(work, "download"), { recursive: true, force: true });

    // Deploy calls on a small second model (the count does not depend on file size).
    const smallPath = join(work, "small.bin");
    await writeFile(smallPath, "small weights");
    for (const run of [1, 2])
      await registerModel(gh, {
        owner: OWNER,
        repo: REPO,
        model: "small",
        commitSha: head.object.sha,
        files: [{ path: smallPath, name: "model.bin" }],
        metrics: {},
        idempotencyKey: `${OWNER}/${REPO}/${run}/small`,
      });
    const deployOnce = async (selector: string, runId: string) => {
      const before = calls();
      await deployModel(gh, {
        owner: OWNER,
        repo: REPO,
        model: "small",
        selector,
        environment: "production",
        workDir: join(work, `deploy-${runId}`),
        runId,
        run: async () => ({ ok: true }),
        rollbackOnFailure: true,
      });
      return calls() - before;
    };
    const firstDeploy = await deployOnce("v1", "d1");
    const secondDeploy = await deployOnce("v2", "d2");

    const rows = [
      ["file size", `${mebibytes} MiB`],
      ["download + verify", `${download.seconds.toFixed(1)} s`],
      [
        "downloader RSS before / peak",
        `${download.rssBeforeMiB.toFixed(0)} MiB / ${download.peakRssMiB.toFixed(0)} MiB`,
      ],
      ["digest", download.sha256 === sha256 ? "matches local sha256" : "MISMATCH"],
      ["API calls: resolve @production", String(resolveCalls)],
      ["API calls: register 1 file + 1 alias", String(registerCalls)],
      ["API calls: first deploy (no previous)", String(firstDeploy)],
      ["API calls: deploy replacing a version", String(secondDeploy)],
    ];
    for (const [name, value] of rows) console.log(`${(name ?? "").padEnd(40)} ${value}`);
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] ?? "", process.argv[4] ?? "", process.argv[5] ?? "");
} else {
  const mebibytes = Number(process.argv[2] ?? 1024);
  if (!Number.isInteger(mebibytes) || mebibytes <= 0) throw new Error("usage: registry-download.ts [MiB]");
  await parent(mebibytes);
}
