import { describe, expect, it } from "vitest";
import {
  CHECK_OUTPUT_BUDGET,
  collectGateRules,
  expandSweepMatrix,
  InputError,
  JOB_SUMMARY_BUDGET,
  MAX_SWEEP_CELLS,
  measure,
  mermaidBlocks,
  metricSpecsOf,
  PR_COMMENT_BUDGET,
  parseConfig,
  parseSweepMatrix,
  renderSweepReport,
  runSweepGate,
  type SweepCellInput,
  type SweepValues,
  sweepArtifactName,
  sweepCellEnv,
  sweepCellOf,
  sweepRankingOf,
} from "../src/index.js";

const config = (extra = "") =>
  parseConfig(
    `version: 1
models:
  - name: churn
    metric_specs:
      accuracy: { goal: maximize, precision: 4 }
      log_loss: { goal: minimize }
    gate:
      rules:
        - "accuracy >= 0.9"
        - "log_loss <= baseline * 1.1"
${extra}`,
    "mlops.yml",
  );

function setup(extra = "") {
  const parsed = config(extra);
  const model = parsed.models[0]!;
  const specs = metricSpecsOf(parsed, model);
  const rules = collectGateRules({ model, specs });
  return { model, specs, rules };
}

const cells = (...values: Array<Record<string, number> | string>): SweepCellInput[] =>
  values.map((v, i) => {
    const cell = sweepCellOf({ lr: i });
    return typeof v === "string" ? { cell, failure: v } : { cell, metrics: v };
  });

describe("sweep matrix", () => {
  it("expands a matrix as GitHub does: product in key order, partial-match exclude, then include", () => {
    const matrix = parseSweepMatrix(
      JSON.stringify({
        lr: [0.1, 0.01],
        depth: [3, 5],
        exclude: [{ lr: 0.01, depth: 5 }],
        include: [
          { depth: 3, note: "shallow" }, // extends both depth-3 cells
          { lr: 0.5, depth: 9 }, // fits no original cell: a new one
          { lr: 0.1, depth: 3, note: "overwrites an added key only" },
        ],
      }),
    );
    expect(expandSweepMatrix(matrix)).toEqual([
      { lr: 0.1, depth: 3, note: "overwrites an added key only" },
      { lr: 0.1, depth: 5 },
      { lr: 0.01, depth: 3, note: "shallow" },
      { lr: 0.5, depth: 9 },
    ]);
  });

  it("expands the include example of GitHub's docs to the combinations the docs list", () => {
    // docs "Running variations of jobs in a workflow" → "Example: Expanding configurations"
    // (https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations)
    const matrix: SweepValues = {
      fruit: ["apple", "pear"],
      animal: ["cat", "dog"],
      include: [
        { color: "green" },
        { color: "pink", animal: "cat" },
        { fruit: "apple", shape: "circle" },
        { fruit: "banana" },
        { fruit: "banana", animal: "cat" },
      ],
    };
    expect(expandSweepMatrix(matrix)).toEqual([
      { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
      { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
      { fruit: "pear", animal: "cat", color: "pink" },
      { fruit: "pear", animal: "dog", color: "green" },
      { fruit: "banana" },
      { fruit: "banana", animal: "cat" },
    ]);
  });

  it("excludes partial matches as GitHub's docs example does (12 combinations → 9 jobs)", () => {
    // docs "Running variations of jobs in a workflow" → "Excluding matrix configurations"
    const cells = expandSweepMatrix({
      os: ["macos-latest", "windows-latest"],
      version: [12, 14, 16],
      environment: ["staging", "production"],
      exclude: [
        { os: "macos-latest", version: 12, environment: "production" },
        { os: "windows-latest", version: 16 },
      ],
    });
    expect(cells).toHaveLength(9);
    expect(cells).not.toContainEqual(expect.objectContaining({ os: "windows-latest", version: 16 }));
  });

  it("refuses bad input with one line naming what was expected", () => {
    expect(() => parseSweepMatrix("[1,2]")).toThrow(/sweep: expected a JSON object .*got a list/);
    expect(() => parseSweepMatrix("{lr: [1]}")).toThrow(InputError);
    expect(() => expandSweepMatrix({ lr: 0.1 })).toThrow(/"lr" must be a list of values/);
    expect(() => expandSweepMatrix({ lr: [] })).toThrow(/"lr" has no values/);
    expect(() => expandSweepMatrix({ lr: [1], exclude: [{ lr: 1 }] })).toThrow(/no cells/);
    const many = { a: [...Array(16).keys()], b: [...Array(17).keys()] };
    expect(() => expandSweepMatrix(many)).toThrow(`at most ${MAX_SWEEP_CELLS} jobs`);
  });

  it("gives each cell a stable id whatever the key order, safe in artifact names, and its env", () => {
    const a = sweepCellOf({ lr: 0.1, model: "sklearn:RandomForest/v2" });
    const b = sweepCellOf({ model: "sklearn:RandomForest/v2", lr: 0.1 });
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^lr-0\.1-model-sklearn_RandomForest_v2\.[0-9a-f]{8}$/);
    expect(sweepCellOf({ lr: 0.2 }).id).not.toBe(sweepCellOf({ lr: 0.02 }).id);
    expect(a.label).toBe("lr=0.1, model=sklearn:RandomForest/v2");
    // GitHub refuses " : < > | * ? \r \n \ / in artifact names
    expect(sweepArtifactName("mlops-churn", a)).not.toMatch(/["<>|*?\r\n\\/:]/);
    expect(sweepCellEnv(sweepCellOf({ lr: 0.1, "max-depth": 3, opts: { a: 1 } }))).toEqual({
      MLOPS_SWEEP_CELL: expect.any(String),
      MLOPS_SWEEP_PARAMS: '{"lr":0.1,"max-depth":3,"opts":{"a":1}}',
      MLOPS_PARAM_LR: "0.1",
      MLOPS_PARAM_MAX_DEPTH: "3",
    });
    expect(() => sweepCellEnv(sweepCellOf({ "max-depth": 1, max_depth: 2 }))).toThrow(
      /"max-depth" and "max_depth" both become MLOPS_PARAM_MAX_DEPTH/,
    );
  });
});

describe("sweep ranking", () => {
  it("takes the metric from sweep.metric or the first rule, and its goal from metric_specs or the rules", () => {
    const { rules, specs } = setup();
    expect(sweepRankingOf({ rules, specs })).toMatchObject({ metric: "accuracy", goal: "maximize" });
    expect(sweepRankingOf({ rules, specs, metric: "log_loss" })).toMatchObject({ goal: "minimize" });
    // No goal in metric_specs: the rules' direction says it (`<=` → lower is better).
    expect(sweepRankingOf({ rules, specs: {}, metric: "log_loss" })).toMatchObject({
      goal: "minimize",
      goalFrom: "the direction of its gate rules",
    });
    expect(() => sweepRankingOf({ rules, specs: {}, metric: "f1" })).toThrow(
      /cannot tell whether a higher or a lower f1 is better: set metric_specs\.f1\.goal/,
    );
    expect(() => sweepRankingOf({ rules: [], specs })).toThrow(/set sweep\.metric/);
  });

  it("ranks goal-aware: maximize puts the highest first, minimize the lowest", () => {
    const { rules, specs } = setup();
    const input = cells(
      { accuracy: 0.91, log_loss: 0.3 },
      { accuracy: 0.95, log_loss: 0.5 },
      { accuracy: 0.93, log_loss: 0.2 },
    );
    const up = runSweepGate({ cells: input, rules, ranking: sweepRankingOf({ rules, specs }) });
    expect(up.cells.map((c) => [c.index, c.rank])).toEqual([
      [2, 1],
      [3, 2],
      [1, 3],
    ]);
    const down = runSweepGate({
      cells: input,
      rules,
      ranking: sweepRankingOf({ rules, specs, metric: "log_loss" }),
    });
    expect(down.best?.index).toBe(3);
    expect(down.cells.map((c) => c.index)).toEqual([3, 1, 2]);
  });

  it("gives ties one rank (1, 1, 3), and prefers the tied cell that passes its gate", () => {
    const { rules, specs } = setup();
    const result = runSweepGate({
      cells: cells(
        { accuracy: 0.95, log_loss: 0.9 }, // fails log_loss <= baseline * 1.1
        { accuracy: 0.95, log_loss: 0.2 },
        { accuracy: 0.92, log_loss: 0.2 },
      ),
      rules,
      baseline: { accuracy: 0.9, log_loss: 0.3 },
      ranking: sweepRankingOf({ rules, specs }),
    });
    expect(result.cells.map((c) => [c.index, c.rank, c.ties])).toEqual([
      [2, 1, 1],
      [1, 1, 1],
      [3, 3, 0],
    ]);
    expect(result.best?.index).toBe(2);
    expect(result.passed).toBe(true);
  });

  it("never ranks a cell that failed to train, lacks the metric or cannot run its rules", () => {
    const { rules, specs } = setup();
    const result = runSweepGate({
      cells: cells(
        "training failed: no artifact mlops-churn-cell-x",
        { log_loss: 0.01 }, // best log_loss, but no accuracy: its rules cannot run
        { accuracy: Number.NaN, log_loss: 0.2 },
        { accuracy: 0.905, log_loss: 0.2 },
      ),
      rules,
      ranking: sweepRankingOf({ rules, specs }),
    });
    expect(result.best?.index).toBe(4);
    expect(result.unranked).toBe(3);
    expect(result.cells.map((c) => [c.index, c.rank, c.problem])).toEqual([
      [4, 1, undefined],
      [1, undefined, "training failed: no artifact mlops-churn-cell-x"],
      [2, undefined, expect.stringMatching(/its gate rules could not run: .*accuracy/)],
      [3, undefined, "accuracy is NaN"],
    ]);
    // The verdict stays the best cell's, and says that cells have no result.
    expect(result.passed).toBe(true);
    const report = renderSweepReport({ model: "churn", result, specs });
    expect(report).toContain("### ⚠️ churn sweep: the best of 4 cells passes the gate — c4");
    expect(report).toContain("3 of 4 cells have no result");
    expect(report).toMatch(/\| +— \| c1 · lr=0 +\| +— \| +— \| .*💥 training failed +\|$/m);
  });

  it("`sweep.gate: all` fails when any cell fails or has no result", () => {
    const { rules, specs } = setup();
    const ranking = sweepRankingOf({ rules, specs });
    const ok = cells({ accuracy: 0.95, log_loss: 0.1 }, { accuracy: 0.91, log_loss: 0.1 });
    expect(runSweepGate({ cells: ok, rules, ranking, mode: "all" }).passed).toBe(true);
    const oneBad = cells({ accuracy: 0.95, log_loss: 0.1 }, { accuracy: 0.8, log_loss: 0.1 });
    const bad = runSweepGate({ cells: oneBad, rules, ranking, mode: "all" });
    expect(bad.passed).toBe(false);
    expect(renderSweepReport({ model: "churn", result: bad })).toContain(
      "❌ churn sweep: 1 of 2 cells fail the gate (sweep.gate: all)",
    );
    expect(runSweepGate({ cells: oneBad, rules, ranking }).passed).toBe(true);
    const missing = cells({ accuracy: 0.95, log_loss: 0.1 }, "training failed");
    expect(runSweepGate({ cells: missing, rules, ranking, mode: "all" }).passed).toBe(false);
  });

  it("fails loudly when no cell produced the metric", () => {
    const { rules, specs } = setup();
    const result = runSweepGate({
      cells: cells("training failed", { log_loss: 0.1 }),
      rules: rules.filter((r) => r.rule.metric === "log_loss"),
      ranking: sweepRankingOf({ rules, specs }),
    });
    expect(result.best).toBeUndefined();
    expect(result.passed).toBe(false);
    const report = renderSweepReport({ model: "churn", result });
    expect(report).toContain("### ❌ churn sweep: no cell produced accuracy — nothing ranked (2 cells)");
    expect(report).toContain("[!CAUTION]");
    expect(mermaidBlocks(report)).toEqual([]);
  });
});

describe("sweep report", () => {
  it("shows the leaderboard, a bar chart with the baseline line, the best cell's gate, the others collapsed", () => {
    const { rules, specs } = setup();
    const result = runSweepGate({
      cells: cells({ accuracy: 0.91, log_loss: 0.3 }, { accuracy: 0.95, log_loss: 0.25 }, "training failed"),
      rules,
      baseline: { accuracy: 0.92, log_loss: 0.3 },
      ranking: sweepRankingOf({ rules, specs }),
    });
    const report = renderSweepReport({
      model: "churn",
      result,
      specs,
      baseline: { accuracy: 0.92, log_loss: 0.3 },
      baselineLabel: "churn v3 (@production)",
    });
    expect(report).toMatch(/\| Rank +\| Cell +\| accuracy ↑ \| Δ baseline \| log_loss \| Gate/);
    expect(report).toMatch(/\| 🏆 1 \| c2 · lr=1 +\| +0\.95 \| +\+0\.03 \|/);
    const [chart] = mermaidBlocks(report);
    expect(chart).toContain('x-axis "cell" ["c1", "c2"]');
    expect(chart).toMatch(/bar \[0\.91, 0\.95\]\n {2}line \[0\.92, 0\.92\]/);
    expect(report).toContain("#### Best cell against the baseline: ✅ churn c2 (lr=1): gate passed");
    expect(report).toContain("<summary>c1 · lr=0 — rank 2 · ✅ pass</summary>");
    expect(report).toContain("<summary>c3 · lr=2 — not ranked · 💥 training failed</summary>");
  });

  it("fits 200 cells into one PR comment, best first, naming the cells left out", () => {
    const { rules, specs } = setup();
    const many: SweepCellInput[] = Array.from({ length: 200 }, (_, i) => ({
      cell: sweepCellOf({ learning_rate: 0.001 * (i + 1), max_depth: i % 7, model: `forest-${i}` }),
      metrics: {
        accuracy: 0.85 + ((i * 37) % 200) / 2000,
        log_loss: 0.2 + (i % 13) / 100,
        "latency_ms.p95": i,
      },
    }));
    const result = runSweepGate({
      cells: many,
      rules,
      baseline: { accuracy: 0.9, log_loss: 0.25 },
      ranking: sweepRankingOf({ rules, specs }),
    });
    const report = renderSweepReport(
      { model: "churn", result, specs, baseline: { accuracy: 0.9, log_loss: 0.25 } },
      { reserve: 200 },
    );
    expect(measure(report, "chars")).toBeLessThanOrEqual(PR_COMMENT_BUDGET.limit - 200);
    // Every cell is in the leaderboard, the best first.
    expect(report.match(/^\| [^R-].*· learning_rate=/gm)).toHaveLength(200);
    expect(report.indexOf(`| 🏆 1 | c${result.best?.index} ·`)).toBeGreaterThan(0);
    // The chart draws the 30 best, and says so.
    expect(mermaidBlocks(report)).toHaveLength(1);
    expect(report).toContain("The chart shows the 30 best of 200 ranked cells.");
    // Details: as many as fit, best first, and a note naming how many were left out.
    const details = report.match(/<details>\n<summary>c\d+ ·/g)?.length ?? 0;
    const left = Number(/Details of (\d+) more cells left out/.exec(report)?.[1]);
    expect(details).toBeGreaterThan(5);
    expect(details + left).toBe(199);
    const second = result.cells[1];
    expect(report).toContain(`<summary>c${second?.index} ·`);
    // Every <details> is closed.
    expect(report.match(/<\/details>/g)?.length).toBe(report.match(/<details>/g)?.length);
    // The check run's summary counts bytes (65,535); the job summary 1 MiB of bytes holds every cell.
    const input = { model: "churn", result, specs, baseline: { accuracy: 0.9, log_loss: 0.25 } };
    const check = renderSweepReport(input, { budget: CHECK_OUTPUT_BUDGET });
    expect(measure(check, "bytes")).toBeLessThanOrEqual(CHECK_OUTPUT_BUDGET.limit);
    expect(check).toContain(`| 🏆 1 | c${result.best?.index} ·`);
    const summary = renderSweepReport(input, { budget: JOB_SUMMARY_BUDGET });
    expect(measure(summary, "bytes")).toBeLessThanOrEqual(JOB_SUMMARY_BUDGET.limit);
    expect(summary.match(/<details>\n<summary>c\d+ ·/g)).toHaveLength(199);
  });
});
