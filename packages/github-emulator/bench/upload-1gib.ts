/**
 * Benchmark: stream a 1 GiB asset into the emulator and back, checking the digest and peak RSS.
 * Run: `pnpm exec tsx packages/github-emulator/bench/upload-1gib.ts [MiB]` (default 1024).
 */
import { createHash } from "node:crypto";
import { request } from "node:http";
import { Readable } from "node:stream";
import { startEmulator } from "../src/index.js";

const mebibytes = Number(process.argv[2] ?? 1024);
const size = mebibytes * 1024 * 1024;
const chunk = Buffer.alloc(1024 * 1024, 7);
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131) % 251;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

function source(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

const expected = createHash("sha256");
for (let i = 0; i < mebibytes; i++) expected.update(chunk);
const expectedDigest = `sha256:${expected.digest("hex")}`;

const emulator = await startEmulator();
const created = await fetch(`${emulator.url}/repos/bench/big/releases`, {
  method: "POST",
  headers: { authorization: "token t", "content-type": "application/json" },
  body: JSON.stringify({ tag_name: "big/v1", draft: true }),
});
const release = (await created.json()) as { upload_url: string };
const uploadUrl = new URL(release.upload_url.replace("{?name,label}", "?name=big.bin"));

const uploadStart = performance.now();
const asset = await new Promise<{ id: number; digest: string; size: number }>((resolve, reject) => {
  const req = request(
    uploadUrl,
    {
      method: "POST",
      headers: {
        authorization: "token t",
        "content-type": "application/octet-stream",
        "content-length": String(size),
      },
    },
    (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (piece: string) => {
        text += piece;
      });
      res.on("end", () =>
        res.statusCode === 201 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`)),
      );
    },
  );
  req.on("error", reject);
  source().pipe(req);
});
const uploadSeconds = (performance.now() - uploadStart) / 1000;

const downloadStart = performance.now();
const response = await fetch(`${emulator.url}/repos/bench/big/releases/assets/${asset.id}`, {
  headers: { authorization: "token t", accept: "application/octet-stream" },
});
const actual = createHash("sha256");
let received = 0;
for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
  actual.update(piece);
  received += piece.length;
}
const downloadSeconds = (performance.now() - downloadStart) / 1000;
clearInterval(sampler);
await emulator.close();

const ok =
  asset.digest === expectedDigest && `sha256:${actual.digest("hex")}` === expectedDigest && received === size;
console.log(
  JSON.stringify({
    mebibytes,
    uploadSeconds: Number(uploadSeconds.toFixed(2)),
    uploadMiBps: Number((mebibytes / uploadSeconds).toFixed(0)),
    downloadSeconds: Number(downloadSeconds.toFixed(2)),
    downloadMiBps: Number((mebibytes / downloadSeconds).toFixed(0)),
    peakRssMiB: Math.round(peakRss / 1024 / 1024),
    digestsMatch: ok,
  }),
);
if (!ok) process.exit(1);
