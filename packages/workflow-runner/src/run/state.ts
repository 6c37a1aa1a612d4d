import type { EmulatorClient } from "./emulator-client.js";
import type { EventFacts } from "./events.js";
import type { Json } from "./expressions.js";
import type { LoadedWorkflow } from "./load.js";
import type { RunLog } from "./log.js";
import type { Permissions } from "./permissions.js";
import type { Annotation, Conclusion } from "./types.js";

/** What is fixed for the whole run (shared by called workflows). */
export interface RunState {
  workspace: string;
  toolkitRoot: string;
  repository: string;
  event: string;
  payload: Record<string, unknown>;
  facts: EventFacts;
  apiUrl?: string;
  serverUrl: string;
  env: Record<string, string>;
  vars: Record<string, string>;
  log: RunLog;
  runId: number;
  runNumber: number;
  runAttempt: number;
  runDir: string;
  eventPath: string;
  workflowRef: string;
  workflowName: string;
  emulator?: EmulatorClient;
  /** `MLOPS_SIGSTORE_*` for every step when the emulator serves Sigstore stand-ins (emulatorSigstoreEnv). */
  sigstoreEnv?: Record<string, string>;
  jobCounter: number;
  approvalPollMs: number;
  approvalTimeoutMs: number;
  /** Skip `run:` steps that install packages (see steps/setup-detect.ts). */
  skipSetup: boolean;
  /** `with:` overrides for the reusable workflows called by the top-level workflow's jobs. */
  withInputs: Record<string, string>;
  /** Aborted (with the reason) when a newer run cancels this one (`concurrency.cancel-in-progress`). */
  cancel: AbortController;
  /** Key of the run's concurrency groups: the server and the repository. */
  concurrencyScope: string;
}

/** One workflow file being run: the top-level one or a called (reusable) one. */
export interface Invocation {
  workflow: LoadedWorkflow;
  inputs: Record<string, Json>;
  secrets: Record<string, string>;
  /** The caller's permissions, which cap every job of a called workflow. */
  permissionCap?: Permissions;
  idPrefix: string;
  namePrefix: string;
  depth: number;
  /** Aborted when the run, or the calling job, is cancelled (default: the run's). */
  cancel?: AbortSignal;
}

/** The state of one job instance while its steps run. */
export interface JobRuntime {
  state: RunState;
  invocation: Invocation;
  jobId: string;
  /** The directory `GITHUB_WORKSPACE` points at (filled by the checkout stand-in). */
  workspace: string;
  runnerTemp: string;
  toolCache: string;
  /** workflow `env:` + job `env:` (evaluated). */
  env: Record<string, string>;
  /** Variables written to `GITHUB_ENV` by earlier steps. */
  githubEnv: Record<string, string>;
  /** Directories written to `GITHUB_PATH` (latest first). */
  pathAdditions: string[];
  token: string;
  /** Aborted when the job or its run is cancelled: the running step is killed, later steps skipped. */
  cancel: AbortSignal;
  /** The job's id in the emulator (with `apiUrl`). */
  emulatorJobId?: number;
  runtimeToken?: string;
  resultsUrl?: string;
  /** Set only for a job with `permissions: id-token: write` (as GitHub does). */
  idTokenRequest?: { url: string; token: string };
  contexts: Record<string, Json>;
  steps: Record<string, { outputs: Record<string, string>; outcome: Conclusion; conclusion: Conclusion }>;
  status: "success" | "failure" | "cancelled";
  summary: string[];
  annotations: Annotation[];
  /** Epoch ms when the job's `timeout-minutes` runs out. */
  deadline: number;
  timedOut: boolean;
  /** Post steps registered by actions, run in reverse order at the end of the job. */
  posts: Array<{ name: string; run: () => Promise<boolean> }>;
  defaults: { shell?: string; workingDirectory?: string };
  stepCounter: number;
  indent: string;
  /** Environment of every step of a composite action (`GITHUB_ACTION_PATH`). */
  actionEnv?: Record<string, string>;
  /** How many composite actions enclose the running step. */
  compositeDepth?: number;
}
