/**
 * `mlops gate` and the evaluate-gate action decide through the same core steps (prepareGate,
 * decideFromSetup, gateJsonText; issue 14's closing gaps): on the same metrics, config, rules and
 * baseline they give the same verdict, the same gate.json and the same report. The only differences
 * are what each knows about where it runs: the action names the commit, links the run and the PR
 * (gate.json's `pull_request`), and heads the candidate column `PR`; the CLI names the metrics file
 * and heads it `Candidate`.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runCliCaptured } from "@mlops/cli/testing";
import { describe, expect, it } from "vitest";
import { metrics, openPullRequest, runGate, useGateEmulator, workspace } from "./helpers.js";

const gh = useGateEmulator({ contents: "write", issues: "write", pull_requests: "write" });

/** Per-example results with labels and predictions (`n` examples, the first `wrong` of them wrong). */
function predictions(n: number, wrong: number): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const label = i % 3 === 0 ? 1 : 0;
    const prediction = i < wrong ? 1 - label : label;
    return `ex${i},${label},${prediction},${label === prediction ? 1 : 0}`;
  });
  return `id,label,prediction,correct\n${rows.join("\n")}\n`;
}

interface Case {
  name: string;
  candidate: string;
  /** Files besides the candidate's metrics and base.json (the config reads `per_example: predictions.csv`). */
  files?: Record<string, string>;
  /** The action's inputs; the CLI gets the same through its flags. */
  inputs: Record<string, string>;
  cli: string[];
  passed: boolean;
}

const CASES: Case[] = [
  {
    name: "file baseline, a rule fails",
    candidate: metrics(0.93, 0.85),
    inputs: { baseline: "base.json" },
    cli: ["--baseline", "base.json"],
    passed: false,
  },
  {
    name: "no baseline: a rule skipped, on-skipped fail",
    candidate: metrics(0.93, 0.85),
    inputs: { baseline: "none", "on-skipped": "fail" },
    cli: ["--on-skipped", "fail"],
    passed: false,
  },
  {
    name: "an extra rule besides the config's, all pass",
    candidate: metrics(0.95, 0.92),
    inputs: { baseline: "base.json", rules: "accuracy >= baseline" },
    cli: ["--baseline", "base.json", "--rule", "accuracy >= baseline"],
    passed: true,
  },
  {
    name: "prediction plots from the per-example results of candidate and baseline",
    candidate: metrics(0.93, 0.85),
    files: { "predictions.csv": predictions(60, 6), "baseline/predictions.csv": predictions(60, 3) },
    inputs: { baseline: "baseline/base.json" },
    cli: ["--baseline", "baseline/base.json"],
    passed: false,
  },
];

/**
 * A report line as what it says: a table row's cells without the padding (the alignment row as `:-`/`-:`),
 * any other line as it is.
 */
const cells = (line: string) =>
  line.startsWith("|") ? line.split("|").map((c) => c.trim().replace(/^(:?)-+(:?)$/, "$1-$2")) : [line];

describe("mlops gate and the evaluate-gate action on the same inputs", () => {
  it.each(CASES)("$name: same verdict, gate.json and report", async (c) => {
    const pr = await openPullRequest(gh.admin, `gate-parity-${CASES.indexOf(c)}`);
    const work = await workspace({ "metrics.json": c.candidate, "base.json": metrics(0.92, 0.9) });
    for (const [path, text] of Object.entries(c.files ?? {})) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), text);
    }
    if (c.files?.["baseline/predictions.csv"])
      await writeFile(join(work, "baseline", "base.json"), metrics(0.92, 0.9));
    const runtime = await runGate({
      ...gh,
      pr,
      workspace: work,
      inputs: { ...c.inputs, "fail-on-regression": "false" },
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs.passed).toBe(String(c.passed));
    const reportPath = runtime.outputs.report as string;
    const actionReport = await readFile(reportPath, "utf8");
    const actionJson = JSON.parse(await readFile(join(dirname(reportPath), "gate.json"), "utf8"));

    const args = ["gate", "--metrics", "metrics.json", ...c.cli];
    const json = await runCliCaptured([...args, "--format", "json"], { cwd: work });
    const markdown = await runCliCaptured(args, { cwd: work });
    expect([json.code, markdown.code]).toEqual(c.passed ? [0, 0] : [1, 1]);
    expect(json.stderr).toBe("");

    // gate.json: the same, but for the PR the action reported on.
    const { pull_request, ...actionRest } = actionJson;
    expect(pull_request).toBe(pr.number);
    expect(JSON.parse(json.stdout)).toEqual(actionRest);
    expect(actionRest.verdict).toContain(c.passed ? "gate passed" : "gate failed");

    // The report: line for line the same, but where it says what ran where.
    const [actionLines, cliLines] = [actionReport.split("\n"), `${markdown.stdout}\n`.split("\n")];
    expect(cliLines).toHaveLength(actionLines.length);
    const identity = actionLines.findIndex((line) => line.startsWith("**Baseline:**"));
    const { repo, headSha } = pr;
    expect(actionLines[identity]).toBe(
      cliLines[identity]?.replace(
        "**Candidate:** metrics.json",
        `**Candidate:** [commit ${headSha.slice(0, 7)}](https://github.localhost/acme/${repo}/commit/${headSha}) ([run](https://github.localhost/acme/${repo}/actions/runs/500))`,
      ),
    );
    const said = (lines: string[], column: string) =>
      lines
        .filter((_, i) => i !== identity)
        .map((line) => cells(line).map((c) => (c === column ? "CANDIDATE" : c)));
    expect(said(cliLines, "Candidate")).toEqual(said(actionLines, "PR"));
    expect(said(cliLines, "Candidate").flat()).toContain("CANDIDATE"); // the table was compared
    // Plots, when the per-example results have labels and predictions: the same charts in both.
    if (c.files) expect(actionReport).toContain("**Confusion matrix (candidate and baseline)**");
  });
});
