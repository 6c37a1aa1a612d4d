/**
 * Runs the example's real workflow files with `runWorkflow` from `@mlops/workflow-runner` (the local
 * runner), against the emulator. The runner is loaded on first use so that a missing runner makes the
 * stage that needs it fail with a clear reason instead of stopping the whole demo.
 */

/** `runWorkflow` options and result, as fixed by the runner's contract. */
export interface RunWorkflowOptions {
  workflow: string;
  workspace: string;
  event: string;
  payload?: object;
  repository?: string;
  apiUrl?: string;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  toolkitRoot?: string;
  rerunOf?: number;
  log?: (line: string) => void;
  env?: Record<string, string>;
}

export interface WorkflowStepResult {
  name: string;
  id?: string;
  conclusion: string;
  outcome: string;
  outputs: Record<string, string>;
}

export interface WorkflowJobResult {
  id: string;
  name: string;
  conclusion: string;
  outputs: Record<string, string>;
  summary: string;
  steps: WorkflowStepResult[];
}

export interface WorkflowResult {
  runId?: number;
  runAttempt?: number;
  conclusion: "success" | "failure" | "cancelled" | "skipped";
  jobs: WorkflowJobResult[];
}

export type RunWorkflow = (options: RunWorkflowOptions) => Promise<WorkflowResult>;

let loaded: Promise<RunWorkflow> | undefined;

/** `runWorkflow` from `@mlops/workflow-runner`, or a rejection naming what is missing. */
export function loadRunWorkflow(): Promise<RunWorkflow> {
  loaded ??= import("@mlops/workflow-runner").then((runner: Record<string, unknown>) => {
    const run = runner.runWorkflow;
    if (typeof run !== "function")
      throw new Error(
        "@mlops/workflow-runner does not export runWorkflow (packages/workflow-runner/src/index.ts)",
      );
    return run as RunWorkflow;
  });
  return loaded;
}

/** One line per job: `✔ train (success)`; failed steps are named. */
export function describeJobs(result: WorkflowResult): string[] {
  return result.jobs.map((job) => {
    const failed = job.steps.filter((s) => s.conclusion === "failure").map((s) => s.name);
    const mark = job.conclusion === "success" ? "✔" : job.conclusion === "skipped" ? "−" : "✘";
    return `${mark} job ${job.name}: ${job.conclusion}${failed.length > 0 ? ` (failed step: ${failed.join(", ")})` : ""}`;
  });
}
