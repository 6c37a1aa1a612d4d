import type { Goal, MetricSpec, MetricValues, Tolerance } from "../types.js";

export type Verdict = "improved" | "regressed" | "unchanged" | "changed" | "added" | "removed";

export interface MetricDiff {
  name: string;
  base: number | null;
  head: number | null;
  /** head − base. */
  delta: number | null;
  /** (head − base) / |base|; null when base is 0 or missing. */
  relative: number | null;
  verdict: Verdict;
  goal?: Goal;
}

function withinTolerance(delta: number, base: number, tolerance: Tolerance | undefined): boolean {
  if (delta === 0) return true;
  if (!tolerance) return false;
  if ("absolute" in tolerance) return Math.abs(delta) <= tolerance.absolute;
  return Math.abs(delta) <= tolerance.relative * Math.abs(base);
}

/**
 * Base vs head per metric. The verdict knows the goal: for `maximize` a rise is `improved`, for
 * `minimize` a fall is; a change within the tolerance is `unchanged`. A metric without a goal that
 * moved beyond its tolerance is `changed` (neither better nor worse). Sorted by name.
 */
export function diffMetrics(
  base: MetricValues | undefined,
  head: MetricValues,
  specs: Record<string, MetricSpec> = {},
): MetricDiff[] {
  const names = [...new Set([...Object.keys(base ?? {}), ...Object.keys(head)])].sort();
  return names.map((name) => {
    const spec = specs[name];
    const b = base?.[name];
    const h = head[name];
    const goal = spec?.goal;
    const extra = goal ? { goal } : {};
    if (b === undefined)
      return { name, base: null, head: h ?? null, delta: null, relative: null, verdict: "added", ...extra };
    if (h === undefined)
      return { name, base: b, head: null, delta: null, relative: null, verdict: "removed", ...extra };
    const delta = h - b;
    const relative = b === 0 ? null : delta / Math.abs(b);
    let verdict: Verdict;
    if (withinTolerance(delta, b, spec?.tolerance)) verdict = "unchanged";
    else if (!goal) verdict = "changed";
    else verdict = delta > 0 === (goal === "maximize") ? "improved" : "regressed";
    return { name, base: b, head: h, delta, relative, verdict, ...extra };
  });
}
