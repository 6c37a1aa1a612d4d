/**
 * Mermaid charts for Markdown that GitHub renders (```mermaid fences), drawn by GitHub itself.
 *
 * One module for every chart the project writes (monitoring issue, PR comment plots, sweep charts):
 *
 * - {@link xyChart}: an `xychart-beta` block (bars and/or lines, title, axis titles, y range) headed by
 *   {@link MERMAID_INIT}, a `%%{init}%%` directive with the `base` theme and a high-contrast palette
 *   (`themeVariables.xyChart.plotColorPalette`, https://mermaid.js.org/syntax/xyChart.html#chart-theme-variables),
 *   and followed by a {@link legendLine} (xychart draws no legend in the Mermaid versions GitHub runs).
 * - Label helpers: {@link shortNumber} (2–3 significant digits), {@link mermaidText} (safe quoting; Mermaid
 *   shows a literal `<` as `&lt;`, so `<`/`>`/`"` go through Mermaid's entity codes, `<=`/`>=` become `≤`/`≥`),
 *   {@link uniqueLabels} (a category axis merges equal labels into one point, so duplicates get a suffix),
 *   {@link binLabels} (short histogram bin labels).
 *
 * Only `xychart-beta` syntax that Mermaid 10.6+ accepts is written (GitHub's version is not pinned: a
 * ```` ```mermaid ```` block holding `info` shows it).
 */
import { formatNumber } from "./number.js";

/**
 * Series colours, in plot order (Mermaid colours the n-th `bar`/`line` with the n-th palette entry, bars and
 * lines counted together in the order they are written). GitHub's Primer colours: each has ≥ 4.5:1 contrast
 * on white, and each matches an emoji square for the legend.
 */
export const PALETTE = [
  { color: "#0969DA", square: "🟦", name: "blue" },
  { color: "#BC4C00", square: "🟧", name: "orange" },
  { color: "#1A7F37", square: "🟩", name: "green" },
  { color: "#CF222E", square: "🟥", name: "red" },
  { color: "#8250DF", square: "🟪", name: "purple" },
  { color: "#953800", square: "🟫", name: "brown" },
  { color: "#24292F", square: "⬛", name: "black" },
] as const;

const TEXT = "#1F2328";
/** The chart's width in SVG units (the basis of {@link maxLabelChars}). */
export const CHART_WIDTH = 800;

/**
 * The `%%{init}%%` line heading every chart: `base` theme (the only one whose variables can be set), white
 * background and dark text (readable in GitHub's dark mode too: the chart is a white card), the palette,
 * a 12 px x-axis label font and a chart a little wider than Mermaid's default 700 px (GitHub scales it to
 * the comment width, so labels get more room relative to the plot).
 */
export const MERMAID_INIT = `%%{init: ${JSON.stringify({
  theme: "base",
  themeVariables: {
    background: "#FFFFFF",
    primaryTextColor: TEXT,
    xyChart: {
      backgroundColor: "#FFFFFF",
      titleColor: TEXT,
      xAxisLabelColor: TEXT,
      xAxisTitleColor: TEXT,
      xAxisTickColor: TEXT,
      xAxisLineColor: TEXT,
      yAxisLabelColor: TEXT,
      yAxisTitleColor: TEXT,
      yAxisTickColor: TEXT,
      yAxisLineColor: TEXT,
      plotColorPalette: PALETTE.map((p) => p.color).join(", "),
    },
  },
  xyChart: { width: CHART_WIDTH, height: 400, xAxis: { labelFontSize: 12 }, yAxis: { labelFontSize: 12 } },
})}}%%`;

/**
 * How many characters an x label may have so that `count` labels don't overlap: the plot area is roughly
 * the chart width minus the y axis (~90 units), one band per label, ~7.2 units per character at 12 px
 * (digits and `–` in a sans-serif font), minus a gap. Conservative; the browser test measures the real boxes.
 */
export function maxLabelChars(count: number): number {
  const band = (CHART_WIDTH - 90) / Math.max(1, count);
  return Math.max(1, Math.floor((band - 6) / 7.2));
}

/** `x` rounded to `precision` (default 2) significant digits (`32026` → `32000`), no exponent for ordinary values. */
export function shortNumber(x: number, precision = 2): string {
  return formatNumber(Number.isFinite(x) ? Number(x.toPrecision(precision)) : x, { precision });
}

/**
 * Text for a Mermaid string (title, axis title, category label), quoted. Mermaid draws a literal `<` as the
 * text `&lt;`, and xychart strings cannot hold `"`: those go through Mermaid's entity codes (`#lt;`, `#gt;`,
 * `#quot;`, decoded into the SVG text by every Mermaid version since 9), `<=`/`>=` become `≤`/`≥`, a `#`
 * that would read as an entity code is escaped (`#35;`), and newlines become spaces.
 */
export function mermaidText(s: string): string {
  const text = s
    .replace(/#(\w+;)/g, "#35;$1")
    .replace(/<=/g, "≤")
    .replace(/>=/g, "≥")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/"/g, "#quot;")
    .replace(/[\r\n]+/g, " ");
  return `"${text}"`;
}

/**
 * Labels made unique (a category axis draws equal labels as one point): the second `a` becomes `a (2)`,
 * the third `a (3)`, and so on; a suffixed label that collides with an existing one gets the next number.
 */
export function uniqueLabels(labels: string[]): string[] {
  const taken = new Set<string>();
  const counts = new Map<string, number>();
  return labels.map((label) => {
    if (!taken.has(label)) {
      taken.add(label);
      counts.set(label, 1);
      return label;
    }
    let n = counts.get(label) ?? 1;
    let candidate: string;
    do {
      n += 1;
      candidate = `${label} (${n})`;
    } while (taken.has(candidate));
    counts.set(label, n);
    taken.add(candidate);
    return candidate;
  });
}

/**
 * Numbers as x labels: 2 significant digits, a third (then more, up to 6) only where fewer would write
 * two different values alike — never `120` twice (which {@link uniqueLabels} would have to turn into
 * `120 (2)`). Equal values keep equal labels.
 */
export function numberLabels(values: number[], precision = 2): string[] {
  const distinct = new Set(values).size;
  let p = precision;
  let names = values.map((v) => shortNumber(v, p));
  while (new Set(names).size < distinct && p < 6) {
    p += 1;
    names = values.map((v) => shortNumber(v, p));
  }
  return names;
}

/**
 * Short labels for histogram bins given their inner edges (n edges → n + 1 bins: below the first edge,
 * between edges, from the last edge up): each bin is named by its upper edge, `≤ -1.4`, `≤ 0.019`, …, and
 * the last by its lower edge, `≥ 1.3`. Two significant digits, more only where two would name two bins
 * alike ({@link numberLabels}).
 */
export function binLabels(edges: number[]): string[] {
  if (edges.length === 0) return ["all"];
  const names = numberLabels(edges);
  return uniqueLabels([...names.map((n) => `≤ ${n}`), `≥ ${names[names.length - 1]}`]);
}

export function fitLabels(
  labels: string[],
  what = "point",
): { labels: string[]; title?: string; key?: string } {
  const limit = maxLabelChars(labels.length);
  const chars = (l: string) => [...l];
  const unique = uniqueLabels(labels);
  if (Math.max(0, ...unique.map((l) => chars(l).length)) <= limit) return { labels: unique };
  if (limit >= 4) {
    const head = Math.ceil((limit - 1) / 2);
    const cuts = [
      (l: string) =>
        `${chars(l)
          .slice(0, limit - 1)
          .join("")}…`,
      (l: string) =>
        `${chars(l).slice(0, head).join("")}…${chars(l)
          .slice(-(limit - 1 - head))
          .join("")}`,
    ];
    for (const cut of cuts) {
      const cutLabels = unique.map((l) => (chars(l).length <= limit ? l : cut(l)));
      if (new Set(cutLabels).size === cutLabels.length) return { labels: cutLabels };
    }
  }
  return {
    labels: unique.map((_, i) => String(i + 1)),
    title: `${what} 1–${unique.length} (1 = ${unique[0]}, ${unique.length} = ${unique.at(-1)})`,
    key: unique.map((l, i) => `${i + 1} = \`${l.replace(/`/g, "'")}\``).join(" · "),
  };
}

const TIME = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?/;

/**
 * x labels for points in time (ISO timestamps, UTC): the shortest form that names every point apart and
 * fits the axis — `12-07`, `12-07 09:15`, `12-07 09:15:42` — else run numbers `1`…`n` (two runs in the same
 * minute stay two points). `title` names the span (and the numbering), for the x-axis title.
 */
export function timeLabels(times: string[], what = "run"): { labels: string[]; title: string } {
  const parsed = times.map((t) => TIME.exec(t));
  if (parsed.some((m) => !m)) {
    const fit = fitLabels(times, what);
    return { labels: fit.labels, title: fit.title ?? what };
  }
  const parts = parsed as RegExpExecArray[];
  const day = (m: RegExpExecArray) => `${m[2]}-${m[3]}`;
  const minute = (m: RegExpExecArray) => `${day(m)} ${m[4]}:${m[5]}`;
  const second = (m: RegExpExecArray) => `${minute(m)}${m[6] ? `:${m[6]}` : ""}`;
  const full = (m: RegExpExecArray) => `${m[1]}-${second(m)}`;
  const span = `UTC, ${full(parts[0] as RegExpExecArray)} → ${full(parts.at(-1) as RegExpExecArray)}`;
  const limit = maxLabelChars(parts.length);
  for (const form of [day, minute, second]) {
    const labels = parts.map(form);
    if (new Set(labels).size === labels.length && Math.max(...labels.map((l) => l.length)) <= limit)
      return { labels, title: span };
  }
  const labels = uniqueLabels(parts.map(second));
  if (Math.max(...labels.map((l) => [...l].length)) <= limit) return { labels, title: span };
  return { labels: parts.map((_, i) => String(i + 1)), title: `${what} 1–${parts.length}, ${span}` };
}

export interface Series {
  kind: "bar" | "line";
  /** Shown in the legend line, with the palette square of this series. */
  name: string;
  values: number[];
}

/** `1`, `2`, … `n` that would not fit one band each (more than ~50 points). */
function tooDenseNumbering(labels: string[]): boolean {
  return (
    labels.every((l, i) => l === String(i + 1)) && String(labels.length).length > maxLabelChars(labels.length)
  );
}

/** A numeric x axis from `min` to `max`: Mermaid spreads each series' values evenly over it. */
export interface NumericAxis {
  min: number;
  max: number;
}

export interface XyChartSpec {
  title: string;
  /**
   * Category labels, one per value, made unique (keep them short, see {@link maxLabelChars}); or a numeric
   * range, for series sampled on an even grid (e.g. a ROC curve at false-positive rates 0, 0.025, …, 1):
   * Mermaid then draws tick labels itself, so many points never crowd the axis.
   */
  x: string[] | NumericAxis;
  xTitle?: string;
  yTitle: string;
  /** y range; default from min(0, smallest value) to a round number ≥ 110 % of the largest value. */
  y?: { min: number; max: number };
  series: Series[];
}

/** A value as Mermaid reads it (plain decimal, 4 significant digits). */
const value = (x: number) => (Number.isFinite(x) ? formatNumber(x, { precision: 4 }) : "0");

/**
 * A fenced ```` ```mermaid ```` `xychart-beta` block followed by its legend line (a Markdown paragraph).
 * Series are drawn in the given order and coloured by {@link PALETTE} in that order. Category labels
 * `1`…`n` (what {@link fitLabels} falls back to) too many for even their digits to fit become a numeric
 * axis from 1 to n, whose tick labels Mermaid spaces itself.
 */
export function xyChart(spec: XyChartSpec): string {
  if (spec.series.length === 0) throw new Error("xyChart: no series");
  if (spec.series.length > PALETTE.length)
    throw new Error(`xyChart: ${spec.series.length} series, at most ${PALETTE.length}`);
  const points = Array.isArray(spec.x) ? spec.x.length : (spec.series[0] as Series).values.length;
  for (const s of spec.series)
    if (s.values.length !== points)
      throw new Error(
        `xyChart: series "${s.name}" has ${s.values.length} values for ${points} ${Array.isArray(spec.x) ? "labels" : "points"}`,
      );
  const all = spec.series.flatMap((s) => s.values).filter(Number.isFinite);
  const y = spec.y ?? { min: Math.min(0, ...all), max: niceMax(Math.max(0, ...all) * 1.1) };
  const x = Array.isArray(spec.x) && tooDenseNumbering(spec.x) ? { min: 1, max: spec.x.length } : spec.x;
  const xs = Array.isArray(x)
    ? `[${uniqueLabels(x).map(mermaidText).join(", ")}]`
    : `${value(x.min)} --> ${value(x.max)}`;
  return [
    "```mermaid",
    MERMAID_INIT,
    "xychart-beta",
    `  title ${mermaidText(spec.title)}`,
    `  x-axis ${spec.xTitle ? `${mermaidText(spec.xTitle)} ` : ""}${xs}`,
    `  y-axis ${mermaidText(spec.yTitle)} ${value(y.min)} --> ${value(y.max > y.min ? y.max : y.min + 1)}`,
    ...spec.series.map((s) => `  ${s.kind} [${s.values.map(value).join(", ")}]`),
    "```",
    "",
    legendLine(spec.series),
  ].join("\n");
}

/** `🟦 reference (bars) · 🟧 current (line)`: the palette square of each series and its name. */
export function legendLine(series: Pick<Series, "kind" | "name">[]): string {
  return series
    .map((s, i) => `${PALETTE[i % PALETTE.length]?.square} ${s.name} (${s.kind === "bar" ? "bars" : "line"})`)
    .join(" · ");
}

/** A round upper bound ≥ x: 1, 2, 2.5 or 5 times a power of ten (0 → 1). */
export function niceMax(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return Number((m * p).toPrecision(12));
  return 10 * p;
}

/**
 * The bodies (without fences) of every ```` ```mermaid ```` block in a Markdown text, in order: fenced code
 * blocks (``` or ~~~, up to 3 spaces of indent) whose info string is `mermaid`; a fence inside another
 * fenced block (an example in a ```` ````markdown ```` block) is not a block of its own.
 */
export function mermaidBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let open: { fence: string; mermaid: boolean; lines: string[] } | undefined;
  for (const line of markdown.split(/\r?\n/)) {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
      if (m) open = { fence: m[1] as string, mermaid: m[2] === "mermaid", lines: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1]?.[0] === open.fence[0] && (close[1]?.length ?? 0) >= open.fence.length) {
      if (open.mermaid) blocks.push(open.lines.join("\n"));
      open = undefined;
    } else open.lines.push(line);
  }
  return blocks;
}
