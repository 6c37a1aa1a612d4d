import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { isBasicExpression } from "@actions/workflow-parser";
import type { Step } from "@actions/workflow-parser/model/workflow-template";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { MlopsError } from "@mlops/core";
import { awaitApproval } from "./approval.js";
import {
  type ExpressionScope,
  evaluateCondition,
  evaluateString,
  evaluateStringMap,
  evaluateToken,
  type Json,
  toText,
  truthy,
} from "./expressions.js";
import { child, rawSteps, where } from "./load.js";
import { formatDuration } from "./log.js";
import { grantedScopes, type Permissions } from "./permissions.js";
import type { Invocation, JobRuntime, RunState } from "./state.js";
import { runAction } from "./steps/action-step.js";
import type { ExecResult } from "./steps/exec.js";
import { stepEnvContext } from "./steps/exec.js";
import { resolveActionUses } from "./steps/resolve-uses.js";
import { runScriptStep } from "./steps/run-step.js";
import { installingCommand } from "./steps/setup-detect.js";
import { runStandIn } from "./steps/stand-ins.js";
import type { Conclusion, JobResult, StepResult } from "./types.js";

const DEFAULT_TIMEOUT_MINUTES = 360;

export interface JobInstance {
  /** Job id in results (`caller/callee` inside a called workflow). */
  resultId: string;
  /** The id the job has in its own workflow (GITHUB_JOB, github.job). */
  jobId: string;
  displayName: string;
  steps: Step[];
  raw: MappingToken | undefined;
  envToken: MappingToken | undefined;
  outputsToken: MappingToken | undefined;
  environmentToken: TemplateToken | undefined;
  matrix: Record<string, Json> | undefined;
  strategy: Json;
  needs: Record<string, Json>;
  permissions: Permissions;
  /** Aborted when the job is cancelled (its concurrency group, or its run's). */
  cancel: AbortSignal;
}

/** The expression scope of a job instance at this point (env as the next step sees it). */
export function jobScope(rt: JobRuntime, env: Record<string, string>): ExpressionScope {
  return {
    contexts: {
      ...rt.contexts,
      env,
      steps: rt.steps,
      job: { status: rt.status, container: {}, services: {} },
    },
    status: { status: () => rt.status },
    workspace: rt.workspace,
  };
}

/** The `github` context shared by every job of the run (per job: job, token, workspace are added). */
export function githubContext(state: RunState): Record<string, Json> {
  const facts = state.facts;
  const [owner = ""] = state.repository.split("/");
  return {
    event_name: state.event,
    event: state.payload as Json,
    sha: facts.sha,
    ref: facts.ref,
    ref_name: facts.ref.replace(/^refs\/(heads|tags)\//, "").replace(/^refs\/pull\//, ""),
    ref_type: facts.ref.startsWith("refs/tags/") ? "tag" : "branch",
    head_ref: facts.headRef,
    base_ref: facts.baseRef,
    repository: state.repository,
    repository_owner: owner,
    run_id: String(state.runId),
    run_number: String(state.runNumber),
    run_attempt: String(state.runAttempt),
    actor: facts.actor,
    triggering_actor: facts.actor,
    workflow: state.workflowName,
    workflow_ref: state.workflowRef,
    server_url: state.serverUrl,
    api_url: state.apiUrl ?? "https://api.github.com",
    graphql_url: `${state.apiUrl ?? "https://api.github.com"}/graphql`,
    event_path: state.eventPath,
    retention_days: "90",
    action: "",
    action_path: "",
  };
}

/**
 * `defaults.run` of the workflow or a job. A job's may use expressions (docs "Workflow syntax" →
 * `jobs.<job_id>.defaults.run`; contexts github, needs, strategy, matrix, env, vars, inputs), evaluated
 * here rather than dropped.
 */
function readDefaults(
  token: MappingToken | undefined,
  scope: ExpressionScope,
): { shell?: string; workingDirectory?: string } {
  const run = child(child(token, "defaults"), "run");
  const out: { shell?: string; workingDirectory?: string } = {};
  const shell = child(run, "shell");
  const dir = child(run, "working-directory");
  if (shell !== undefined) out.shell = evaluateString(shell, scope);
  if (dir !== undefined) out.workingDirectory = evaluateString(dir, scope);
  return out;
}

function stepDisplayName(step: Step, raw: MappingToken | undefined, scope: ExpressionScope): string {
  if (step.name) {
    try {
      return evaluateString(step.name, scope);
    } catch {
      return step.name.toString();
    }
  }
  if ("run" in step) {
    const script = child(raw, "run");
    const text =
      script === undefined
        ? ""
        : isBasicExpression(script)
          ? (script.source ?? script.expression)
          : "value" in script
            ? String(script.value)
            : script.toString();
    return `Run ${text.trim().split("\n")[0]?.trim() ?? ""}`;
  }
  if ("uses" in step) return `Run ${step.uses.value}`;
  return step.id;
}

function numberOf(value: Json, fallback: number): number {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * A job's evaluated `environment:` — a name, or `{name, url, deployment}` (`deployment` defaults to true;
 * docs "Deploying with GitHub Actions", *Using environments without deployments*).
 */
export function jobEnvironment(value: Json): { name?: string; url?: string; deployment: boolean } {
  const mapping = typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  const name = mapping ? mapping.name : value;
  const url = mapping?.url;
  const deployment = mapping?.deployment;
  return {
    ...(name !== null && name !== undefined && name !== "" ? { name: toText(name as Json) } : {}),
    ...(url !== null && url !== undefined && url !== "" ? { url: toText(url as Json) } : {}),
    deployment: !(deployment === false || deployment === "false"),
  };
}

/** Runs one job (one matrix instance) with its steps; returns its result. */
export async function runJobInstance(
  state: RunState,
  invocation: Invocation,
  instance: JobInstance,
): Promise<JobResult> {
  const { log } = state;
  const started = Date.now();
  const workflow = invocation.workflow;
  const number = ++state.jobCounter;
  const base = join(state.runDir, "jobs", String(number));
  const rt: JobRuntime = {
    state,
    invocation,
    jobId: instance.jobId,
    workspace: join(base, "workspace"),
    runnerTemp: join(base, "temp"),
    toolCache: join(state.runDir, "tool-cache"),
    env: {},
    githubEnv: {},
    pathAdditions: [],
    token: "",
    cancel: instance.cancel,
    contexts: {},
    steps: {},
    status: "success",
    summary: [],
    annotations: [],
    deadline: Number.POSITIVE_INFINITY,
    timedOut: false,
    posts: [],
    defaults: {},
    stepCounter: 0,
    indent: "  ".repeat(invocation.depth),
  };
  for (const dir of [rt.workspace, join(rt.runnerTemp, "_runner_file_commands"), rt.toolCache]) {
    mkdirSync(dir, { recursive: true });
  }
  log.line(`${rt.indent}▶ Job ${instance.displayName}`);
  const result: JobResult = {
    id: instance.resultId,
    name: instance.displayName,
    conclusion: "success",
    outputs: {},
    summary: "",
    steps: [],
    annotations: rt.annotations,
    permissions: grantedScopes(instance.permissions),
  };
  if (instance.matrix) result.matrix = instance.matrix;
  let jobDeploymentId: number | undefined;

  if (state.emulator) {
    // The `environment` claim; the job's contexts are not set yet, so an expression it cannot read is left out.
    let environmentName: unknown;
    try {
      environmentName = instance.environmentToken
        ? jobEnvironment(evaluateToken(instance.environmentToken, jobScope(rt, {}))).name
        : undefined;
    } catch {
      environmentName = undefined;
    }
    const job = await state.emulator.registerJob(state.runId, {
      name: instance.displayName,
      permissions: grantedScopes(instance.permissions),
      oidc: {
        ref: state.facts.ref,
        sha: state.facts.sha,
        workflow: state.workflowName,
        workflow_ref: state.workflowRef,
        // The workflow file this job is defined in: a called (reusable) workflow's own `owner/repo/path@ref`.
        job_workflow_ref:
          workflow.jobWorkflowRef ?? `${state.repository}/${workflow.displayPath}@${state.facts.ref}`,
        actor: state.facts.actor,
        event_name: state.event,
        ...(typeof environmentName === "string" ? { environment: environmentName } : {}),
      },
    });
    rt.emulatorJobId = job.job_id;
    rt.token = job.github_token;
    rt.runtimeToken = job.runtime_token;
    rt.resultsUrl = job.results_url;
    if (job.id_token_request_url && job.id_token_request_token)
      rt.idTokenRequest = { url: job.id_token_request_url, token: job.id_token_request_token };
  } else {
    rt.token = invocation.secrets.GITHUB_TOKEN ?? "ghs_local_runner_token";
  }
  log.addMask(rt.token);
  if (rt.runtimeToken) log.addMask(rt.runtimeToken);
  if (rt.idTokenRequest) log.addMask(rt.idTokenRequest.token);

  rt.contexts = {
    github: { ...githubContext(state), job: instance.jobId, token: rt.token, workspace: rt.workspace },
    vars: state.vars,
    secrets: { ...invocation.secrets, GITHUB_TOKEN: rt.token },
    inputs: invocation.inputs,
    needs: instance.needs,
    matrix: instance.matrix ?? {},
    strategy: instance.strategy,
    runner: {
      os: "Linux",
      arch: "X64",
      name: "mlops-local-runner",
      environment: "self-hosted",
      temp: rt.runnerTemp,
      tool_cache: rt.toolCache,
      debug: process.env.ACTIONS_STEP_DEBUG === "true" ? "1" : "",
    },
  };

  try {
    const workflowEnv = evaluateStringMap(workflow.template.env, jobScope(rt, {}));
    rt.env = { ...workflowEnv, ...evaluateStringMap(instance.envToken, jobScope(rt, workflowEnv)) };
    rt.defaults = {
      ...readDefaults(workflow.root, jobScope(rt, rt.env)),
      ...readDefaults(instance.raw, jobScope(rt, rt.env)),
    };
    const timeout = numberOf(
      evaluateToken(child(instance.raw, "timeout-minutes"), jobScope(rt, rt.env)),
      DEFAULT_TIMEOUT_MINUTES,
    );
    rt.deadline = started + timeout * 60_000;
    // Every job runs on this machine: a Windows or macOS job (a matrix over operating systems) runs here
    // as Linux with bash, so its green result says nothing about that system. Said, never silent.
    const runsOnToken = child(instance.raw, "runs-on");
    if (runsOnToken !== undefined) {
      const labels = JSON.stringify(evaluateToken(runsOnToken, jobScope(rt, rt.env)) ?? "");
      const system = /windows/i.test(labels) ? "Windows" : /macos|osx/i.test(labels) ? "macOS" : undefined;
      if (system) {
        const message = `${where(workflow, runsOnToken)}: runs-on: ${labels.replace(/^"|"$/g, "")} asks for ${system}, but the local runner runs every job on this machine (runner.os Linux, default shell bash): this job's result says nothing about ${system}`;
        rt.annotations.push({ level: "warning", message });
        log.line(`${rt.indent}  ⚠ ${message}`);
      }
    }
    if (instance.environmentToken) {
      const environment = evaluateToken(instance.environmentToken, jobScope(rt, rt.env));
      const settings = jobEnvironment(environment);
      const name = settings.name;
      if (name !== undefined) {
        result.environment = toText(name as Json);
        log.line(`${rt.indent}  environment: ${result.environment}`);
        if (state.emulator) {
          const refusal = await awaitApproval({
            emulator: state.emulator,
            runId: state.runId,
            job: instance.displayName,
            environment: result.environment,
            pollMs: state.approvalPollMs,
            timeoutMs: state.approvalTimeoutMs,
            log: (line) => log.line(`${rt.indent}  ${line}`),
          });
          if (refusal !== undefined) throw new MlopsError("deployment-review", refusal);
          // As GitHub: the job that passed its environment's protection rules gets a deployment, unless
          // `deployment: false` (docs control-deployments#using-environments-without-deployments).
          if (settings.deployment && rt.emulatorJobId !== undefined) {
            const created = await state.emulator.createJobDeployment(state.runId, rt.emulatorJobId, {
              environment: result.environment,
              ...(settings.url ? { environment_url: settings.url } : {}),
            });
            jobDeploymentId = created.id;
            log.line(`${rt.indent}  deployment ${created.id} created for ${result.environment}`);
          } else if (!settings.deployment) {
            log.line(`${rt.indent}  deployment: false (no deployment object for this job)`);
          }
        }
      }
    }
  } catch (error) {
    rt.status = "failure";
    const message = error instanceof Error ? error.message : String(error);
    rt.annotations.push({ level: "error", message });
    log.line(`${rt.indent}  ✖ ${message}`);
  }

  // Docker-only: GitHub runs such a job's steps in (or next to) containers; running them on this machine
  // instead would give other answers, so the job is refused before any step (issue 15).
  for (const key of ["container", "services"]) {
    const token = child(instance.raw, key);
    if (token !== undefined) {
      const message = `${where(workflow, token)}: ${key}: needs Docker, which the local runner does not use: the job is refused (its steps would run on this machine, not ${key === "container" ? "in the container" : "next to the service containers"})`;
      rt.status = "failure";
      rt.annotations.push({ level: "error", message });
      log.line(`${rt.indent}  ✖ ${message}`);
    }
  }
  const raws = rawSteps(instance.raw);
  const onCancel = () => {
    if (rt.status === "cancelled") return;
    rt.status = "cancelled";
    const message = `The job was cancelled: ${String(instance.cancel.reason ?? "cancelled")}`;
    rt.annotations.push({ level: "error", message });
    log.line(`${rt.indent}  ✖ ${message}`);
  };
  if (instance.cancel.aborted) onCancel();
  else instance.cancel.addEventListener("abort", onCancel, { once: true });
  if (rt.status === "success") {
    for (const [index, step] of instance.steps.entries()) {
      result.steps.push(await runStep(rt, step, raws[index], workflow));
    }
  }
  instance.cancel.removeEventListener("abort", onCancel);
  for (const post of [...rt.posts].reverse()) {
    const postStart = Date.now();
    log.line(`${rt.indent}  ▷ ${post.name}`);
    const okPost = await post.run();
    if (!okPost) rt.status = "failure";
    log.line(`${rt.indent}  ${okPost ? "✓" : "✖"} ${post.name} (${formatDuration(Date.now() - postStart)})`);
  }
  if (instance.outputsToken) {
    try {
      result.outputs = evaluateStringMap(instance.outputsToken, jobScope(rt, rt.env));
      for (const [key, value] of Object.entries(result.outputs)) {
        if (log.mask(value) !== value) result.outputs[key] = "";
      }
    } catch (error) {
      rt.status = "failure";
      rt.annotations.push({ level: "error", message: `job outputs: ${(error as Error).message}` });
    }
  }
  if (rt.timedOut) {
    rt.status = "failure";
    const message = `The job running on the local runner has exceeded the maximum execution time of ${Math.round((rt.deadline - started) / 60_000)} minutes.`;
    rt.annotations.push({ level: "error", message });
    log.line(`${rt.indent}  ✖ ${message}`);
  }
  result.conclusion =
    rt.status === "success" ? "success" : rt.status === "cancelled" ? "cancelled" : "failure";
  if (jobDeploymentId !== undefined && state.emulator && rt.emulatorJobId !== undefined) {
    // The environment URL may name step outputs: evaluated now that the steps ran.
    let url: string | undefined;
    try {
      url = jobEnvironment(evaluateToken(instance.environmentToken, jobScope(rt, rt.env))).url;
    } catch {
      url = undefined;
    }
    const stateName =
      result.conclusion === "success" ? "success" : result.conclusion === "cancelled" ? "error" : "failure";
    await state.emulator
      .completeJobDeployment(state.runId, rt.emulatorJobId, jobDeploymentId, {
        state: stateName,
        ...(url ? { environment_url: url } : {}),
      })
      .catch((error: Error) => log.line(`${rt.indent}  ⚠ job deployment status: ${error.message}`));
  }
  result.summary = rt.summary.join("\n");
  const mark = result.conclusion === "success" ? "✓" : "✖";
  log.line(
    `${rt.indent}${mark} Job ${instance.displayName}: ${result.conclusion} (${formatDuration(Date.now() - started)})`,
  );
  return result;
}

async function runStep(
  rt: JobRuntime,
  step: Step,
  raw: MappingToken | undefined,
  workflow: Pick<Invocation["workflow"], "displayPath">,
): Promise<StepResult> {
  const { log } = rt.state;
  const started = Date.now();
  const userId = step.id && !step.id.startsWith("__") ? step.id : undefined;
  let env = stepEnvContext(rt, {});
  let scope = jobScope(rt, env);
  const name = stepDisplayName(step, raw, scope);
  const result: StepResult = { name, conclusion: "skipped", outcome: "skipped", outputs: {} };
  if (userId) result.id = userId;
  const record = () => {
    // the steps context holds only the steps with an `id` (docs "Contexts reference" → steps context)
    if (userId)
      rt.steps[userId] = { outputs: result.outputs, outcome: result.outcome, conclusion: result.conclusion };
    return result;
  };
  let run = false;
  const cancelledBefore = rt.cancel.aborted;
  let failure: string | undefined;
  let exec: ExecResult | undefined;
  try {
    const condition = "if" in step && step.if ? step.if.expression : "success()";
    run = !rt.timedOut && evaluateCondition(condition, scope);
    if (!run) {
      log.line(`${rt.indent}  ○ ${name} (skipped)`);
      return record();
    }
    log.line(`${rt.indent}  ▷ ${name}`);
    const stepEnv = "env" in step ? evaluateStringMap(step.env, scope) : {};
    env = stepEnvContext(rt, stepEnv);
    scope = jobScope(rt, env);
    const stepTimeout = evaluateToken(child(raw, "timeout-minutes"), scope);
    const timeoutMs =
      typeof stepTimeout === "number" || typeof stepTimeout === "string"
        ? Number(stepTimeout) * 60_000
        : undefined;
    const timeout =
      timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {};
    if ("run" in step) {
      const shell = child(raw, "shell");
      const dir = child(raw, "working-directory");
      const script = evaluateString(step.run, scope);
      const installs = installingCommand(script, stepEnv);
      if (installs !== undefined && rt.state.skipSetup) {
        log.line(`${rt.indent}  ○ ${name} (skipped by --skip-setup: installs packages: ${installs})`);
        return record();
      }
      if (installs !== undefined) {
        const message = `${name} installs packages on this machine (${installs}): the local runner runs it for real, outside any sandbox; --skip-setup skips such steps`;
        rt.annotations.push({ level: "warning", message });
        log.line(`${rt.indent}    ⚠ ${message}`);
      }
      exec = await runScriptStep(rt, {
        label: name,
        script,
        ...(shell ? { shell: evaluateString(shell, scope) } : {}),
        ...(dir ? { workingDirectory: evaluateString(dir, scope) } : {}),
        stepEnv,
        ...timeout,
      });
    } else if ("uses" in step) {
      const uses = step.uses.value;
      const inputs = evaluateStringMap(child(raw, "with"), scope);
      const resolved = resolveActionUses(uses, {
        jobWorkspace: rt.workspace,
        workspace: rt.state.workspace,
        toolkitRoot: rt.state.toolkitRoot,
        repository: rt.state.repository,
        where: where(workflow, raw ?? step.uses),
      });
      exec =
        resolved.kind === "stand-in"
          ? await runStandIn(rt, resolved.name, inputs, stepEnv, name)
          : await runAction(rt, {
              runStep,
              label: name,
              dir: resolved.dir,
              uses,
              with: inputs,
              stepEnv,
              scope,
              where: where(workflow, raw ?? step.uses),
              ...timeout,
            });
    } else {
      failure = `${where(workflow, raw)}: unsupported step kind (only run: and uses: steps)`;
    }
    if (exec && !exec.ok) failure = exec.error ?? "the step failed";
  } catch (error) {
    failure = error instanceof MlopsError || error instanceof Error ? error.message : String(error);
  }
  if (exec) result.outputs = exec.outputs;
  if (rt.cancel.aborted && !cancelledBefore && run) {
    // Killed by a cancellation (or started after it): cancelled, not failed.
    result.outcome = "cancelled";
    result.conclusion = "cancelled";
    rt.status = "cancelled";
    log.line(`${rt.indent}  ✖ ${name} (cancelled, ${formatDuration(Date.now() - started)})`);
    return record();
  }
  result.outcome = failure === undefined ? "success" : "failure";
  let continueOnError = false;
  if (failure !== undefined) {
    rt.annotations.push({ level: "error", message: failure });
    log.line(`${rt.indent}    ✖ ${failure}`);
    const coe = step["continue-on-error"];
    try {
      continueOnError =
        typeof coe === "boolean" ? coe : coe !== undefined ? truthy(evaluateToken(coe, scope)) : false;
    } catch {
      continueOnError = false;
    }
  }
  result.conclusion = failure === undefined || continueOnError ? "success" : "failure";
  if (result.conclusion === "failure") rt.status = "failure";
  const mark = result.outcome === "success" ? "✓" : continueOnError ? "⚠" : "✖";
  const note = continueOnError && failure !== undefined ? ", continue-on-error" : "";
  log.line(`${rt.indent}  ${mark} ${name} (${formatDuration(Date.now() - started)}${note})`);
  return record();
}

/** The combined result of a job's instances (matrix), as `needs.<id>.result` reports it. */
export function combineConclusions(conclusions: Conclusion[]): Conclusion {
  if (conclusions.includes("failure")) return "failure";
  if (conclusions.includes("cancelled")) return "cancelled";
  if (conclusions.length > 0 && conclusions.every((c) => c === "skipped")) return "skipped";
  return "success";
}
