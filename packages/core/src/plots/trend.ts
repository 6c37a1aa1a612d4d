import { fitLabels, xyChart } from "../format/mermaid.js";
import { formatNumber } from "../format/number.js";
import { escapeCell } from "../report/table.js";
import type { MetricSpec, MetricValues } from "../types.js";
import type { PlotSection } from "./render.js";

/** Metrics a trend shows by default at most (one chart, a column each in the table). */
export const MAX_TREND_METRICS = 4;

/** One point of the trend before the PR: a registered version, or a run on the base branch. */
export interface TrendPoint {
  /** Short x label: `v7`, `main`. */
  label: string;
  /** Longer name for the table: `v7 (@production)`, `main @ abc1234 (run 12)`. */
  name: string;
  metrics: MetricValues;
  url?: string;
}

export interface TrendInput {
  /** Registered versions, oldest first. */
  versions: readonly TrendPoint[];
  /** Runs on the base branch (e.g. the base-branch baseline), oldest first; shown after the versions. */
  baseRuns?: readonly TrendPoint[];
  candidate: MetricValues;
  /** The metrics to show (the first is charted); see {@link trendMetrics}. */
  metrics: readonly string[];
  specs?: Record<string, MetricSpec>;
}

/**
 * The metrics a trend shows: `configured`, else the metrics of the gate rules, else those with a goal,
 * else the candidate's first — always ones the candidate reported, at most {@link MAX_TREND_METRICS}.
 */
export function trendMetrics(
  candidate: MetricValues,
  options: {
    configured?: readonly string[];
    ruleMetrics?: readonly string[];
    specs?: Record<string, MetricSpec>;
  },
): string[] {
  const has = (m: string) => candidate[m] !== undefined;
  if (options.configured && options.configured.length > 0)
    return [...new Set(options.configured)].filter(has);
  const pick = (names: readonly string[]) => [...new Set(names)].filter(has).slice(0, MAX_TREND_METRICS);
  const fromRules = pick(options.ruleMetrics ?? []);
  if (fromRules.length > 0) return fromRules;
  const withGoal = pick(Object.keys(options.specs ?? {}).filter((m) => options.specs?.[m]?.goal));
  if (withGoal.length > 0) return withGoal;
  return pick(Object.keys(candidate).sort());
}

const ordinal = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th");
  return `${n}${s}`;
};

/**
 * Where the candidate sits against the last registered versions (and base-branch runs): a line chart of
 * the first metric (history, then `PR`, with the PR's value as a flat line to compare each point with) and
 * a table of every trend metric, with the PR's rank where the metric has a goal. Undefined when there is
 * nothing to compare with or no metric to show.
 */
export function trendSection(input: TrendInput): PlotSection | undefined {
  const history = [...input.versions, ...(input.baseRuns ?? [])];
  const metrics = input.metrics.filter((m) => input.candidate[m] !== undefined);
  if (history.length === 0 || metrics.length === 0) return undefined;
  const num = (m: string, x: number | undefined) =>
    x === undefined ? "—" : formatNumber(x, { precision: input.specs?.[m]?.precision ?? 4 });
  const parts: string[] = [];
  const charted = metrics.find((m) => history.some((p) => p.metrics[m] !== undefined));
  if (charted) {
    const points = history.filter((p) => p.metrics[charted] !== undefined);
    const pr = input.candidate[charted] as number;
    const values = [...points.map((p) => p.metrics[charted] as number), pr];
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const pad = (hi - lo) * 0.15 || Math.abs(hi) * 0.05 || 1;
    const y = { min: Number((lo - pad).toPrecision(3)), max: Number((hi + pad).toPrecision(3)) };
    // Up to 50 versions: labels that would overlap are numbered (the table names every point).
    const x = fitLabels([...points.map((p) => p.label), "PR"], "point");
    const xTitle =
      input.baseRuns && input.baseRuns.length > 0
        ? "Registered versions, base branch, this PR"
        : "Registered versions, then this PR";
    parts.push(
      xyChart({
        title: `${charted}: the last ${points.length} ${points.length === 1 ? "point" : "points"} and this PR`,
        x: x.labels,
        xTitle: x.title ? `${xTitle}: ${x.title}` : xTitle,
        yTitle: charted,
        y,
        series: [
          { kind: "line", name: `${charted} by version`, values },
          { kind: "line", name: `this PR (${num(charted, pr)})`, values: values.map(() => pr) },
        ],
      }),
    );
  }
  const rows = [
    ...history.map((p) => [
      p.url ? `[${escapeCell(p.name)}](${p.url})` : escapeCell(p.name),
      ...metrics.map((m) => num(m, p.metrics[m])),
    ]),
    ["**this PR**", ...metrics.map((m) => `**${num(m, input.candidate[m])}**`)],
  ];
  parts.push(
    [
      `| | ${metrics.map((m) => `\`${escapeCell(m)}\``).join(" | ")} |`,
      `| --- | ${metrics.map(() => "---:").join(" | ")} |`,
      ...rows.map((r) => `| ${r.join(" | ")} |`),
    ].join("\n"),
  );
  const ranks = metrics.flatMap((m) => {
    const goal = input.specs?.[m]?.goal;
    const pr = input.candidate[m] as number;
    const others = input.versions.map((p) => p.metrics[m]).filter((x): x is number => x !== undefined);
    if ((goal !== "maximize" && goal !== "minimize") || others.length === 0) return [];
    const better = others.filter((x) => (goal === "maximize" ? x > pr : x < pr)).length;
    return [`\`${m}\` ${ordinal(better + 1)} of ${others.length + 1}`];
  });
  if (ranks.length > 0)
    parts.push(
      `This PR ranks ${ranks.join(", ")} among the registered versions shown (by each metric's goal).`,
    );
  const counts = [
    ...(input.versions.length > 0
      ? [`${input.versions.length} registered version${input.versions.length === 1 ? "" : "s"}`]
      : []),
    ...(input.baseRuns?.length
      ? [`${input.baseRuns.length} base-branch run${input.baseRuns.length === 1 ? "" : "s"}`]
      : []),
  ];
  return {
    title: `Metric trend (${counts.join(", ")})`,
    markdown: parts.join("\n\n"),
  };
}
