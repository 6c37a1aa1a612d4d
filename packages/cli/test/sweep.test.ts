/**
 * `mlops sweep DIR` (issue 16's gap: no CLI sweep command): a folder of per-cell metrics files or
 * downloaded train artifacts, ranked and gated against a baseline by the action's own steps (prepareGate,
 * decideFromSetup → decideSweepGate); leaderboard as a table, the sweep report (markdown) or gate.json;
 * exit 1 when the sweep gate fails, 2 on bad input. Parity with the action on the same folder:
 * actions/evaluate-gate/test/cli-sweep-parity.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRunManifest, expandSweepMatrix, sweepArtifactName, sweepCellOf } from "@mlops/core";
import { afterEach, describe, expect, it } from "vitest";
import { buildProgram } from "../src/main.js";
import { runCliCaptured } from "../src/testing.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A work directory with these files (paths may hold folders). */
function work(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cli-sweep-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const json = (m: Record<string, number>) => JSON.stringify(m);
const sweep = (cwd: string, ...args: string[]) => runCliCaptured(["sweep", ...args], { cwd });

/** `run.json` of a sweep cell as `train` writes it with `sweep-cell`. */
function cellRun(values: Record<string, number>, metrics: Record<string, number>, attempt = 1): string {
  const cell = sweepCellOf(values);
  return buildRunManifest({
    model: "churn",
    commit: "c".repeat(40),
    ref: "refs/heads/main",
    repository: "acme/models",
    run: { id: 7, attempt, url: "", workflow: "pr.yml" },
    command: { exit_code: 0, duration_ms: 1 },
    params: {},
    metrics,
    files: [],
    data: [],
    runner: { os: "Linux", arch: "x64", node: "v20", name: "runner" },
    sweep: { cell: cell.id, values: cell.values },
    created_at: "2026-12-07T00:00:00Z",
  });
}

describe("mlops sweep", () => {
  const files = {
    "cells/lr-0.1.json": json({ f1: 0.91, accuracy: 0.9 }),
    "cells/lr-0.03.yaml": "f1: 0.93\naccuracy: 0.92\n",
    "cells/lr-0.01.json": json({ f1: 0.88, accuracy: 0.95 }),
    "base.json": json({ f1: 0.9, accuracy: 0.9 }),
  };

  it("ranks the cells by the first rule's metric, gates them against the baseline and prints the leaderboard", async () => {
    const cwd = work(files);
    const run = await sweep(cwd, "cells", "--rule", "f1 >= baseline - 0.01", "--baseline", "base.json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")).toEqual([
      "✅ model sweep: the best of 3 cells passes the gate — c2 (cell=lr-0.03), f1 0.93",
      "ranked by f1 (maximize), sweep.gate: best",
      "",
      "rank  cell      f1    gate    values",
      "1     c2        0.93  passed  cell=lr-0.03",
      "2     c3        0.91  passed  cell=lr-0.1",
      "3     c1        0.88  failed  cell=lr-0.01",
      "      baseline  0.9           base.json",
    ]);
  });

  it("exits 1 when the best cell fails the gate; json is gate.json with the ranking", async () => {
    const cwd = work(files);
    const run = await sweep(
      cwd,
      "cells",
      "--rule",
      "f1 >= baseline + 0.05",
      "--baseline",
      "base.json",
      "--format",
      "json",
    );
    expect(run.code).toBe(1);
    const gate = JSON.parse(run.stdout);
    expect(gate).toMatchObject({
      model: "model",
      passed: false,
      baseline: "file:base.json",
      verdict: "❌ model sweep: the best of 3 cells fails the gate — c2 (cell=lr-0.03), f1 0.93",
      sweep: {
        metric: "f1",
        goal: "maximize",
        mode: "best",
        matrix: { include: [{ cell: "lr-0.01" }, { cell: "lr-0.03" }, { cell: "lr-0.1" }] },
      },
    });
    expect(
      gate.sweep.cells.map((c: { name: string; rank: number; passed: boolean }) => [
        c.name,
        c.rank,
        c.passed,
      ]),
    ).toEqual([
      ["c2", 1, false],
      ["c3", 2, false],
      ["c1", 3, false],
    ]);
  });

  it("ranks by sweep.metric and its goal from mlops.yml (lower loss first); markdown is the sweep report", async () => {
    const cwd = work({
      "mlops.yml": `version: 1
models:
  - name: churn
    metric_specs:
      loss: { goal: minimize }
    sweep: { metric: loss, gate: all }
    gate:
      rules: ["accuracy >= 0.85"]
`,
      "cells/a.json": json({ loss: 0.3, accuracy: 0.9 }),
      "cells/b.json": json({ loss: 0.2, accuracy: 0.8 }),
      "cells/c.json": json({ accuracy: 0.9 }),
    });
    const table = await sweep(cwd, "cells");
    expect(table.code).toBe(1); // sweep.gate: all — b fails its rule, c has no loss
    expect(table.stdout.split("\n").slice(0, 7)).toEqual([
      "❌ churn sweep: 1 of 3 cells fail the gate, 1 of 3 cells has no result (sweep.gate: all)",
      "ranked by loss (minimize), sweep.gate: all",
      "",
      "rank  cell  loss  gate    values  not ranked",
      "1     c2    0.2   failed  cell=b",
      "2     c1    0.3   passed  cell=a",
      "–     c3    –     passed  cell=c  no loss in its metrics",
    ]);
    const markdown = await sweep(cwd, "cells", "--format", "markdown");
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toContain("```mermaid");
    expect(markdown.stdout).toContain("**Candidates:** 3 cells of cells/");
    expect(markdown.stdout).toMatch(/\| 🏆 1 \| c2 · cell=b \| +0\.2 \|/);
  });

  it("with --matrix: reads downloaded train artifacts (newest attempt), lists a missing cell, notes a stray", async () => {
    const matrix = { lr: [0.1, 0.01], depth: [3] };
    const [c1, c2] = expandSweepMatrix(matrix).map(sweepCellOf);
    const base = "mlops-churn";
    const cwd = work({
      [`run/${sweepArtifactName(base, c1 as { id: string })}/run.json`]: cellRun(
        { lr: 0.1, depth: 3 },
        { f1: 0.8 },
      ),
      [`run/${sweepArtifactName(base, c1 as { id: string })}-attempt-2/run.json`]: cellRun(
        { lr: 0.1, depth: 3 },
        { f1: 0.92 },
        2,
      ),
      [`run/${sweepArtifactName(base, sweepCellOf({ lr: 1, depth: 3 }))}/run.json`]: cellRun(
        { lr: 1, depth: 3 },
        { f1: 0.5 },
      ),
      "base.json": json({ f1: 0.9 }),
    });
    const run = await sweep(
      cwd,
      "run",
      "--matrix",
      JSON.stringify(matrix),
      "--rule",
      "f1 >= baseline",
      "--baseline",
      "base.json",
      "--format",
      "json",
    );
    expect(run.code).toBe(0);
    const gate = JSON.parse(run.stdout);
    expect(gate.verdict).toBe(
      "⚠️ model sweep: the best of 3 cells passes the gate — c1 (lr=0.1, depth=3), f1 0.92 · ⚠️ 1 of 3 cells has no result",
    );
    expect(gate.sweep.matrix).toEqual(matrix);
    expect(gate.sweep.cells).toEqual([
      expect.objectContaining({
        cell: c1?.id,
        rank: 1,
        value: 0.92,
        artifact: `${sweepArtifactName(base, c1 as { id: string })}-attempt-2`,
      }),
      expect.objectContaining({ cell: sweepCellOf({ lr: 1, depth: 3 }).id, rank: 2, value: 0.5 }),
      expect.objectContaining({
        cell: c2?.id,
        problem: expect.stringContaining("no metrics in"),
      }),
    ]);
    const markdown = await sweep(
      cwd,
      "run",
      "--matrix",
      JSON.stringify(matrix),
      "--rule",
      "f1 >= 0.5",
      "--format",
      "markdown",
    );
    expect(markdown.stdout).toContain("1 entry of");
    expect(markdown.stdout).toContain("belongs to no cell of the matrix");
  });

  it("fails loudly when no cell has the metric (exit 1), and on bad input (exit 2, one line)", async () => {
    const none = work({ "cells/a.json": json({ accuracy: 0.9 }), "cells/b.json": json({ accuracy: 0.8 }) });
    const empty = await sweep(none, "cells", "--rule", "f1 >= 0.5");
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain("❌ model sweep: no cell produced f1 — nothing ranked (2 cells)");
    expect(empty.stderr).toMatch(
      /^mlops: Sweep gate failed for model: no cell of 2 produced f1, so nothing was ranked/,
    );

    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ "x.json": "{}" }, ["cells"], /^mlops: sweep folder not found: cells/],
      [
        { "cells/a.json": json({ f1: 1 }), "cells/notes.txt": "hi" },
        ["cells"],
        /notes\.txt: expected a metrics file/,
      ],
      [{ "cells/a.json": "{ not json" }, ["cells"], /a\.json/],
      [
        { "cells/a.json": json({ f1: 1 }), "cells/a.yaml": "f1: 2\n" },
        ["cells"],
        /a\.json and a\.yaml hold the same sweep cell \(cell=a\)/,
      ],
      [{ "cells/.keep": "" }, ["cells"], /cells: no sweep cells/],
      [
        { "cells/a.json": json({ f1: 1 }) },
        ["cells", "--format", "html"],
        /--format: expected table, markdown, json, got "html"/,
      ],
      [{ "cells/a.json": json({ f1: 1 }) }, ["cells", "--matrix", "[1]"], /--matrix: expected a JSON object/],
      [
        { "cells/a.json": json({ f1: 1 }) },
        ["cells", "--rule", "f1 == 1"],
        /cannot tell whether a higher or a lower f1 is better/,
      ],
    ];
    for (const [files, args, message] of cases) {
      const cwd = work(files);
      const run = await sweep(cwd, ...args, ...(args.includes("--rule") ? [] : ["--rule", "f1 >= 0.5"]));
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });

  it("takes the baseline options of mlops gate (one declaration)", async () => {
    const program = await buildProgram({
      stdout: () => {},
      stderr: () => {},
      interactive: false,
      cwd: ".",
      env: {},
    });
    const baselineOptions = (name: string) =>
      program.commands
        .find((c) => c.name() === name)
        ?.options.filter((o) => /^--(baseline|base-branch|workflow|repo|api-url)$/.test(o.long ?? ""))
        .map((o) => [o.flags, o.description, o.defaultValue]);
    expect(baselineOptions("sweep")?.map(([flags]) => flags)).toEqual([
      "--baseline <mode>",
      "--base-branch <branch>",
      "--workflow <file>",
      "--repo <owner/name>",
      "--api-url <url>",
    ]);
    expect(baselineOptions("sweep")).toEqual(baselineOptions("gate"));
  });
});
