/**
 * Benchmark: one artifact of N MiB uploaded by "job A" and downloaded by "job B" of the same run through the
 * unmodified `@actions/artifact` client (each in its own `node` process, as on a runner), checking the bytes.
 * This process hosts only the emulator (and writes the input file), so its peak RSS is the emulator's.
 * Run: `pnpm exec tsx packages/github-emulator/bench/artifact-roundtrip.ts [MiB]` (default 64).
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../src/index.js";
import { jobEnv, registerJob, registerRun, runArtifactClient } from "../test/support/actions-jobs.js";

const mebibytes = Number(process.argv[2] ?? 64);
if (!Number.isFinite(mebibytes) || mebibytes <= 0) throw new Error("usage: artifact-roundtrip.ts <MiB>");

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const work = await mkdtemp(join(tmpdir(), "artifact-bench-"));
const input = join(work, "in", "model.bin");
await mkdir(join(work, "in"), { recursive: true });
const out = createWriteStream(input);
for (let i = 0; i < mebibytes; i++) {
  // Random bytes: model weights barely compress, so the zip is as large as the file.
  if (!out.write(randomBytes(1024 * 1024))) await once(out, "drain");
}
await new Promise<void>((resolve) => out.end(resolve));

const inputPeakRss = peakRss;
const emulator = await startEmulator();
try {
  const run = await registerRun(emulator.url, "bench/artifacts");
  const jobA = await registerJob(emulator.url, "bench/artifacts", run.id, "upload");
  const jobB = await registerJob(emulator.url, "bench/artifacts", run.id, "download");

  const uploadStart = performance.now();
  const uploaded = await runArtifactClient<{ id: number; size: number }>(jobEnv(emulator.url, jobA), {
    kind: "upload",
    name: "model",
    files: [input],
    root: join(work, "in"),
    options: { compressionLevel: 0 },
  });
  const uploadSeconds = (performance.now() - uploadStart) / 1000;
  if (!uploaded.ok) throw new Error(uploaded.error.message);

  const downloadStart = performance.now();
  const downloaded = await runArtifactClient<{ digestMismatch: boolean }>(jobEnv(emulator.url, jobB), {
    kind: "download",
    id: uploaded.result.id,
    path: join(work, "out"),
  });
  const downloadSeconds = (performance.now() - downloadStart) / 1000;
  if (!downloaded.ok) throw new Error(downloaded.error.message);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

  const identical = (await sha256(input)) === (await sha256(join(work, "out", "model.bin")));
  console.log(
    JSON.stringify({
      mebibytes,
      zipBytes: uploaded.result.size,
      uploadSeconds: Number(uploadSeconds.toFixed(2)),
      downloadSeconds: Number(downloadSeconds.toFixed(2)),
      emulatorPeakRssMiB: Math.round(peakRss / 1024 / 1024),
      peakRssBeforeEmulatorMiB: Math.round(inputPeakRss / 1024 / 1024),
      digestMismatch: downloaded.result.digestMismatch,
      identical,
    }),
  );
  if (!identical || downloaded.result.digestMismatch) process.exitCode = 1;
} finally {
  clearInterval(sampler);
  await emulator.close();
  await rm(work, { recursive: true, force: true });
}
