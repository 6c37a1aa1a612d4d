/** API-call counts from the emulator's request log, split by who made them. */
import type { RequestLogEntry } from "@mlops/github-emulator";

export const DEMO_LOGIN = "demo-maintainer";

export interface ApiCalls {
  /** GitHub REST calls made by the workflows' actions. */
  workflowRest: number;
  /** Calls to the Actions artifact runtime (twirp + blob storage). */
  artifactRuntime: number;
  /** The runner's own bookkeeping (emulator-only routes registering runs and jobs). */
  runner: number;
  /** The demo's setup, outcome checks and page rendering. */
  demo: number;
  total: number;
}

/**
 * Counts `entries`; `demoRequests` (`METHOD /path?query`, as sent by the demo's client) are matched one
 * for one against the log, so the split does not depend on the identity the emulator recorded.
 */
export function countApiCalls(
  entries: readonly RequestLogEntry[],
  demoRequests: readonly string[] = [],
): ApiCalls {
  const calls: ApiCalls = { workflowRest: 0, artifactRuntime: 0, runner: 0, demo: 0, total: 0 };
  const demo = new Map<string, number>();
  for (const key of demoRequests) demo.set(key, (demo.get(key) ?? 0) + 1);
  for (const entry of entries) {
    calls.total++;
    const path = entry.path;
    const key = `${entry.method} ${path}`;
    const pending = demo.get(key) ?? 0;
    if (pending > 0) {
      demo.set(key, pending - 1);
      calls.demo++;
    } else if (entry.login === DEMO_LOGIN) calls.demo++;
    else if (path.startsWith("/twirp/") || path.startsWith("/_blob/")) calls.artifactRuntime++;
    else if (path.startsWith("/_emulator/")) calls.runner++;
    else calls.workflowRest++;
  }
  return calls;
}

export function addApiCalls(a: ApiCalls, b: ApiCalls): ApiCalls {
  return {
    workflowRest: a.workflowRest + b.workflowRest,
    artifactRuntime: a.artifactRuntime + b.artifactRuntime,
    runner: a.runner + b.runner,
    demo: a.demo + b.demo,
    total: a.total + b.total,
  };
}

export function formatApiCalls(calls: ApiCalls): string {
  return `${calls.total} API calls (workflows: ${calls.workflowRest} REST + ${calls.artifactRuntime} artifact runtime + ${calls.runner} runner; demo checks: ${calls.demo})`;
}
