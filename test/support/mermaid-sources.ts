/**
 * Every Markdown text the project writes that may hold Mermaid charts, produced by the code paths the
 * actions and the CLI run (no copied strings): the PR comment with its prediction plots
 * (`predictionPlots` + `renderGateReport`, as evaluate-gate posts it; binary, multi-class and regression), `mlops
 * insights` (`renderInsightsMarkdown`), the monitoring issue (`composeIssue` over three runs, two in the same minute, as monitor-report
 * writes it), the monitoring job summary (`renderMarkdown`, as monitor-report appends it), the
 * `mlops monitor --format html` page (`renderHtml`), and the repository's own Markdown (README diagrams).
 *
 * `covers` names the source files whose charts each output holds: test/mermaid-render.test.ts fails when
 * a file under packages/*\/src or actions/*\/src writes Mermaid and no source here covers it — add the
 * output that shows its charts to {@link markdownSources}.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AliasMove,
  collectGateRules,
  computeInsights,
  dataChart,
  type InsightsEvents,
  type MetricValues,
  metricSpecsOf,
  mulberry32,
  parseConfig,
  parsePredictions,
  predictionPlots,
  renderAliasHistoryMermaid,
  renderAliasHistoryTable,
  renderGateReport,
  renderInsightsHtml,
  renderInsightsMarkdown,
  renderSweepReport,
  runGate,
  runSweepGate,
  type SweepCellInput,
  sweepCellOf,
  sweepRankingOf,
  trendMetrics,
  trendSection,
  vegaLiteChart,
} from "@mlops/core";
import { compareProfiles, composeIssue, profileFiles, renderHtml, renderMarkdown } from "@mlops/monitor";

export interface MarkdownSource {
  name: string;
  /** Source files (repository paths) whose Mermaid output this text shows. */
  covers: string[];
  markdown: string;
}

export interface HtmlSource {
  name: string;
  covers: string[];
  html: string;
}

const GATE_CONFIG = `version: 1
models:
  - name: churn
    gate:
      rules:
        - "accuracy >= 0.9"
        - "f1 >= baseline - 0.01"
      metrics:
        loss: { max_regression: "5%" }
    metric_specs:
      loss: { goal: minimize }
`;

/** The classes of the multi-class comment: seven, so the one-vs-rest charts draw five and name two left out. */
const SPECIES = ["setosa", "versicolor", "virginica", "hybrid", "unknown", "arctica", "other"];

/**
 * Per-example predictions of a seeded model: binary (label, prediction, probability), multi-class (label,
 * prediction, a `proba_<class>` column per class, softmax scores) or regression.
 */
function predictionsCsv(
  task: "binary" | "multiclass" | "regression",
  n: number,
  skill: number,
  seed: number,
): string {
  const random = mulberry32(seed);
  const lines = [
    task === "binary"
      ? "id,label,prediction,probability"
      : task === "multiclass"
        ? `id,label,prediction,${SPECIES.map((c) => `proba_${c}`).join(",")}`
        : "id,actual,predicted",
  ];
  for (let i = 0; i < n; i++) {
    if (task === "multiclass") {
      // Class k is (k + 1) times as rare as the first: the charts keep the most frequent.
      let u = random() * SPECIES.reduce((a, _, k) => a + 1 / (k + 1), 0);
      let truth = 0;
      while (truth < SPECIES.length - 1 && u >= 1 / (truth + 1)) {
        u -= 1 / (truth + 1);
        truth++;
      }
      const exp = SPECIES.map((_, k) => Math.exp(random() * 2 + (k === truth ? skill * 4 : 0)));
      const sum = exp.reduce((a, b) => a + b, 0);
      const proba = exp.map((e) => Math.round((e / sum) * 1e4) / 1e4);
      lines.push(`e${i},${SPECIES[truth]},${SPECIES[proba.indexOf(Math.max(...proba))]},${proba.join(",")}`);
    } else if (task === "binary") {
      const label = random() < 0.4 ? 1 : 0;
      const p = Math.min(1, Math.max(0, Math.round((label * skill + random() * (1 - skill)) * 1000) / 1000));
      lines.push(`e${i},${label},${p >= 0.5 ? 1 : 0},${p}`);
    } else {
      const actual = 100 + 40 * random();
      lines.push(`e${i},${actual.toFixed(2)},${(actual + (random() - 0.5) * 30 * (1 - skill)).toFixed(2)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The PR comment evaluate-gate posts: the same `renderGateReport` call within the comment budget, with
 * the prediction plots evaluate-gate draws from the per-example files (`predictionPlots`, candidate
 * against baseline) and the metric trend (`trendSection`: `trendVersions` registered versions, 10 by
 * default, at most 50, then the base-branch run) — binary or multi-class classification, or regression.
 */
function prComment(task: "binary" | "multiclass" | "regression", trendVersions = 10): MarkdownSource {
  const config = parseConfig(GATE_CONFIG, "mlops.yml");
  const model = config.models[0];
  if (!model) throw new Error("mermaid-sources: no model in the gate config");
  const specs = metricSpecsOf(config, model);
  const head: MetricValues = { accuracy: 0.951, f1: 0.912, loss: 0.21 };
  const baseline: MetricValues = { accuracy: 0.9301, f1: 0.905, loss: 0.23 };
  const rules = collectGateRules({ model, specs, configFile: "mlops.yml", configText: GATE_CONFIG });
  const run = runGate({ rules, head, baseline });
  const read = (text: string, file: string) => {
    const parsed = parsePredictions(text, file, {});
    if ("missing" in parsed) throw new Error(`mermaid-sources: ${parsed.missing}`);
    return parsed;
  };
  const predictions = predictionPlots({
    head: { predictions: read(predictionsCsv(task, 400, 0.35, 1), "candidate.csv"), label: "candidate" },
    baseline: { predictions: read(predictionsCsv(task, 400, 0.2, 2), "baseline.csv"), label: "baseline" },
  });
  // The metric trend evaluate-gate adds (trendOf): registered versions, then the base-branch run.
  const trend = trendSection({
    versions: Array.from({ length: trendVersions }, (_, i) => ({
      label: `v${i + 1}`,
      name: `v${i + 1}${i + 1 === trendVersions ? " (@production)" : ""}`,
      metrics: {
        accuracy: 0.88 + 0.05 * Math.sin(i / 3) + i * 0.001,
        f1: 0.86 + i * 0.001,
        loss: 0.3 - i * 0.002,
      },
    })),
    baseRuns: [{ label: "main", name: "main @ abc1234 (run 12)", metrics: baseline }],
    candidate: head,
    metrics: trendMetrics(head, { ruleMetrics: rules.map((r) => r.rule.metric), specs }),
    specs,
  });
  if (!trend) throw new Error("mermaid-sources: no trend");
  const plots = { ...predictions, sections: [...predictions.sections, trend] };
  // The binary comment also holds a user's Vega-Lite plot, as evaluate-gate adds it.
  if (task === "binary") {
    const loss = vegaLiteChart(
      {
        mark: "line",
        data: {
          values: [1, 2, 3, 4, 5].flatMap((epoch) => [
            { epoch, split: "train", loss: 1 / epoch },
            { epoch, split: "validation", loss: 1.2 / epoch + 0.05 },
          ]),
        },
        encoding: { x: { field: "epoch" }, y: { field: "loss" }, color: { field: "split" } },
      },
      "plots/loss.vl.json",
    );
    if (!("markdown" in loss)) throw new Error("mermaid-sources: no loss chart");
    plots.sections.push({ title: "plots/loss.vl.json", markdown: loss.markdown });
  }
  return {
    name: `pr-comment-${task}${trendVersions === 50 ? "-trend-50" : ""}`,
    covers: [
      "packages/core/src/report/gate-report.ts",
      "packages/core/src/plots/render.ts",
      "packages/core/src/plots/trend.ts",
      ...(task === "binary" ? ["packages/core/src/plots/user-plots.ts"] : []),
    ],
    markdown: renderGateReport(
      {
        model: "churn",
        run,
        head,
        baseline,
        specs,
        baselineLabel: "churn v3 (@production)",
        candidateLabel: "commit abc1234",
        plots,
      },
      { reserve: 200 },
    ),
  };
}

/**
 * The PR comment of a sweep (the `renderSweepReport` call evaluate-gate makes with `sweep`): twelve cells,
 * one whose training failed, ranked against a baseline; its bar chart has a bar per ranked cell and the
 * baseline as a line; the twelve-cell comment also shows the best cell's prediction plots.
 */
function sweepComment(size: "twelve" | "many"): MarkdownSource {
  const config = parseConfig(GATE_CONFIG, "mlops.yml");
  const model = config.models[0];
  if (!model) throw new Error("mermaid-sources: no model in the gate config");
  const specs = metricSpecsOf(config, model);
  const rules = collectGateRules({ model, specs });
  const baseline: MetricValues = { accuracy: 0.9301, f1: 0.905, loss: 0.23 };
  // "many": 64 cells, of which the chart draws the 30 best (its densest x axis, numbered cells).
  const rates =
    size === "twelve" ? [0.1, 0.03, 0.01, 0.003] : [0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4];
  const depths = size === "twelve" ? [3, 6, 9] : [2, 3, 4, 5, 6, 7, 8, 9];
  const cells: SweepCellInput[] = rates.flatMap((lr, i) =>
    depths.map((depth, j) => {
      const cell = sweepCellOf({ learning_rate: lr, max_depth: depth });
      if (i === 3 && j === 2) return { cell, failure: "training failed or was cancelled: no artifact" };
      const accuracy = 0.9 + 0.012 * i + 0.007 * j - 0.004 * i * j;
      return { cell, metrics: { accuracy, f1: accuracy - 0.02, loss: 0.3 - accuracy / 5 } };
    }),
  );
  const result = runSweepGate({ cells, rules, baseline, ranking: sweepRankingOf({ rules, specs }) });
  // The twelve-cell comment shows the best cell's prediction plots, as evaluate-gate draws them for a sweep.
  const read = (text: string, file: string) => {
    const parsed = parsePredictions(text, file, {});
    if ("missing" in parsed) throw new Error(`mermaid-sources: ${parsed.missing}`);
    return parsed;
  };
  const bestPlots =
    size === "twelve"
      ? predictionPlots({
          head: {
            predictions: read(predictionsCsv("binary", 400, 0.4, 3), "best-cell.csv"),
            label: "candidate",
          },
          baseline: {
            predictions: read(predictionsCsv("binary", 400, 0.2, 2), "baseline.csv"),
            label: "baseline",
          },
        })
      : undefined;
  return {
    name: size === "twelve" ? "sweep-comment" : "sweep-comment-many",
    covers: ["packages/core/src/report/sweep-report.ts"],
    markdown: renderSweepReport(
      {
        model: "churn",
        result,
        specs,
        baseline,
        baselineLabel: "churn v3 (@production)",
        ...(bestPlots ? { bestPlots } : {}),
      },
      { reserve: 200 },
    ),
  };
}

/**
 * The PR comment with the user's own plots as evaluate-gate converts them (`dataChart` for a DVC-style
 * CSV of 200 epochs, `vegaLiteChart` for a bar spec with a colour field): sections after the metric table.
 */
function userPlotsComment(): MarkdownSource {
  const base = prComment("binary");
  const epochs = ["epoch,loss,val_loss"];
  for (let e = 1; e <= 200; e++)
    epochs.push(`${e},${(2 / Math.sqrt(e)).toFixed(4)},${(2.2 / Math.sqrt(e) + 0.05).toFixed(4)}`);
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Feature importance <top 8>",
    mark: "bar",
    data: {
      values: [
        "tenure",
        "monthly_charges",
        "total_charges",
        "contract_type",
        "payment_method",
        "support_calls",
        "region",
        "age",
      ].flatMap((feature, i) => [
        { feature, model: "candidate", importance: 0.3 / (i + 1) },
        { feature, model: "baseline", importance: 0.25 / (i + 1.5) },
      ]),
    },
    encoding: {
      x: { field: "feature" },
      y: { field: "importance", type: "quantitative" },
      color: { field: "model" },
    },
  };
  const sections = [
    dataChart("plots/loss.csv", `${epochs.join("\n")}\n`, { title: "Training loss" }),
    vegaLiteChart(spec, "importance.vl.json"),
  ];
  const markdown = sections
    .map((c) => ("markdown" in c ? c.markdown : `unsupported: ${c.unsupported}`))
    .join("\n\n");
  if (markdown.includes("unsupported:")) throw new Error(`mermaid-sources: ${markdown}`);
  return {
    name: "pr-comment-user-plots",
    covers: ["packages/core/src/plots/user-plots.ts"],
    markdown: `${base.markdown}\n\n${markdown}\n`,
  };
}

/** `mlops registry history --format mermaid` (a timeline) with the table, over three moves and a rollback. */
function registryHistory(): MarkdownSource {
  const move = (version: string, previous: string | null, at: string, rollback = false): AliasMove => ({
    model: "churn",
    alias: "production",
    environment: "production",
    version,
    previousVersion: previous,
    movedAt: at,
    deploymentId: Number(version) * 10,
    rollback,
    triggeredBy: "alice",
    creator: "github-actions[bot]",
    approvals: rollback ? [] : [{ user: "bob <lead>", state: "approved", comment: "ok: ship it" }],
    run: { id: 100 + Number(version), url: null },
    commit: `c${version}`,
    pullRequest: rollback ? null : { number: 10 + Number(version), title: `change ${version}`, url: "" },
    registeredByRun: null,
  });
  const moves = [
    move("1", null, "2026-12-01T09:12:30Z"),
    move("2", "1", "2026-12-03T14:05:00Z"),
    move("1", "2", "2026-12-03T14:20:00Z", true),
    move("3", "1", "2026-12-05T08:00:00Z"),
  ];
  return {
    name: "registry-history",
    covers: ["packages/core/src/report/alias-history.ts"],
    markdown: `${renderAliasHistoryMermaid("churn", moves, "production")}\n\n${renderAliasHistoryTable(moves)}\n`,
  };
}

/** `mlops insights` Markdown over a small history: gates that failed, a rollback, drift and a retrain. */
function insights(): { markdown: MarkdownSource; html: HtmlSource } {
  const h = (hours: number) => new Date(Date.UTC(2026, 10, 1) + hours * 3_600_000).toISOString();
  const gate = (
    sha: string,
    pr: number | undefined,
    event: string,
    conclusion: string,
    at: number,
    failed: string[] = [],
  ) => ({
    model: "churn",
    sha,
    ...(pr !== undefined ? { pr } : {}),
    event,
    conclusion,
    failedRules: failed,
    at: h(at),
    attempts: 1,
  });
  const deployment = (id: number, version: string, at: number, state: string, automaticRollback = false) => ({
    id,
    model: "churn",
    version,
    environment: "production",
    production: true,
    createdAt: h(at),
    automaticRollback,
    statuses: [
      { state: "in_progress", at: h(at) },
      { state, at: h(at + 0.5) },
    ],
  });
  const events: InsightsEvents = {
    repository: "acme/churn",
    since: h(0),
    until: h(240),
    pulls: [1, 2, 3].map((n) => ({
      number: n,
      title: `change ${n}`,
      models: ["churn"],
      openedAt: h(n * 24),
      mergedAt: h(n * 24 + 3),
      mergeSha: `m${n}`,
      reviews: [
        { state: "CHANGES_REQUESTED", at: h(n * 24 + 1) },
        { state: "APPROVED", at: h(n * 24 + 2) },
      ],
    })),
    gates: [
      gate("a1", 1, "pull_request", "failure", 24.5, ["accuracy >= 0.9"]),
      gate("a2", 1, "pull_request", "success", 25),
      gate("b1", 2, "pull_request", "success", 49),
      gate("c1", 3, "pull_request", "failure", 72.5, ["f1 >= baseline - 0.01"]),
      gate("c2", 3, "pull_request", "success", 73),
      gate("r1", undefined, "repository_dispatch", "success", 146),
    ],
    versions: [1, 2, 3].map((n) => ({
      model: "churn",
      version: String(n),
      registeredAt: h(n * 24 + 4),
      commitSha: `m${n}`,
      trigger: "push",
    })),
    deployments: [
      deployment(101, "1", 29, "success"),
      deployment(102, "2", 53, "failure"),
      deployment(103, "1", 53.6, "success", true),
      deployment(104, "3", 77, "success"),
    ],
    monitoring: [
      { model: "churn", at: h(120), datasetDrift: false },
      { model: "churn", at: h(144), datasetDrift: true },
    ],
    retrains: [{ runId: 9, at: h(145), conclusion: "success" }],
  };
  const report = computeInsights(events);
  const covers = ["packages/core/src/insights/render.ts"];
  return {
    markdown: { name: "insights", covers, markdown: renderInsightsMarkdown(report) },
    // `mlops insights --format html`: the same charts as <pre class="mermaid"> drawn by Mermaid
    html: { name: "insights-html", covers, html: renderInsightsHtml(report) },
  };
}

/** Deterministic standard-normal-ish values (Box–Muller over a small LCG). */
function normal(n: number, seed: number, shift: number, scale = 1): number[] {
  let s = seed;
  const u = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (s + 1) / 2_147_483_649;
  };
  return Array.from(
    { length: n },
    () => shift + scale * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
  );
}

const PLANS = [
  "basic",
  "premium",
  "enterprise-annual-contract",
  "enterprise-monthly-contract",
  "student",
  "nonprofit",
  "trial",
  "family",
  "business-starter",
  "business-plus",
  "legacy-2019",
  "legacy-2021",
];

/** A CSV like the monitoring data users have: numeric, categorical, label, score and a timestamp. */
function monitoringCsv(n: number, seed: number, drift: number): string {
  const score = normal(n, seed, drift);
  const income = normal(n, seed + 7, 52_000 + drift * 9_000, 15_000);
  const noise = normal(n, seed + 13, 0);
  const rows = ["ts,score,income,plan,label,prediction"];
  for (let i = 0; i < n; i++) {
    const day = 1 + (i % 5);
    // the current data's plans shift towards a few (the categorical chart: long names, cut to fit)
    const plan = PLANS[drift > 0 ? (i * i) % 7 : (i * 5) % PLANS.length] as string;
    const p = 1 / (1 + Math.exp(-((score[i] as number) + (noise[i] as number))));
    const label = (score[i] as number) + 0.5 * (noise[i] as number) > drift ? 1 : 0;
    rows.push(
      `2026-12-0${day}T0${i % 10}:00:00Z,${score[i]},${Math.round(income[i] as number)},${plan},${label},${p.toFixed(4)}`,
    );
  }
  return `${rows.join("\n")}\n`;
}

/** The monitoring outputs of three runs over real profiles (monitor-report's code path). */
async function monitoring(): Promise<{ markdown: MarkdownSource[]; html: HtmlSource[] }> {
  const dir = mkdtempSync(join(tmpdir(), "mlops-mermaid-"));
  try {
    const performance = { target: "label", prediction: "prediction", timestamp: "ts" };
    writeFileSync(join(dir, "reference.csv"), monitoringCsv(1_500, 1, 0));
    writeFileSync(join(dir, "current.csv"), monitoringCsv(1_500, 2, 0.7));
    const reference = await profileFiles([join(dir, "reference.csv")], { performance });
    const current = await profileFiles([join(dir, "current.csv")], { performance });
    const profiles = { reference, current };
    const at = (iso: string) => compareProfiles(reference, current, { now: new Date(iso) });
    // three runs: two in the same minute, then one a day later
    const first = composeIssue("churn", at("2026-12-07T09:15:02Z"), undefined, { profiles });
    const second = composeIssue("churn", at("2026-12-07T09:15:41Z"), `${first.body}\n${first.trailer}`, {
      profiles,
    });
    const third = composeIssue("churn", at("2026-12-08T09:15:00Z"), `${second.body}\n${second.trailer}`, {
      profiles,
    });
    const report = at("2026-12-08T09:15:00Z");
    return {
      markdown: [
        {
          name: "monitoring-issue",
          covers: ["packages/monitor/src/issue-report.ts", "packages/monitor/src/render.ts"],
          markdown: third.body,
        },
        {
          name: "monitoring-summary",
          covers: ["packages/monitor/src/render.ts", "actions/monitor-report/src/main.ts"],
          markdown: renderMarkdown(report, { profiles, title: "churn" }),
        },
      ],
      html: [
        {
          name: "monitoring-html",
          covers: ["packages/monitor/src/render.ts"],
          html: renderHtml(report, { profiles }),
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The committed Markdown files that hold Mermaid blocks (GitHub draws them on the repository pages). */
function repositoryDocs(root: string): MarkdownSource[] {
  const files = execFileSync("git", ["ls-files", "*.md"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  return files
    .map((file) => ({ file, text: readFileSync(join(root, file), "utf8") }))
    .filter(({ text }) => /^```mermaid$/m.test(text))
    .map(({ file, text }) => ({
      name: `doc-${file.replace(/[^\w.-]+/g, "_")}`,
      covers: [file],
      markdown: text,
    }));
}

/** Every source, Markdown and HTML. */
export async function mermaidSources(
  root: string,
): Promise<{ markdown: MarkdownSource[]; html: HtmlSource[] }> {
  const monitor = await monitoring();
  const report = insights();
  return {
    markdown: [
      prComment("binary"),
      prComment("multiclass"),
      prComment("regression"),
      prComment("regression", 50),
      sweepComment("twelve"),
      sweepComment("many"),
      userPlotsComment(),
      registryHistory(),
      ...monitor.markdown,
      report.markdown,
      ...repositoryDocs(root),
    ],
    html: [...monitor.html, report.html],
  };
}
