/**
 * The whole life under transient faults (issue 12, "Faults across the whole life"): the demo's stages
 * (PR check → worse PR + re-run → merge → release → staging → approved production → monitoring ×2) played
 * through the runner and the bundled actions while the emulator injects seeded 5xx, 429, secondary rate
 * limits and resets mid-body into a share of the workflows' requests — REST and the artifact runtime
 * (`/twirp`, `/_blob`) alike. The maintainer's own calls (setup, merge, approval, the checks below) are
 * exempt: they stand for clicks in GitHub's UI.
 *
 * After the life, the final state is checked for what a retried write must never leave behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FaultRule } from "@mlops/github-emulator";
import { DEMO_LOGIN } from "./api-calls.js";
import type { DemoContext } from "./context.js";
import { type DemoOptions, runDemo, type StageOutcome } from "./demo.js";
import {
  type CheckRun,
  type Comment,
  checkRuns,
  issueComments,
  issues,
  modelRefs,
} from "./stages/queries.js";

/** The transient faults of a life: each kind equally likely, `rate` the share of requests hit by any. */
export function chaosFaults(rate: number, surface?: FaultRule["surface"]): FaultRule[] {
  const kinds: Array<Pick<FaultRule, "kind" | "status">> = [
    { kind: "5xx", status: 502 },
    { kind: "5xx", status: 500 },
    { kind: "429" },
    { kind: "secondary-rate-limit" },
    { kind: "reset-mid-body" },
  ];
  // Rules are drawn one after another: P(no fault) = (1 - each)^kinds = 1 - rate.
  const each = 1 - (1 - rate) ** (1 / kinds.length);
  return kinds.map((kind) => ({
    ...kind,
    rate: each,
    exceptLogins: [DEMO_LOGIN],
    ...(surface ? { surface } : {}),
  }));
}

export interface ChaosLife {
  seed: number;
  rate: number;
  /** Every stage passed. */
  ok: boolean;
  seconds: number;
  /** Requests answered with an injected fault. */
  faults: number;
  /** Of those, requests to the artifact runtime (`/twirp`, `/_blob`). */
  runtimeFaults: number;
  stages: Array<Pick<StageOutcome, "id" | "status" | "detail">>;
  /** Why the life failed: each failed stage, with the error lines of its failed jobs. */
  failures: string[];
  /** Failed jobs that said nothing about what failed (no `::error::` line). */
  unexplained: string[];
  /** Broken invariants: duplicates a retried write left behind, aliases elsewhere than the run says. */
  violations: string[];
}

export interface ChaosOptions {
  seed: number;
  rate: number;
  /** Faults on the REST API only, or the artifact runtime only (default: both). */
  surface?: FaultRule["surface"];
  example?: DemoOptions["example"];
  toolkitRoot?: string;
  write?: (line: string) => void;
  /** Also stream every line the workflows print. */
  verbose?: boolean;
}

/** Plays one life under faults and checks the invariants on the emulator's final state. */
export async function runChaosLife(options: ChaosOptions): Promise<ChaosLife> {
  const outDir = mkdtempSync(join(tmpdir(), "mlops-chaos-"));
  let violations: string[] = ["the life ended before its state could be checked"];
  let failures: string[] = [];
  let unexplained: string[] = [];
  let runtimeFaults = 0;
  try {
    const result = await runDemo({
      ...(options.example ? { example: options.example } : {}),
      ...(options.toolkitRoot ? { toolkitRoot: options.toolkitRoot } : {}),
      verbosity: options.verbose ? "verbose" : options.write ? "normal" : "quiet",
      write: options.write ?? (() => {}),
      outDir,
      page: false,
      faults: chaosFaults(options.rate, options.surface),
      seed: options.seed,
      inspect: async (ctx, outcomes) => {
        violations = await checkInvariants(ctx);
        runtimeFaults = ctx.emulator.requestLog.filter(
          (entry) => entry.fault !== undefined && /^\/(twirp|_blob)\//.test(entry.path),
        ).length;
        ({ failures, unexplained } = explainFailures(ctx, outcomes));
      },
    });
    return {
      seed: options.seed,
      rate: options.rate,
      ok: result.stages.every((stage) => stage.status === "passed"),
      seconds: result.seconds,
      faults: result.faults,
      runtimeFaults,
      stages: result.stages.map(({ id, status, detail }) => ({ id, status, detail })),
      failures,
      unexplained,
      violations,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Failed stages with the error lines of the jobs that failed in them. */
export function explainFailures(
  ctx: DemoContext,
  outcomes: StageOutcome[],
): { failures: string[]; unexplained: string[] } {
  const failures: string[] = [];
  const unexplained: string[] = [];
  for (const outcome of outcomes.filter((o) => o.status === "failed")) {
    const jobs = ctx.runs
      .filter((run) => run.stage === outcome.id)
      .flatMap((run) => run.result.jobs.filter((job) => job.conclusion === "failure"));
    const errors = jobs.flatMap((job) =>
      job.annotations.filter((a) => a.level === "error").map((a) => `${job.name}: ${firstLine(a.message)}`),
    );
    failures.push(`${outcome.id}: ${outcome.detail}${errors.length > 0 ? ` — ${errors.join(" | ")}` : ""}`);
    // The runner's own "Process completed with exit code N" names no cause: a job with nothing else is unexplained.
    for (const job of jobs)
      if (!job.annotations.some((a) => a.level === "error" && !EXIT_LINE.test(a.message)))
        unexplained.push(`${outcome.id}: job ${job.name} failed without saying why`);
  }
  return { failures, unexplained };
}

const EXIT_LINE = /^Process completed with exit code \d+\.?$/;

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

/**
 * What a retried write must never leave, read over REST as a reviewer would:
 * - one check run per gate (head SHA + check name),
 * - one comment per pull request (the sticky comment), one monitoring issue,
 * - one version (tag) per registration (idempotency key in the tag message), one release per version tag,
 * - one `repository_dispatch` per event (type + payload),
 * - aliases where the run's outputs say: `@latest` on the registered version, `@<environment>` on the
 *   version each successful deploy job reports.
 */
export async function checkInvariants(
  ctx: Pick<DemoContext, "rest" | "example" | "runs">,
): Promise<string[]> {
  const { rest, example } = ctx;
  const violations: string[] = [];
  const model = example.model;

  const runs = await rest.list<{ head_sha: string }>(rest.repo("/actions/runs"), "workflow_runs");
  for (const sha of new Set(runs.map((run) => run.head_sha))) {
    // A run's head SHA that is no commit of the repository (the runner's stand-in SHA of a schedule run) has no checks.
    const onSha = await checkRuns(rest, sha).catch((error: unknown) => {
      if ((error as { status?: number }).status === 422) return [];
      throw error;
    });
    const counts = countBy(onSha, (run: CheckRun) => run.name);
    for (const [name, count] of counts)
      if (count > 1) violations.push(`${count} check runs "${name}" on ${sha.slice(0, 7)}`);
  }

  const all = await rest.list<{ number: number; pull_request?: unknown }>(rest.repo("/issues?state=all"));
  for (const pull of all.filter((issue) => issue.pull_request !== undefined)) {
    const comments: Comment[] = await issueComments(rest, pull.number);
    if (comments.length > 1) violations.push(`${comments.length} comments on PR #${pull.number}`);
  }
  const opened = await issues(rest);
  for (const label of ["mlops-monitoring", "mlops-insights"]) {
    const kept = opened.filter((issue) => issue.labels.some((l) => l.name === label));
    if (kept.length > 1) violations.push(`${kept.length} ${label} issues`);
  }

  const refs = await modelRefs(rest, model);
  const versionsByKey = new Map<string, string[]>();
  for (const [version, sha] of refs.versions) {
    const tag = await rest
      .get<{ message: string }>(rest.repo(`/git/tags/${sha}`))
      .catch(() => ({ message: "" }));
    const key = /^mlops-idempotency-key: (.+)$/m.exec(tag.message)?.[1]?.trim() ?? `(no key: v${version})`;
    versionsByKey.set(key, [...(versionsByKey.get(key) ?? []), version]);
  }
  for (const [key, versions] of versionsByKey)
    if (versions.length > 1)
      violations.push(`versions ${versions.map((v) => `v${v}`).join(", ")} for one registration ${key}`);
  const releases = await rest.list<{ tag_name: string }>(rest.repo("/releases"));
  for (const [tag, count] of countBy(releases, (r) => r.tag_name))
    if (count > 1) violations.push(`${count} releases for the tag ${tag}`);

  const dispatches = await rest.get<{ event_type: string; client_payload: unknown }[]>(
    `/_emulator/repos/${rest.repository}/dispatches`,
  );
  for (const [key, count] of countBy(
    dispatches,
    (d) => `${d.event_type} ${JSON.stringify(d.client_payload)}`,
  ))
    if (count > 1) violations.push(`${count} repository_dispatch events ${key}`);

  violations.push(...(await checkAliases(ctx, refs)));
  return violations;
}

async function checkAliases(
  ctx: Pick<DemoContext, "example" | "runs">,
  refs: Awaited<ReturnType<typeof modelRefs>>,
): Promise<string[]> {
  const violations: string[] = [];
  const expect = (alias: string, version: string, job: string) => {
    const at = refs.aliases.get(alias);
    const want = refs.versions.get(version);
    if (want === undefined) violations.push(`${job} reports v${version}, which has no tag`);
    else if (at !== want)
      violations.push(`@${alias} points at ${at?.slice(0, 7) ?? "nothing"}, but ${job} reports v${version}`);
  };
  for (const run of ctx.runs.filter((r) => r.workflow === ctx.example.workflows.release)) {
    for (const job of run.result.jobs.filter((j) => j.conclusion === "success")) {
      if (/register$/.test(job.id) && job.outputs.version)
        expect("latest", job.outputs.version, `job ${job.name}`);
      const deployed = job.steps.find((step) => step.outputs["deployment-id"])?.outputs.version;
      if (job.environment && deployed) expect(job.environment, deployed, `job ${job.name}`);
    }
  }
  return violations;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** One line per life, for logs and the bench table. */
export function describeLife(life: ChaosLife): string {
  const mark = life.ok && life.violations.length === 0 ? "✔" : "✘";
  const parts = [
    `${mark} seed ${life.seed} at ${Math.round(life.rate * 100)} %: ${life.ok ? "succeeded" : "FAILED"}`,
    `${life.faults} faults injected (${life.runtimeFaults} on the artifact runtime)`,
    `${life.seconds.toFixed(0)} s`,
  ];
  if (life.violations.length > 0) parts.push(`violations: ${life.violations.join("; ")}`);
  if (life.failures.length > 0) parts.push(`failures: ${life.failures.join("; ")}`);
  if (life.unexplained.length > 0) parts.push(`unexplained: ${life.unexplained.join("; ")}`);
  return parts.join(" — ");
}
