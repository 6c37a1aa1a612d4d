// `mlops registry register` (issue 17 item 5): the register action's code from a laptop, with progress on large transfers.
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModelManifest } from "@mlops/core";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { progressReporter } from "../src/progress.js";
import { runCliCaptured } from "../src/testing.js";

let emulator: Emulator;
let token: string;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  token = emulator.createToken({ contents: "write" }, "ana");
  dir = mkdtempSync(join(tmpdir(), "cli-register-"));
});
afterAll(() => emulator.close());

function cli(args: string[], repo = "models") {
  return runCliCaptured([...args, "--repo", `acme/${repo}`, "--api-url", emulator.url], {
    cwd: dir,
    env: { GITHUB_TOKEN: token, USER: "ana", MLOPS_WRITE_PACING_MS: "0" },
  });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

describe("mlops registry register", () => {
  it("registers files and a model directory with metrics, aliases and the model card, idempotently", async () => {
    writeFileSync(join(dir, "metrics.json"), JSON.stringify({ accuracy: 0.93, latency: { p95: 12 } }));
    mkdirSync(join(dir, "tokenizer"));
    writeFileSync(join(dir, "tokenizer", "vocab.txt"), "a\nb\n");
    writeFileSync(join(dir, "tokenizer", "merges.txt"), "a b\n");
    writeFileSync(join(dir, "model.bin"), "weights");
    const args = [
      "registry",
      "register",
      "fraud",
      "model.bin",
      "tokenizer",
      "--metrics",
      "metrics.json",
      "--aliases",
      "staging,latest",
      "--description",
      "fraud detector from a laptop",
      "--format",
      "json",
    ];
    const first = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    const answer = JSON.parse(first.stdout) as {
      version: string;
      outcome: string;
      assets: Array<{ name: string }>;
    };
    expect(answer).toMatchObject({ version: "1", outcome: "created", aliases: ["staging", "latest"] });
    expect(answer.assets.map((a) => a.name).sort()).toEqual([
      "SHA256SUMS",
      "merges.txt",
      "model.bin",
      "model.json",
      "vocab.txt",
    ]);
    // The same metadata the action writes: model.json, SHA256SUMS, the card with its metadata block.
    const out = join(dir, "out");
    const downloaded = await cli(["registry", "download", "fraud@staging", "-o", out]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    const manifest = parseModelManifest(readFileSync(join(out, "model.json"), "utf8"));
    expect(manifest).toMatchObject({
      model: "fraud",
      version: "1",
      metrics: { accuracy: 0.93, "latency.p95": 12 },
      actor: "ana",
      lineage: { repository: "acme/models" },
    });
    expect(readFileSync(join(out, "SHA256SUMS"), "utf8")).toContain("  vocab.txt\n");
    const client = emulatorClient(emulator, token);
    const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: "acme",
      repo: "models",
      tag: "fraud/v1",
    });
    expect(release.body).toContain("fraud detector from a laptop");
    expect(release.body).toContain("<!-- mlops:v1 ");
    // The same command again: the same version, nothing new.
    const again = await cli(args);
    expect(JSON.parse(again.stdout)).toMatchObject({ version: "1", outcome: "existing" });
  });

  it("exits 2 with one line for a missing file or a nested directory", async () => {
    const missing = await cli(["registry", "register", "fraud", "nope.bin"]);
    expect([missing.code, missing.stderr.split("\n").length]).toEqual([2, 1]);
    expect(missing.stderr).toContain("nope.bin");
    mkdirSync(join(dir, "nested", "inner"), { recursive: true });
    const nested = await cli(["registry", "register", "fraud", "nested"]);
    expect([nested.code, nested.stderr]).toEqual([2, expect.stringContaining("subdirectories (inner)")]);
  });

  it("registers a large file as parts with progress on stderr, and downloads it byte-identical", async () => {
    // 80 MiB sparse, a few random bytes at offsets; 32 MiB parts → 3 parts.
    const big = join(dir, "weights.bin");
    const handle = await open(big, "w");
    await handle.truncate(80 * 1024 * 1024);
    for (const at of [0, 33 * 1024 * 1024, 80 * 1024 * 1024 - 16])
      await handle.write(Buffer.from("0123456789abcdef"), 0, 16, at);
    await handle.close();
    const result = await cli(
      ["registry", "register", "llm", "weights.bin", "--part-size", String(32 * 1024 * 1024)],
      "big",
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("weights.bin.part-0003-of-0003");
    const lines = result.stderr.split("\n");
    const uploading = lines.filter((l) => l.startsWith("uploading "));
    expect(uploading.at(-1)).toMatch(/^uploading 80\.0 MiB of 80\.0 MiB \(100%/);
    expect(uploading.length).toBeGreaterThanOrEqual(2);
    expect(uploading.length).toBeLessThanOrEqual(21);
    expect(lines.filter((l) => l.startsWith("hashing ")).at(-1)).toMatch(/\(100%/);

    const out = join(dir, "big-out");
    const downloaded = await cli(["registry", "download", "llm:1", "-o", out], "big");
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(
      downloaded.stderr
        .split("\n")
        .filter((l) => l.startsWith("downloading "))
        .at(-1),
    ).toMatch(/\(100%/);
    expect(await sha256File(join(out, "weights.bin"))).toBe(await sha256File(big));
  });
});

describe("mlops registry history", () => {
  it("shows each alias move as a table, JSON and a Mermaid timeline; a bad date is one line, exit 2", async () => {
    // fraud v1 exists (registered above); two recorded deployments move @production, then @staging.
    token = emulator.createToken({ contents: "write", deployments: "write", actions: "read" }, "ana");
    expect((await cli(["registry", "promote", "fraud:1", "--to", "production"])).code).toBe(0);
    expect((await cli(["registry", "promote", "fraud:1", "--to", "staging"])).code).toBe(0);
    const json = await cli(["registry", "history", "fraud", "--format", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const answer = JSON.parse(json.stdout) as { moves: Array<Record<string, unknown>>; api_calls: number };
    expect(answer.moves.map((m) => [m.alias, m.version, m.triggeredBy, m.run])).toEqual([
      ["production", "1", "ana", null],
      ["staging", "1", "ana", null],
    ]);
    // 1 deployment page + 2 status lists + 1 version × 2 (release, commit → pulls) + 2 refs.
    expect(answer.api_calls).toBe(7);
    const table = await cli(["registry", "history", "fraud", "--alias", "@production"]);
    expect(table.stdout.split("\n")).toHaveLength(3);
    expect(table.stdout).toMatch(/\| @production \| v1 +\| — +\| ana +\| — +\|/);
    const mermaid = await cli(["registry", "history", "fraud", "--format", "mermaid", "--alias", "staging"]);
    expect(mermaid.stdout).toMatch(
      /^```mermaid\ntimeline\n {4}title fraud@staging alias moves\n {4}\d{4}-\d\d-\d\d \d\d\.\d\d UTC : @staging → v1 : by ana : approved by —\n```$/,
    );
    const later = await cli(["registry", "history", "fraud", "--since", "2999-01-01"]);
    expect(later.stdout).toBe("fraud: no deployment moved an alias since 2999-01-01T00:00:00.000Z");
    const bad = await cli(["registry", "history", "fraud", "--since", "last tuesday"]);
    expect([bad.code, bad.stderr.split("\n").length]).toEqual([2, 1]);
  });
});

describe("progressReporter", () => {
  it("prints a line per 5 % or per 10 s of a large transfer, nothing for a small one", () => {
    const lines: string[] = [];
    let time = 0;
    const report = progressReporter({ stderr: (l) => lines.push(l) }, { now: () => time });
    const total = 1000 * 1024 * 1024;
    report({ phase: "upload", bytes: 0, total });
    for (let bytes = 1024 * 1024; bytes <= total; bytes += 1024 * 1024) {
      time += 10; // 100 MiB/s
      report({ phase: "upload", bytes, total });
    }
    expect(lines).toHaveLength(20);
    expect(lines[0]).toBe("uploading 50.0 MiB of 1000 MiB (5%, 100 MiB/s)");
    expect(lines.at(-1)).toBe("uploading 1000 MiB of 1000 MiB (100%, 100 MiB/s)");
    // A stall: 10 s without a new 5 % step still says where it is.
    lines.length = 0;
    report({ phase: "download", bytes: 0, total });
    time += 11_000;
    report({ phase: "download", bytes: 1024 * 1024, total });
    report({ phase: "download", bytes: 2 * 1024 * 1024, total });
    expect(lines).toEqual(["downloading 1.00 MiB of 1000 MiB (0%, 93.1 KiB/s)"]);
    // Small transfers print nothing.
    lines.length = 0;
    report({ phase: "upload", bytes: 0, total: 1024 });
    report({ phase: "upload", bytes: 1024, total: 1024 });
    expect(lines).toEqual([]);
  });
});
