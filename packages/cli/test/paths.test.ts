// Relative paths are resolved against the directory the user ran `mlops` in, also through the checkout's
// `pnpm mlops` script (which pnpm starts in the repository root), and a missing file names the folder.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { invocationDir } from "../src/io.js";
import { runCliCaptured } from "../src/testing.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../../..");

/** Runs `pnpm --dir <checkout> -s mlops …` from `cwd`, as the README shows. */
async function pnpmMlops(args: string[], cwd: string) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("npm_") || name === "INIT_CWD") delete env[name];
  try {
    const { stdout, stderr } = await run("pnpm", ["--dir", root, "-s", "mlops", ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

function inProcess(args: string[], cwd: string) {
  return runCliCaptured(args, { cwd });
}

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-paths-"));
  writeFileSync(join(dir, "base.json"), '{"accuracy": 0.80}');
  writeFileSync(join(dir, "head.json"), '{"accuracy": 0.85}');
  return dir;
}

describe("the directory mlops resolves paths against", () => {
  it("is INIT_CWD under the checkout's `mlops` script, the process's own directory otherwise", () => {
    const env = { npm_lifecycle_event: "mlops", INIT_CWD: "/home/me/model" };
    expect(invocationDir(env, "/src/mlops-actions")).toBe("/home/me/model");
    // a process started under another script (`pnpm test`) inherits an INIT_CWD that is not its directory
    expect(invocationDir({ npm_lifecycle_event: "test", INIT_CWD: "/x" }, "/work")).toBe("/work");
    expect(invocationDir({}, "/work")).toBe("/work");
  });

  it("`pnpm --dir <checkout> mlops diff a.json b.json` reads the files of the user's directory", async () => {
    const dir = project();
    const result = await pnpmMlops(["diff", "base.json", "head.json", "--format", "json"], dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { metrics: { name: string; base: number; head: number }[] };
    expect(json.metrics).toMatchObject([{ name: "accuracy", base: 0.8, head: 0.85 }]);
  }, 60_000);

  it("a missing file through `pnpm --dir` names the user's directory, not the checkout", async () => {
    const dir = project();
    const result = await pnpmMlops(["diff", "base.json", "nope.json"], dir);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`mlops: metrics file not found: nope.json (looked in ${dir})`);
  }, 60_000);
});

describe("every file-not-found names the directory it looked in (exit 2)", () => {
  it.each([
    [["diff", "base.json", "sub/nope.json"], "metrics file not found: sub/nope.json (looked in DIR/sub)"],
    [
      ["gate", "--metrics", "nope.json", "--rule", "accuracy >= 0.5"],
      "metrics file not found: nope.json (looked in DIR)",
    ],
    [
      ["gate", "--metrics", "head.json", "--baseline", "old.json", "--rule", "accuracy >= baseline"],
      "baseline metrics file not found: old.json (looked in DIR)",
    ],
    [["validate"], "config file not found: mlops.yml (looked in DIR)"],
    [
      ["diff", "base.json", "head.json", "--config", "cfg.yml"],
      "config file not found: cfg.yml (looked in DIR)",
    ],
    [["profile", "data.csv", "-o", "p.json"], "input file not found: data.csv (looked in DIR)"],
    [
      ["monitor", "--reference", "ref.csv", "--current", "cur.csv"],
      "file not found: DIR/ref.csv (looked in DIR)",
    ],
    [
      ["run-workflow", ".github/workflows/ci.yml", "--event", "push"],
      "workflow file not found: .github/workflows/ci.yml (looked in DIR/.github/workflows)",
    ],
  ])("mlops %j", async (args, message) => {
    const dir = project();
    mkdirSync(join(dir, "sub"));
    const result = await inProcess(args, dir);
    expect(result.stderr).toBe(`mlops: ${message.replaceAll("DIR", dir)}`);
    expect(result.code).toBe(2);
  });
});
