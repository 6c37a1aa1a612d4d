import { describeError, InputError } from "../errors.js";
import { fitLabels, PALETTE, type Series, shortNumber, xyChart } from "../format/mermaid.js";
import { parseCsvText } from "../input/csv.js";
import { stripBom } from "../input/text.js";
import { escapeCell } from "../report/table.js";
import type { PlotSection } from "./render.js";

/** A `plots:` entry of mlops.yml (DVC-style): a path or glob, or a data file with its axes. */
export type PlotDeclaration = string | { path: string; title?: string; x?: string; y?: string | string[] };

export const IMAGE_EXTENSIONS = [".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp"];
/** Most points a converted chart draws (every n-th point beyond, the last kept). */
export const MAX_CHART_POINTS = 50;

export type PlotFileKind = "image" | "vega-lite" | "data" | "unsupported";

/** What a declared plot file is, by its name (and, for JSON, its `$schema`). */
export function plotFileKind(path: string, text?: string): PlotFileKind {
  const lower = path.toLowerCase();
  if (IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext))) return "image";
  if (lower.endsWith(".vl.json") || lower.endsWith(".vega.json")) return "vega-lite";
  if (lower.endsWith(".json") && text !== undefined && /"\$schema"\s*:\s*"[^"]*vega-lite/.test(text))
    return "vega-lite";
  if (lower.endsWith(".csv") || lower.endsWith(".json") || lower.endsWith(".tsv")) return "data";
  return "unsupported";
}

/** Every n-th of `n` indices so at most {@link MAX_CHART_POINTS} remain, the last always kept. */
function thin(n: number): number[] {
  if (n <= MAX_CHART_POINTS) return Array.from({ length: n }, (_, i) => i);
  const step = (n - 1) / (MAX_CHART_POINTS - 1);
  return [...new Set(Array.from({ length: MAX_CHART_POINTS }, (_, i) => Math.round(i * step)))];
}

const label = (v: unknown) => (typeof v === "number" ? shortNumber(v, 3) : String(v));

/**
 * The x axis of a user chart: the values as labels when they fit; numbers evenly spaced (epochs, steps —
 * thinned rows stay within 1 % of even) as a numeric axis, whose ticks Mermaid spaces itself; otherwise
 * labels cut or numbered by {@link fitLabels}.
 */
function xAxis(values: unknown[]): { x: string[] | { min: number; max: number }; title?: string } {
  const fit = fitLabels(values.map(label), "point");
  if (!fit.title && fit.labels.every((l, i) => l === label(values[i]))) return { x: fit.labels };
  const nums = values.map((v) => (typeof v === "string" && v.trim() === "" ? Number.NaN : Number(v)));
  const first = nums[0] as number;
  const last = nums[nums.length - 1] as number;
  const even =
    nums.length > 2 &&
    nums.every(Number.isFinite) &&
    last > first &&
    nums.every(
      (v, i) => Math.abs(v - (first + ((last - first) * i) / (nums.length - 1))) <= 0.01 * (last - first),
    );
  if (even) return { x: { min: first, max: last } };
  return fit.title ? { x: fit.labels, title: fit.title } : { x: fit.labels };
}

/** Rows (objects) as a line chart of `ys` over `x`. */
function rowsChart(
  rows: Record<string, unknown>[],
  x: string,
  ys: string[],
  title: string,
  kind: "line" | "bar",
): { markdown: string } | { unsupported: string } {
  if (rows.length === 0) return { unsupported: "no data rows" };
  for (const field of [x, ...ys])
    if (!rows.some((r) => field in r)) return { unsupported: `no field "${field}"` };
  const bad = ys.find((y) => rows.some((r) => !Number.isFinite(Number(r[y]))));
  if (bad) return { unsupported: `field "${bad}" is not numeric in every row` };
  if (ys.length > PALETTE.length) return { unsupported: `${ys.length} series (at most ${PALETTE.length})` };
  const keep = thin(rows.length);
  const series: Series[] = ys.map((y) => ({
    kind,
    name: y,
    values: keep.map((i) => Number((rows[i] as Record<string, unknown>)[y])),
  }));
  const note =
    keep.length < rows.length
      ? `\n\n_${keep.length} of ${rows.length} points drawn (every n-th, the last kept)._`
      : "";
  const axis = xAxis(keep.map((i) => (rows[i] as Record<string, unknown>)[x]));
  return {
    markdown: `${xyChart({ title, x: axis.x, xTitle: axis.title ? `${x}: ${axis.title}` : x, yTitle: ys.length === 1 ? (ys[0] as string) : "value", series })}${note}`,
  };
}

/**
 * A Vega-Lite spec as a Mermaid chart, for the simple cases: mark `line` or `bar`, inline `data.values`,
 * `encoding.x.field` and a quantitative `encoding.y.field`, optionally `encoding.color.field` splitting the
 * rows into one series per value. Anything else (data by URL, transforms, layers, facets, other marks) is
 * `unsupported`, with the reason.
 */
export function vegaLiteChart(
  spec: unknown,
  fallbackTitle: string,
): { markdown: string } | { unsupported: string } {
  if (typeof spec !== "object" || spec === null) return { unsupported: "not a JSON object" };
  const s = spec as Record<string, unknown>;
  for (const key of ["layer", "hconcat", "vconcat", "concat", "facet", "repeat", "transform"])
    if (key in s) return { unsupported: `\`${key}\` is not converted` };
  const mark = typeof s.mark === "string" ? s.mark : (s.mark as { type?: unknown } | undefined)?.type;
  if (mark !== "line" && mark !== "bar")
    return { unsupported: `mark "${String(mark)}" (only line and bar are converted)` };
  const values = (s.data as { values?: unknown } | undefined)?.values;
  if (!Array.isArray(values))
    return { unsupported: "data is not inline `data.values` (a `url` is not read)" };
  const enc = (s.encoding ?? {}) as Record<string, { field?: unknown } | undefined>;
  const x = enc.x?.field;
  const y = enc.y?.field;
  if (typeof x !== "string" || typeof y !== "string")
    return { unsupported: "encoding.x.field and encoding.y.field are required" };
  const title =
    typeof s.title === "string"
      ? s.title
      : (((s.title as { text?: unknown } | undefined)?.text as string | undefined) ?? fallbackTitle);
  const rows = values as Record<string, unknown>[];
  const color = enc.color?.field;
  if (typeof color !== "string") return rowsChart(rows, x, [y], title, mark);
  // One series per colour value, over the x values in order of appearance.
  const xs = [...new Set(rows.map((r) => String(r[x])))];
  const groups = [...new Set(rows.map((r) => String(r[color])))];
  const wide = xs.map((xv) => {
    const row: Record<string, unknown> = { [x]: rows.find((r) => String(r[x]) === xv)?.[x] };
    for (const g of groups) row[g] = rows.find((r) => String(r[x]) === xv && String(r[color]) === g)?.[y];
    return row;
  });
  return rowsChart(wide, x, groups, title, mark);
}

/** Rows of a CSV (header row) or a JSON data file (an array of objects, or `{ "<name>": [ … ] }` as DVC writes). */
export function dataRows(path: string, text: string): Record<string, unknown>[] | undefined {
  if (path.toLowerCase().endsWith(".json")) {
    try {
      const data = JSON.parse(text) as unknown;
      if (Array.isArray(data)) return data as Record<string, unknown>[];
      const arrays = Object.values(data as Record<string, unknown>).filter(Array.isArray);
      return arrays.length === 1 ? (arrays[0] as Record<string, unknown>[]) : undefined;
    } catch {
      return undefined;
    }
  }
  const { header, rows } = parseCsvText(text, path, { what: "plot data" });
  return rows.map(({ cells }) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""])));
}

/** A DVC-style data plot (`{ path, x, y }`): `y` columns as lines over `x` (default: the first column, and every other numeric one). */
export function dataChart(
  path: string,
  text: string,
  options: { title?: string; x?: string; y?: string | string[] },
): { markdown: string } | { unsupported: string } {
  let rows: Record<string, unknown>[] | undefined;
  try {
    rows = dataRows(path, stripBom(text));
  } catch (error) {
    if (error instanceof InputError) return { unsupported: describeError(error) };
    throw error;
  }
  if (!rows) return { unsupported: "not a CSV/TSV file or a JSON array of rows" };
  const fields = Object.keys(rows[0] ?? {});
  const x = options.x ?? fields[0];
  if (!x) return { unsupported: "no columns" };
  const ys =
    options.y === undefined
      ? fields.filter((f) => f !== x && rows.every((r) => Number.isFinite(Number(r[f]))))
      : [options.y].flat();
  if (ys.length === 0) return { unsupported: "no numeric column to draw" };
  return rowsChart(rows, x, ys, options.title ?? path, "line");
}

/** The images of a run, shown from the repository itself, and what could not be shown. */
export function imagesSection(
  images: readonly { path: string; url: string }[],
  notShown: readonly { path: string; reason: string }[],
): PlotSection | undefined {
  if (images.length === 0 && notShown.length === 0) return undefined;
  const parts = images.map(
    (image) => `**${escapeCell(image.path)}**\n\n![${image.path.replace(/[[\]]/g, "")}](${image.url})`,
  );
  if (notShown.length > 0)
    parts.push(`Not shown:\n\n${notShown.map((n) => `- \`${n.path}\`: ${n.reason}`).join("\n")}`);
  return { title: `Images from the training (${images.length})`, markdown: parts.join("\n\n") };
}
