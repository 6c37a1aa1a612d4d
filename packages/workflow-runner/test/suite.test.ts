/**
 * The outside-behaviour suite (issue 15, goal): every workflow of `test/suite/cases/` is run through the
 * local runner and compared with what GitHub does with it (its `.expected.json`, written from GitHub's docs;
 * each case names its source). Reports "N of M behave as GitHub would" and fails below 90 %.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWorkflow } from "../src/index.js";

const suite = join(import.meta.dirname, "suite");
const casesDir = join(suite, "cases");

interface Expected {
  source: string;
  event: string;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  refused?: string;
  conclusion?: string;
  jobs?: Record<string, string | string[]>;
  names?: string[];
  outputs?: Record<string, Record<string, string>>;
  matrix?: Record<string, unknown[]>;
  log?: string[];
  notLog?: string[];
}

/** Runs one case; returns what differs from GitHub's behaviour (empty when it behaves as GitHub would). */
async function runCase(name: string): Promise<string[]> {
  const expected = JSON.parse(readFileSync(join(casesDir, `${name}.expected.json`), "utf8")) as Expected;
  if (!expected.source.startsWith("https://")) return [`${name}: the expectation cites no source`];
  const log: string[] = [];
  const problems: string[] = [];
  let result: Awaited<ReturnType<typeof runWorkflow>>;
  try {
    result = await runWorkflow({
      workflow: join(casesDir, `${name}.yml`),
      workspace: suite,
      toolkitRoot: suite,
      event: expected.event,
      inputs: expected.inputs ?? {},
      secrets: expected.secrets ?? {},
      log: (line) => log.push(line),
    });
  } catch (error) {
    const message = `${(error as Error).message}\n${String((error as { details?: unknown }).details ?? "")}\n${JSON.stringify((error as { position?: unknown }).position ?? {})}`;
    if (expected.refused === undefined) return [`refused unexpectedly: ${message}`];
    const position = (error as { position?: { file?: string; line?: number } }).position;
    const shown = `${position?.file ?? ""}:${position?.line ?? ""} ${message}`;
    return shown.includes(expected.refused) ? [] : [`refused, but not with '${expected.refused}': ${shown}`];
  }
  if (expected.refused !== undefined) return [`ran (${result.conclusion}) instead of being refused`];
  if (expected.conclusion && result.conclusion !== expected.conclusion)
    problems.push(`conclusion ${result.conclusion}, expected ${expected.conclusion}`);
  for (const [id, want] of Object.entries(expected.jobs ?? {})) {
    const got = result.jobs.filter((job) => job.id === id).map((job) => job.conclusion);
    const wanted = Array.isArray(want) ? want : [want];
    if (JSON.stringify(got) !== JSON.stringify(wanted))
      problems.push(`job ${id}: ${JSON.stringify(got)}, expected ${JSON.stringify(wanted)}`);
  }
  const names = result.jobs.map((job) => job.name);
  for (const want of expected.names ?? [])
    if (!names.includes(want)) problems.push(`no job named '${want}' (${names.join(" | ")})`);
  for (const [id, want] of Object.entries(expected.outputs ?? {})) {
    const got = result.jobs.find((job) => job.id === id)?.outputs;
    for (const [key, value] of Object.entries(want))
      if (got?.[key] !== value)
        problems.push(`job ${id} output ${key}: '${got?.[key]}', expected '${value}'`);
  }
  for (const [id, want] of Object.entries(expected.matrix ?? {})) {
    const got = result.jobs.filter((job) => job.id === id).map((job) => job.matrix);
    if (JSON.stringify(got) !== JSON.stringify(want))
      problems.push(`job ${id} matrix ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  const text = log.join("\n");
  for (const want of expected.log ?? [])
    if (!log.some((line) => line.includes(want))) problems.push(`log lacks '${want}'`);
  for (const unwanted of expected.notLog ?? [])
    if (text.includes(unwanted)) problems.push(`log has '${unwanted}'`);
  if (problems.length > 0) problems.push(`log:\n${text}`);
  return problems;
}

const names = readdirSync(casesDir)
  .filter((file) => file.endsWith(".yml"))
  .map((file) => file.replace(/\.yml$/, ""))
  .sort();

describe("outside suite: workflows behave as GitHub would (issue 15 goal)", () => {
  const outcomes = new Map<string, string[]>();

  for (const name of names) {
    it(`case ${name}`, async () => {
      const problems = await runCase(name);
      outcomes.set(name, problems);
      expect(problems, problems.join("\n")).toEqual([]);
    }, 60_000);
  }

  it("scores at least 90 %", () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
    const passed = names.filter((name) => outcomes.get(name)?.length === 0).length;
    const failed = names.filter((name) => (outcomes.get(name)?.length ?? 1) > 0);
    console.log(
      `outside suite: ${passed} of ${names.length} behave as GitHub would${failed.length ? ` (not: ${failed.join(", ")})` : ""}`,
    );
    expect(passed / names.length).toBeGreaterThanOrEqual(0.9);
  });
});
