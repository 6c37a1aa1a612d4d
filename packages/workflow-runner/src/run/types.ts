/** Options of {@link runWorkflow}; see the package README. */
export interface RunWorkflowOptions {
  /** Path of the workflow file, relative to `workspace` or absolute. */
  workflow: string;
  /** The repository working copy (the checkout stand-in copies it into a directory per job). */
  workspace: string;
  /** pull_request | push | schedule | workflow_dispatch | workflow_run */
  event: string;
  /** Webhook payload, merged over a generated default. */
  payload?: Record<string, unknown>;
  /** "owner/name" (default: from the payload, else "octo-org/octo-repo"). */
  repository?: string;
  /** Emulator base URL: the run and its jobs are registered there and each job gets its own token. */
  apiUrl?: string;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Where `mlops-actions/mlops-actions/…@ref` uses are mapped (default: this repository's root). */
  toolkitRoot?: string;
  /** Re-run an earlier run: the next attempt of the same run id (needs `apiUrl`). */
  rerunOf?: number;
  /** Live log lines (default: stdout). */
  log?: (line: string) => void;
  /** Extra environment for every step (over the host environment). */
  env?: Record<string, string>;
  /** Pause between polls while a job waits for its environment's required reviewers (default 1000 ms). */
  approvalPollMs?: number;
  /** Longest wait for a review before the job fails (default 30 days, as GitHub). */
  approvalTimeoutMs?: number;
  /**
   * Skip the `run:` steps that install packages on this machine (pip/npm/conda/apt-get install…, a
   * reusable workflow's `setup-command`); without it they run after a warning. See steps/setup-detect.ts.
   */
  skipSetup?: boolean;
  /**
   * Overrides of the `with:` inputs that the workflow's own jobs pass to the reusable workflows they call
   * (`mlops run-workflow --with name=value`), so that a local run can differ without editing the file.
   * Each name must be an input of a workflow called from the top-level workflow.
   */
  withInputs?: Record<string, string>;
}

export type Conclusion = "success" | "failure" | "cancelled" | "skipped";

export interface Annotation {
  level: "error" | "warning" | "notice";
  message: string;
  file?: string;
  line?: number;
  /** `col`, `endLine`, `endColumn` of `::error|warning|notice` (docs "Workflow commands" → "Setting an error message"). */
  column?: number;
  endLine?: number;
  endColumn?: number;
  title?: string;
}

export interface StepResult {
  name: string;
  id?: string;
  conclusion: Conclusion;
  outcome: Conclusion;
  outputs: Record<string, string>;
}

export interface JobResult {
  /** Job id; `caller/callee` for jobs of a called workflow; matrix instances share their job's id. */
  id: string;
  name: string;
  conclusion: Conclusion;
  /** "failure" when the job failed but `continue-on-error` made its conclusion "success". */
  outcome?: Conclusion;
  outputs: Record<string, string>;
  /** Markdown written to `GITHUB_STEP_SUMMARY` by the job's steps. */
  summary: string;
  steps: StepResult[];
  /** Matrix values of this instance, when the job has a matrix. */
  matrix?: Record<string, unknown>;
  /** Name of the job's `environment:`, when it has one (with `apiUrl`, its required reviewers are awaited). */
  environment?: string;
  /** The permissions the job's token held. */
  permissions?: Record<string, string>;
  annotations: Annotation[];
}

export interface WorkflowResult {
  runId?: number;
  runAttempt?: number;
  conclusion: Conclusion;
  jobs: JobResult[];
  /** Why the run was skipped (an `on:` filter did not match), when it was. */
  skippedReason?: string;
  /** Why the run was cancelled while pending in its concurrency group, when it was. */
  cancelledReason?: string;
}
