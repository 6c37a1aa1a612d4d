/**
 * `pnpm demo`: starts the emulator, plays the life of an example model through its real workflow files
 * (setup, better PR, worse PR + re-run, merge + release, monitoring, then the insights of that history), checks every stage's outcome over
 * REST, and writes `demo-output/index.html` with what a reviewer would see on GitHub.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type Emulator, type FaultRule, startEmulator } from "@mlops/github-emulator";
import { createRestClient } from "@mlops/local-github";
import { type ApiCalls, addApiCalls, countApiCalls, DEMO_LOGIN, formatApiCalls } from "./api-calls.js";
import type { DemoContext } from "./context.js";
import { type ExampleId, exampleSpec, TOOLKIT_ROOT } from "./examples.js";
import { createDemoLog, type DemoLog, type Verbosity } from "./log.js";
import { writeGitHubView } from "./output.js";
import { insightsStage } from "./stages/insights.js";
import { monitoringStage } from "./stages/monitoring.js";
import { betterPullRequestStage, worsePullRequestStage } from "./stages/pull-requests.js";
import { releaseStage } from "./stages/release.js";
import { setupStage } from "./stages/setup.js";
import type { Stage } from "./stages/stage.js";
import { installToolchainStandIns } from "./toolchain.js";
import { collectView } from "./view-data.js";
import { WorkingCopies } from "./working-copy.js";

export const STAGES: Stage[] = [
  setupStage,
  betterPullRequestStage,
  worsePullRequestStage,
  releaseStage,
  monitoringStage,
  insightsStage,
];

export interface DemoOptions {
  example?: ExampleId;
  verbosity?: Verbosity;
  /** Where `index.html` (and the emulator state, under `state/`) go; default `demo-output` in the toolkit. */
  outDir?: string;
  toolkitRoot?: string;
  /** Play only these stages (ids of `STAGES`); default: all. */
  only?: string[];
  write?: (line: string) => void;
  /** Fault rules for the emulator (the chaos harness), and the seed of their generator (default 1). */
  faults?: FaultRule[];
  seed?: number;
  /** Write `index.html` (default true). */
  page?: boolean;
  /** Called after the last stage, before the emulator closes: reads the emulator's final state. */
  inspect?: (ctx: DemoContext, outcomes: StageOutcome[]) => Promise<void>;
}

export interface StageOutcome {
  id: string;
  title: string;
  status: "passed" | "failed" | "skipped";
  /** The stage's result line, or why it failed or was skipped. */
  detail: string;
  seconds: number;
  apiCalls: ApiCalls;
}

export interface DemoResult {
  ok: boolean;
  stages: StageOutcome[];
  page: string | undefined;
  seconds: number;
  apiCalls: ApiCalls;
  /** Requests the emulator answered with an injected fault. */
  faults: number;
  /** OpenAPI violations in the emulator's responses. */
  violations: number;
}

async function playStage(
  ctx: DemoContext,
  stage: Stage,
  outcomes: StageOutcome[],
  selected: boolean,
): Promise<StageOutcome> {
  const started = Date.now();
  const logStart = ctx.emulator.requestLog.length;
  const sentStart = ctx.rest.sent.length;
  const blocked = stage.needs.filter((need) => outcomes.find((o) => o.id === need)?.status !== "passed");
  let status: StageOutcome["status"] = "passed";
  let detail: string;
  if (!selected) {
    status = "skipped";
    detail = "skipped: not selected";
    ctx.log.skip(detail);
  } else if (blocked.length > 0) {
    status = "skipped";
    detail = `skipped: needs ${blocked.join(", ")}, which did not pass`;
    ctx.log.skip(detail);
  } else {
    ctx.stage = stage.id;
    try {
      detail = await stage.run(ctx);
      ctx.log.ok(detail);
    } catch (error) {
      status = "failed";
      detail = error instanceof Error ? error.message : String(error);
      ctx.log.fail(`FAILED ${detail}`);
    }
  }
  const apiCalls = countApiCalls(ctx.emulator.requestLog.slice(logStart), ctx.rest.sent.slice(sentStart));
  const seconds = (Date.now() - started) / 1000;
  if (status !== "skipped") ctx.log.step(`${formatApiCalls(apiCalls)} in ${seconds.toFixed(1)} s`);
  return { id: stage.id, title: stage.title, status, detail, seconds, apiCalls };
}

function summarize(log: DemoLog, result: Omit<DemoResult, "page">): void {
  log.summary("\n━━ summary");
  for (const [index, stage] of result.stages.entries()) {
    const mark = stage.status === "passed" ? "✔" : stage.status === "skipped" ? "−" : "✘";
    log.summary(
      `${mark} ${index}/${result.stages.length - 1} ${stage.id.padEnd(11)} ${stage.status.padEnd(7)} ${stage.seconds.toFixed(1).padStart(6)} s  ${String(stage.apiCalls.total).padStart(4)} calls`,
    );
  }
  log.summary(`total: ${result.seconds.toFixed(1)} s wall, ${formatApiCalls(result.apiCalls)}`);
  if (result.violations > 0)
    log.summary(`✘ ${result.violations} emulator responses violated GitHub's OpenAPI description`);
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const toolkitRoot = options.toolkitRoot ?? TOOLKIT_ROOT;
  const example = exampleSpec(options.example ?? "node", toolkitRoot);
  const outDir = options.outDir ?? join(toolkitRoot, "demo-output");
  const log = createDemoLog(options.verbosity ?? "normal", options.write);
  const stateDir = join(outDir, "state");
  rmSync(stateDir, { recursive: true, force: true });

  let emulator: Emulator | undefined;
  const copies = new WorkingCopies(example.dir, toolkitRoot);
  const scratch = mkdtempSync(join(tmpdir(), "mlops-demo-bin-"));
  try {
    emulator = await startEmulator({
      stateDir,
      validateResponses: true,
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    const token = emulator.createToken(
      {
        contents: "write",
        issues: "write",
        pull_requests: "write",
        checks: "write",
        statuses: "write",
        deployments: "write",
        actions: "write",
      },
      DEMO_LOGIN,
    );
    const rest = createRestClient(emulator.url, token, example.repository);
    log.summary(
      `mlops-actions demo: examples/${example.model} as ${example.repository} in the emulator at ${emulator.url} (state: ${relative(process.cwd(), stateDir) || stateDir})`,
    );
    const ctx: DemoContext = {
      example,
      emulator,
      rest,
      copies,
      log,
      toolkitRoot,
      env: installToolchainStandIns(scratch),
      state: {},
      runs: [],
      stage: "",
    };
    const outcomes: StageOutcome[] = [];
    for (const [index, stage] of STAGES.entries()) {
      log.stage(index, STAGES.length - 1, stage.title);
      const selected = options.only === undefined || options.only.includes(stage.id);
      outcomes.push(await playStage(ctx, stage, outcomes, selected));
    }
    const apiCalls = outcomes.map((o) => o.apiCalls).reduce(addApiCalls);
    const summary = {
      ok:
        outcomes.every((o) => o.status === "passed" || o.detail === "skipped: not selected") &&
        emulator.violations.length === 0,
      stages: outcomes,
      seconds: (Date.now() - started) / 1000,
      apiCalls,
      faults: emulator.requestLog.filter((entry) => entry.fault !== undefined).length,
      violations: emulator.violations.length,
    };
    summarize(log, summary);
    await options.inspect?.(ctx, outcomes);
    if (options.page === false) return { ...summary, page: undefined };
    const view = await collectView(rest, {
      model: example.model,
      log: log.lines,
      stages: outcomes.map((o) => ({ title: o.title, status: o.status, detail: o.detail })),
    });
    const page = writeGitHubView(view, outDir);
    log.summary(`wrote ${relative(process.cwd(), page) || page}`);
    return { ...summary, page };
  } finally {
    await emulator?.close();
    copies.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}
