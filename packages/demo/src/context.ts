/** What every stage works with, and the helpers they share. */
import type { Emulator } from "@mlops/github-emulator";
import type { PullRequestInfo, RestClient } from "@mlops/local-github";
import { runWorkflow, type WorkflowResult } from "@mlops/workflow-runner";
import type { ExampleSpec } from "./examples.js";
import type { DemoLog } from "./log.js";
import { describeJobs } from "./runner.js";
import type { WorkingCopies, WorkingCopy } from "./working-copy.js";

export interface DemoState {
  mainSha?: string;
  baseline?: WorkingCopy;
  better?: { pr: PullRequestInfo; copy: WorkingCopy };
  worse?: { pr: PullRequestInfo; copy: WorkingCopy };
  merged?: { sha: string; copy: WorkingCopy };
}

/** One workflow run the demo played, as the runner reported it. */
export interface PlayedRun {
  /** The stage that played it. */
  stage: string;
  workflow: string;
  event: string;
  result: WorkflowResult;
}

export interface DemoContext {
  example: ExampleSpec;
  emulator: Emulator;
  /** The demo maintainer's client (its calls are counted apart from the workflows'). */
  rest: RestClient;
  copies: WorkingCopies;
  log: DemoLog;
  toolkitRoot: string;
  /** Extra environment for workflow steps (toolchain stand-ins on PATH). */
  env: Record<string, string>;
  state: DemoState;
  /** Every workflow run played so far, in order (the chaos harness checks their outputs). */
  runs: PlayedRun[];
  /** Id of the stage being played. */
  stage: string;
}

/** A stage's outcome check that failed (the stage fails with this message). */
export class DemoCheckFailed extends Error {
  constructor(
    readonly stage: string,
    message: string,
  ) {
    super(message);
    this.name = "DemoCheckFailed";
  }
}

/** Fails the current stage with `message` unless `condition` holds. */
export function check(stage: string, condition: unknown, message: string): asserts condition {
  if (!condition) throw new DemoCheckFailed(stage, message);
}

export interface WorkflowRun {
  workflow: string;
  copy: WorkingCopy;
  event: string;
  payload: Record<string, unknown>;
  rerunOf?: number;
}

/** Runs one of the example's workflow files through the local runner and logs its jobs. */
export async function runExampleWorkflow(ctx: DemoContext, run: WorkflowRun): Promise<WorkflowResult> {
  ctx.log.step(
    `${run.rerunOf ? `re-run of run ${run.rerunOf}` : "run"}: ${run.workflow} on ${run.event} (runner → emulator)`,
  );
  const result = await runWorkflow({
    workflow: run.workflow,
    workspace: run.copy.dir,
    event: run.event,
    payload: run.payload,
    repository: ctx.example.repository,
    apiUrl: ctx.emulator.url,
    toolkitRoot: ctx.toolkitRoot,
    env: ctx.env,
    log: (line) => ctx.log.runner(line),
    approvalPollMs: 100,
    // a review the demo fails to give ends the run within two minutes instead of GitHub's 30 days
    approvalTimeoutMs: 120_000,
    ...(run.rerunOf ? { rerunOf: run.rerunOf } : {}),
  });
  ctx.runs.push({ stage: ctx.stage, workflow: run.workflow, event: run.event, result });
  for (const line of describeJobs(result)) ctx.log.step(line);
  ctx.log.step(`workflow run ${result.runId ?? "?"} attempt ${result.runAttempt ?? 1}: ${result.conclusion}`);
  return result;
}
