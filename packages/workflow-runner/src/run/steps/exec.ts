import { readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { readKeyValueFile, readPathFile } from "../file-commands.js";
import { SET_ENV_BLOCK_LIST, WorkflowCommands } from "../log.js";
import { runProcess } from "../process.js";
import type { JobRuntime } from "../state.js";

const HOST_PREFIXES = ["GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_", "STATE_"];

/** The env context a step sees: workflow/job env, then `GITHUB_ENV`, then the step's own `env:`. */
export function stepEnvContext(rt: JobRuntime, stepEnv: Record<string, string>): Record<string, string> {
  return { ...rt.env, ...rt.githubEnv, ...stepEnv };
}

/** The `GITHUB_*`/`RUNNER_*` variables the runner sets for every step. */
export function runnerVariables(rt: JobRuntime, files: Record<string, string>): Record<string, string> {
  const { state } = rt;
  const facts = state.facts;
  const refName = facts.ref.replace(/^refs\/(heads|tags)\//, "");
  const vars: Record<string, string> = {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: rt.workspace,
    GITHUB_EVENT_PATH: state.eventPath,
    GITHUB_EVENT_NAME: state.event,
    GITHUB_REPOSITORY: state.repository,
    GITHUB_REPOSITORY_OWNER: state.repository.split("/")[0] ?? "",
    GITHUB_RUN_ID: String(state.runId),
    GITHUB_RUN_NUMBER: String(state.runNumber),
    GITHUB_RUN_ATTEMPT: String(state.runAttempt),
    GITHUB_SHA: facts.sha,
    GITHUB_REF: facts.ref,
    GITHUB_REF_NAME: facts.ref.startsWith("refs/pull/") ? facts.ref.replace(/^refs\/pull\//, "") : refName,
    GITHUB_REF_TYPE: facts.ref.startsWith("refs/tags/") ? "tag" : "branch",
    GITHUB_HEAD_REF: facts.headRef,
    GITHUB_BASE_REF: facts.baseRef,
    GITHUB_WORKFLOW: state.workflowName,
    GITHUB_WORKFLOW_REF: state.workflowRef,
    GITHUB_JOB: rt.jobId,
    GITHUB_ACTOR: facts.actor,
    GITHUB_TRIGGERING_ACTOR: facts.actor,
    GITHUB_SERVER_URL: state.serverUrl,
    GITHUB_API_URL: state.apiUrl ?? "https://api.github.com",
    GITHUB_GRAPHQL_URL: `${state.apiUrl ?? "https://api.github.com"}/graphql`,
    GITHUB_RETENTION_DAYS: "90",
    RUNNER_TEMP: rt.runnerTemp,
    RUNNER_TOOL_CACHE: rt.toolCache,
    RUNNER_OS: "Linux",
    RUNNER_ARCH: "X64",
    RUNNER_NAME: "mlops-local-runner",
    RUNNER_ENVIRONMENT: "self-hosted",
    ...files,
  };
  if (rt.runtimeToken) vars.ACTIONS_RUNTIME_TOKEN = rt.runtimeToken;
  // Only for a job with `permissions: id-token: write` (docs "About security hardening with OpenID Connect").
  if (rt.idTokenRequest) {
    vars.ACTIONS_ID_TOKEN_REQUEST_URL = rt.idTokenRequest.url;
    vars.ACTIONS_ID_TOKEN_REQUEST_TOKEN = rt.idTokenRequest.token;
  }
  if (rt.resultsUrl) {
    vars.ACTIONS_RESULTS_URL = rt.resultsUrl;
    vars.ACTIONS_RUNTIME_URL = rt.resultsUrl;
  }
  // Keyless signing and verification go to the emulator's Sigstore stand-ins (emulatorSigstoreEnv).
  Object.assign(vars, state.sigstoreEnv);
  if (state.apiUrl) {
    vars.NO_PROXY = "127.0.0.1,localhost";
    vars.no_proxy = "127.0.0.1,localhost";
  }
  vars.MLOPS_RUNNER_ARTIFACTS_DIR = join(state.runDir, "artifacts");
  return vars;
}

export interface ExecRequest {
  label: string;
  command: string;
  args: string[];
  cwd: string;
  /** The step's `env:` (evaluated). */
  stepEnv: Record<string, string>;
  /** INPUT_*, STATE_*, GITHUB_ACTION_PATH … */
  extraEnv?: Record<string, string>;
  timeoutMs?: number;
}

export interface ExecResult {
  ok: boolean;
  exitCode: number;
  timedOut: boolean;
  outputs: Record<string, string>;
  state: Record<string, string>;
  error?: string;
}

/** A step summary larger than this (bytes) is dropped by GitHub's runner. */
const STEP_SUMMARY_LIMIT = 1024 * 1024;

/**
 * Runs one step process with the runner's environment and file commands: afterwards reads
 * `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_STATE` and `GITHUB_STEP_SUMMARY`.
 */
export async function execStep(rt: JobRuntime, request: ExecRequest): Promise<ExecResult> {
  const n = ++rt.stepCounter;
  const dir = join(rt.runnerTemp, "_runner_file_commands");
  const files = {
    GITHUB_OUTPUT: join(dir, `set_output_${n}`),
    GITHUB_ENV: join(dir, `set_env_${n}`),
    GITHUB_PATH: join(dir, `add_path_${n}`),
    GITHUB_STATE: join(dir, `save_state_${n}`),
    GITHUB_STEP_SUMMARY: join(dir, `step_summary_${n}`),
  };
  for (const file of Object.values(files)) writeFileSync(file, "");
  const host: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !HOST_PREFIXES.some((prefix) => key.startsWith(prefix))) host[key] = value;
  }
  const env: Record<string, string> = {
    ...host,
    ...rt.state.env,
    ...stepEnvContext(rt, request.stepEnv),
    ...runnerVariables(rt, files),
    ...rt.actionEnv,
    ...request.extraEnv,
  };
  env.PATH = [...rt.pathAdditions, env.PATH ?? ""].filter((p) => p !== "").join(delimiter);
  const outputs: Record<string, string> = {};
  const state: Record<string, string> = {};
  let commandFailure: string | undefined;
  const commands = new WorkflowCommands(rt.state.log, `${rt.indent}    `, {
    onAnnotation: (annotation) => rt.annotations.push(annotation),
    onOutput: (name, value) => {
      outputs[name] = value;
    },
    onState: (name, value) => {
      state[name] = value;
    },
    onEnv: (name, value) => {
      rt.githubEnv[name] = value;
    },
    onPath: (dir) => {
      const at = rt.pathAdditions.indexOf(dir);
      if (at >= 0) rt.pathAdditions.splice(at, 1);
      rt.pathAdditions.unshift(dir);
    },
    onFailure: (message) => {
      commandFailure ??= message;
    },
    env: (name) => env[name],
  });
  const remaining = rt.deadline - Date.now();
  // setTimeout fires at once for delays ≥ 2^31 ms: clamp (≈ 24.8 days)
  const timeoutMs = Math.max(1, Math.min(request.timeoutMs ?? remaining, remaining, 2 ** 31 - 1));
  const result = await runProcess(request.command, request.args, {
    cwd: request.cwd,
    env,
    timeoutMs,
    onLine: (line) => commands.handle(line),
    // A step that runs after the cancellation (`if: always()`/`cancelled()`) is not killed.
    ...(rt.cancel.aborted ? {} : { signal: rt.cancel }),
  });
  if (result.timedOut && Date.now() >= rt.deadline) rt.timedOut = true;
  if (commandFailure !== undefined && (result.exitCode !== 0 || result.timedOut)) {
    // the step's own failure is its error: report the command's here
    rt.annotations.push({ level: "error", message: commandFailure });
    rt.state.log.line(`${rt.indent}    ✖ ${commandFailure}`);
  }
  let fileError: string | undefined;
  try {
    Object.assign(outputs, readKeyValueFile(files.GITHUB_OUTPUT));
    Object.assign(state, readKeyValueFile(files.GITHUB_STATE));
    const newEnv = readKeyValueFile(files.GITHUB_ENV);
    for (const [name, value] of Object.entries(newEnv)) {
      // FileCommandManager.cs SetEnvFileCommand `_setEnvBlockList`
      const blocked = SET_ENV_BLOCK_LIST.find((b) => b.toLowerCase() === name.toLowerCase());
      if (blocked) {
        const message = `Can't store ${blocked} output parameter using '$GITHUB_ENV' command.`;
        rt.annotations.push({ level: "error", message });
        rt.state.log.line(`${rt.indent}    ✖ error ${message}`);
      } else rt.githubEnv[name] = value;
    }
    rt.pathAdditions.unshift(...readPathFile(files.GITHUB_PATH).reverse());
  } catch (error) {
    fileError = (error as Error).message;
  }
  // GitHub's runner drops a step summary over 1 MiB (bytes) whole, with an error annotation; the step
  // itself still succeeds (docs "Workflow commands for GitHub Actions" → "Adding a job summary": "each
  // step is restricted to a maximum size of 1MiB"; actions/runner `FileCommandManager.cs`
  // CreateStepSummaryCommand compares the file length with 1024 * 1024, message `Constants.cs`
  // UnsupportedSummarySize).
  const summaryBytes = statSync(files.GITHUB_STEP_SUMMARY).size;
  if (summaryBytes > STEP_SUMMARY_LIMIT)
    rt.annotations.push({
      level: "error",
      message: `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of ${STEP_SUMMARY_LIMIT / 1024}k, got ${Math.floor(summaryBytes / 1024)}k. For more information see: https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary`,
    });
  else {
    const summary = readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
    if (summary.trim() !== "") rt.summary.push(summary);
  }
  const exec: ExecResult = {
    ok: result.exitCode === 0 && !result.timedOut && fileError === undefined && commandFailure === undefined,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    outputs,
    state,
  };
  const error =
    result.error ??
    fileError ??
    (result.timedOut
      ? undefined
      : result.exitCode === 0 && commandFailure !== undefined
        ? commandFailure
        : undefined) ??
    (result.timedOut
      ? `${request.label} timed out after ${Math.round(timeoutMs / 1000)} s`
      : result.exitCode !== 0
        ? `Process completed with exit code ${result.exitCode}.`
        : undefined);
  if (error !== undefined) exec.error = error;
  return exec;
}
