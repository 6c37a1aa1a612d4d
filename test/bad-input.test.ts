/**
 * Issue 19: bad input never reaches the user as a JavaScript internal. A few hundred seeded malformed and
 * hostile inputs (test/bad-input/generator.ts) run through the CLI's own entry point (`runCli`, the function
 * `bin/mlops.mjs` calls), and a sample through the real binary in a child process with a memory cap and a
 * timeout. Bad input: exit 2 and exactly one stderr line naming the file (and line/column where there is one).
 * (A list of several problems is one line per problem, each naming the file.) Findings: exit 1. Never a JavaScript internal, never past the time limit.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type CliIo, runCli } from "@mlops/cli";
import { describeError, parseModelManifest, parseRunManifest } from "@mlops/core";
import { afterAll, describe, expect, it } from "vitest";
import { type BadInputCase, generateCases, JS_INTERNALS } from "./bad-input/generator.js";

const root = join(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "mlops-bad-input-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The stated limit for one input, in process (a child process gets SPAWN_TIMEOUT_MS). */
const CASE_LIMIT_MS = 5_000;
const SPAWN_TIMEOUT_MS = 20_000;
const SPAWN_HEAP_MB = 256;

interface Outcome {
  code: number;
  stderr: string[];
  ms: number;
}

function materialise(c: BadInputCase): string {
  const dir = join(work, c.id.replace(/[^A-Za-z0-9_-]+/g, "_"));
  for (const [name, content] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function runInProcess(c: BadInputCase): Promise<Outcome> {
  const dir = materialise(c);
  const stderr: string[] = [];
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(c.env ?? {})) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  const started = performance.now();
  let code: number;
  try {
    if (c.parser) {
      const file = join(dir, c.argv[0]!);
      const text = Object.values(c.files)[0] as string;
      try {
        (c.parser === "run-manifest" ? parseRunManifest : parseModelManifest)(text, file);
        code = 0;
      } catch (error) {
        stderr.push(`mlops: ${describeError(error)}`);
        code = 2;
      }
    } else {
      const io: CliIo = {
        stdout: () => {},
        stderr: (text) => stderr.push(...text.replace(/\n$/, "").split("\n")),
        interactive: false,
        cwd: dir,
        env: {},
      };
      code = await runCli(c.argv, io);
    }
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return { code, stderr, ms: performance.now() - started };
}

/** The problems with one outcome, as text (empty when it is what a user needs). */
function problems(c: BadInputCase, outcome: Outcome): string[] {
  const found: string[] = [];
  const text = outcome.stderr.join("\n");
  for (const internal of JS_INTERNALS) if (internal.test(text)) found.push(`JavaScript internal ${internal}`);
  if (outcome.ms > CASE_LIMIT_MS) found.push(`took ${Math.round(outcome.ms)} ms`);
  const expected = { bad: [2], finding: [1], ok: [0], any: [0, 1, 2] }[c.expect];
  if (!expected.includes(outcome.code)) found.push(`exit ${outcome.code}, expected ${expected.join(" or ")}`);
  if (outcome.code === 2) {
    // one line per problem: a single problem is one line; a list of problems is one located line each
    if (outcome.stderr.length === 0) found.push("no message");
    if (outcome.stderr.length > 1 && !(c.names && outcome.stderr.every((l) => l.includes(c.names!))))
      found.push(`${outcome.stderr.length} stderr lines, not one per problem naming ${c.names}`);
    const line = outcome.stderr[0] ?? "";
    if (c.names && !line.includes(c.names)) found.push(`does not name ${c.names}`);
    const escaped = (c.names ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (c.expect === "bad" && c.where === "line-column" && !new RegExp(`${escaped}:\\d+:\\d+: `).test(line))
      found.push("no line:column");
    if (c.expect === "bad" && c.where === "line" && !new RegExp(`${escaped}:\\d+`).test(line))
      found.push("no line");
  }
  return found;
}

const cases = generateCases(19);

describe("bad input (seeded generator, issue 19)", () => {
  it("generates a few hundred cases across every parser, the same for the same seed", () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const families = new Set(cases.map((c) => c.id.split("/")[0]));
    expect([...families].sort()).toEqual(["config", "manifest", "metrics", "payload", "rules", "workflow"]);
    expect(generateCases(19).map((c) => c.id)).toEqual(cases.map((c) => c.id));
    expect(JSON.stringify(generateCases(19)[200])).toBe(JSON.stringify(cases[200]));
  });

  it("answers every case with the right exit code and one clear line naming the file", async () => {
    const failures: string[] = [];
    const counts = { 0: 0, 1: 0, 2: 0 } as Record<number, number>;
    for (const c of cases) {
      const outcome = await runInProcess(c);
      counts[outcome.code] = (counts[outcome.code] ?? 0) + 1;
      const found = problems(c, outcome);
      if (found.length > 0)
        failures.push(`${c.id}: ${found.join("; ")}\n    ${outcome.stderr.join("\n    ").slice(0, 400)}`);
    }
    expect(failures, failures.join("\n")).toEqual([]);
    // bad input is most of the corpus: a generator that produced only valid files would check nothing
    expect(counts[2]).toBeGreaterThan(cases.length / 2);
    expect(counts[1]).toBeGreaterThan(0);
  }, 120_000);

  it("reports a usage error (a missing option, an unknown command) as one line with exit 2", async () => {
    for (const argv of [["run-workflow", "ci.yml"], ["gate", "--metrics"], ["no-such-command"]]) {
      const stderr: string[] = [];
      const io: CliIo = {
        stdout: () => {},
        stderr: (t) => stderr.push(t),
        interactive: false,
        cwd: work,
        env: {},
      };
      expect(await runCli(argv, io)).toBe(2);
      const text = stderr.join("").trimEnd();
      expect(text.split("\n"), text).toHaveLength(1);
      expect(text).toMatch(/^error: .* \(run with --help for usage\)$/);
    }
  });

  // The real binary, as a user runs it: a child process with a heap cap and a timeout.
  const sample = [
    "metrics/deep-array-100000",
    "metrics/deep-yaml-compact-seq-100000",
    "metrics/billion-laughs",
    "config/billion-laughs",
    "config/deep-flow-50000",
    "rules/parens-10000",
    "rules/terms-10000",
    "rules/finding",
    "payload/deep",
  ];
  it.each(sample)("%s through bin/mlops.mjs (heap capped, timed)", async (id) => {
    const c = cases.find((x) => x.id === id);
    expect(c, id).toBeDefined();
    const dir = materialise(c!);
    const started = performance.now();
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(
        process.execPath,
        [`--max-old-space-size=${SPAWN_HEAP_MB}`, join(root, "packages/cli/bin/mlops.mjs"), ...c!.argv],
        { cwd: dir, env: { ...process.env, ...c!.env }, stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), SPAWN_TIMEOUT_MS);
      child.on("close", (code) => {
        clearTimeout(timer);
        done({ code, stderr });
      });
    });
    const outcome: Outcome = {
      code: result.code ?? -1,
      stderr: result.stderr.split("\n").filter((line) => line !== ""),
      ms: 0,
    };
    expect(performance.now() - started).toBeLessThan(SPAWN_TIMEOUT_MS);
    expect(problems(c!, outcome), result.stderr).toEqual([]);
  });
});
