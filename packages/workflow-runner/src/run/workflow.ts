import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isBasicExpression, isMapping, isString } from "@actions/workflow-parser";
import type { ReusableWorkflowJob, WorkflowJob } from "@actions/workflow-parser/model/workflow-template";
import { ConfigError } from "@mlops/core";
import { DEFAULT_APPROVAL_POLL_MS, DEFAULT_APPROVAL_TIMEOUT_MS } from "./approval.js";
import { checkCallTree, MAX_WORKFLOW_LEVELS } from "./calls.js";
import { type Acquired, acquireConcurrency, concurrencySetting } from "./concurrency.js";
import { EmulatorClient, emulatorSigstoreEnv } from "./emulator-client.js";
import { buildPayload, eventBranch, eventFacts, eventFilterMismatch } from "./events.js";
import {
  type ExpressionScope,
  evaluateCondition,
  evaluateStringMap,
  evaluateToken,
  type Json,
  toText,
  truthy,
} from "./expressions.js";
import { resolveDispatchInputs, resolveInputs } from "./inputs.js";
import { combineConclusions, githubContext, runJobInstance } from "./job.js";
import { child, type LoadedWorkflow, loadWorkflow, rawEvent, rawJob, where } from "./load.js";
import { formatDuration, RunLog } from "./log.js";
import { expandStrategy, instanceName } from "./matrix.js";
import { capPermissions, defaultPermissions, normalizePermissions, type Permissions } from "./permissions.js";
import type { Invocation, RunState } from "./state.js";
import { calledWorkflowRef, resolveWorkflowUses } from "./steps/resolve-uses.js";
import type { Conclusion, JobResult, RunWorkflowOptions, WorkflowResult } from "./types.js";
import { checkWithInputs, withOverridesFor } from "./with-inputs.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

interface JobOutcome {
  result: Conclusion;
  outputs: Record<string, string>;
}

interface JobsRun {
  jobs: JobResult[];
  outcomes: Map<string, JobOutcome>;
}

/** Job ids in an order where every job comes after the jobs it needs (file order otherwise). */
function orderJobs(workflow: LoadedWorkflow): WorkflowJob[] {
  const jobs = workflow.template.jobs;
  const byId = new Map(jobs.map((job) => [job.id.value, job]));
  const done = new Set<string>();
  const order: WorkflowJob[] = [];
  const visit = (job: WorkflowJob, path: string[]) => {
    const id = job.id.value;
    if (done.has(id)) return;
    if (path.includes(id))
      throw new ConfigError(`${workflow.displayPath}: job dependency cycle ${[...path, id].join(" → ")}`);
    for (const need of job.needs ?? []) {
      const dependency = byId.get(need.value);
      if (!dependency)
        throw new ConfigError(`${where(workflow, need)}: job '${id}' needs unknown job '${need.value}'`);
      visit(dependency, [...path, id]);
    }
    done.add(id);
    order.push(job);
  };
  for (const job of jobs) visit(job, []);
  return order;
}

function ancestors(workflow: LoadedWorkflow, id: string, seen = new Set<string>()): Set<string> {
  const job = workflow.template.jobs.find((j) => j.id.value === id);
  for (const need of job?.needs ?? []) {
    if (!seen.has(need.value)) {
      seen.add(need.value);
      ancestors(workflow, need.value, seen);
    }
  }
  return seen;
}

function jobPermissions(invocation: Invocation, job: WorkflowJob, scope: ExpressionScope): Permissions {
  const raw = rawJob(invocation.workflow, job.id.value);
  const own = normalizePermissions(evaluateToken(child(raw, "permissions"), scope));
  const workflowLevel = normalizePermissions(
    evaluateToken(invocation.workflow.root.find("permissions"), scope),
  );
  const wanted = own ?? workflowLevel ?? invocation.permissionCap ?? defaultPermissions();
  return capPermissions(wanted, invocation.permissionCap);
}

function jobDisplayName(
  job: WorkflowJob,
  scope: ExpressionScope,
  matrix: Record<string, Json> | undefined,
): string {
  const name = job.name;
  if (name && isBasicExpression(name)) return toText(evaluateToken(name, scope));
  const text = name && "value" in name ? String(name.value) : job.id.value;
  return instanceName(text, matrix);
}

function skippedJob(id: string, name: string): JobResult {
  return { id, name, conclusion: "skipped", outputs: {}, summary: "", steps: [], annotations: [] };
}

/** Runs the jobs of one workflow file one at a time, in dependency order. */
async function runJobs(state: RunState, invocation: Invocation): Promise<JobsRun> {
  const { workflow } = invocation;
  const outcomes = new Map<string, JobOutcome>();
  const jobs: JobResult[] = [];
  const github = githubContext(state);
  const parentCancel = invocation.cancel ?? state.cancel.signal;
  for (const job of orderJobs(workflow)) {
    const id = job.id.value;
    const resultId = `${invocation.idPrefix}${id}`;
    const needs: Record<string, Json> = {};
    for (const need of job.needs ?? []) {
      const outcome = outcomes.get(need.value);
      needs[need.value] = { result: outcome?.result ?? "skipped", outputs: outcome?.outputs ?? {} };
    }
    const upstream = [...ancestors(workflow, id)].map((a) => outcomes.get(a)?.result ?? "skipped");
    const status = upstream.includes("failure")
      ? "failure"
      : upstream.includes("cancelled")
        ? "cancelled"
        : upstream.includes("skipped")
          ? "skipped"
          : "success";
    const scope: ExpressionScope = {
      contexts: { github, needs, vars: state.vars, inputs: invocation.inputs, secrets: invocation.secrets },
      status: { status: () => status },
      workspace: state.workspace,
    };
    const baseName = `${invocation.namePrefix}${jobDisplayName(job, scope, undefined)}`;
    if (!evaluateCondition(job.if?.expression, scope)) {
      state.log.line(`${"  ".repeat(invocation.depth)}○ Job ${baseName} (skipped)`);
      jobs.push(skippedJob(resultId, baseName));
      outcomes.set(id, { result: "skipped", outputs: {} });
      continue;
    }
    // A strategy that does not evaluate to a matrix fails the job, not the whole run (GitHub: "Error when
    // evaluating 'strategy' for job '<id>'."), and its dependents are skipped.
    let strategy: ReturnType<typeof expandStrategy>;
    try {
      strategy = expandStrategy(evaluateToken(job.strategy, scope), where(workflow, job.strategy ?? job.id));
    } catch (error) {
      const message = `Error when evaluating 'strategy' for job '${id}'. ${(error as Error).message}`;
      state.log.line(`${"  ".repeat(invocation.depth)}✖ Job ${baseName}: ${message}`);
      jobs.push({
        ...skippedJob(resultId, baseName),
        conclusion: "failure",
        annotations: [{ level: "error", message }],
      });
      outcomes.set(id, { result: "failure", outputs: {} });
      continue;
    }
    const raw = rawJob(workflow, id);
    const instanceConclusions: Conclusion[] = [];
    const outputs: Record<string, string> = {};
    let failed = false;
    for (const [index, matrix] of strategy.combinations.entries()) {
      const strategyContext: Json = {
        "fail-fast": strategy.failFast,
        "job-index": index,
        "job-total": strategy.combinations.length,
        "max-parallel": strategy.maxParallel ?? strategy.combinations.length,
      };
      const instanceScope: ExpressionScope = {
        ...scope,
        contexts: { ...scope.contexts, matrix: matrix ?? {}, strategy: strategyContext },
      };
      const name = `${invocation.namePrefix}${jobDisplayName(job, instanceScope, matrix)}`;
      if (failed && strategy.failFast) {
        state.log.line(`${"  ".repeat(invocation.depth)}○ Job ${name} (cancelled: fail-fast)`);
        jobs.push({ ...skippedJob(resultId, name), conclusion: "cancelled", ...(matrix ? { matrix } : {}) });
        instanceConclusions.push("cancelled");
        continue;
      }
      const indent = "  ".repeat(invocation.depth);
      const cancelled = (message: string) => {
        state.log.line(`${indent}○ Job ${name} (cancelled: ${message})`);
        jobs.push({
          ...skippedJob(resultId, name),
          conclusion: "cancelled",
          annotations: [{ level: "error", message }],
          ...(matrix ? { matrix } : {}),
        });
        instanceConclusions.push("cancelled");
      };
      if (parentCancel.aborted) {
        cancelled(String(parentCancel.reason ?? "the run was cancelled"));
        continue;
      }
      // Job-level `concurrency:` (contexts github, inputs, vars, needs, strategy, matrix), per instance.
      const concurrency = concurrencySetting(
        evaluateToken(child(raw, "concurrency"), instanceScope),
        where(workflow, child(raw, "concurrency")),
      );
      const controller = new AbortController();
      const forward = () => controller.abort(parentCancel.reason);
      parentCancel.addEventListener("abort", forward, { once: true });
      let slot: Acquired | undefined;
      if (concurrency) {
        slot = await acquireConcurrency(state.concurrencyScope, concurrency, {
          label: name,
          onPending: () =>
            state.log.line(`${indent}⧗ Job ${name}: pending in concurrency group '${concurrency.group}'`),
          onCancel: (reason) => controller.abort(reason),
        });
        if (!slot.granted) {
          parentCancel.removeEventListener("abort", forward);
          cancelled(slot.reason ?? "concurrency");
          continue;
        }
      }
      try {
        const permissions = jobPermissions(invocation, job, instanceScope);
        let conclusion: Conclusion;
        let instanceOutputs: Record<string, string>;
        if (job.type === "reusableWorkflowJob") {
          const called = await callWorkflow(
            state,
            { ...invocation, cancel: controller.signal },
            job,
            instanceScope,
            permissions,
            resultId,
            name,
          );
          jobs.push(...called.jobs);
          conclusion = called.conclusion;
          instanceOutputs = called.outputs;
        } else {
          const result = await runJobInstance(state, invocation, {
            resultId,
            jobId: id,
            displayName: name,
            steps: job.steps,
            raw,
            envToken: job.env,
            outputsToken: job.outputs,
            environmentToken: job.environment,
            matrix,
            strategy: strategyContext,
            needs,
            permissions,
            cancel: controller.signal,
          });
          jobs.push(result);
          conclusion = result.conclusion;
          instanceOutputs = result.outputs;
          if (
            conclusion === "failure" &&
            truthy(evaluateToken(child(raw, "continue-on-error"), instanceScope))
          ) {
            state.log.line(
              `${"  ".repeat(invocation.depth)}  (continue-on-error: the job's failure does not fail the run)`,
            );
            result.outcome = "failure";
            result.conclusion = "success";
            conclusion = "success";
          }
        }
        if (conclusion === "failure") failed = true;
        instanceConclusions.push(conclusion);
        for (const [key, value] of Object.entries(instanceOutputs))
          if (value !== "" || !(key in outputs)) outputs[key] = value;
      } finally {
        slot?.release();
        parentCancel.removeEventListener("abort", forward);
      }
    }
    outcomes.set(id, { result: combineConclusions(instanceConclusions), outputs });
  }
  return { jobs, outcomes };
}

async function callWorkflow(
  state: RunState,
  invocation: Invocation,
  job: ReusableWorkflowJob,
  scope: ExpressionScope,
  permissions: Permissions,
  resultId: string,
  name: string,
): Promise<{ jobs: JobResult[]; conclusion: Conclusion; outputs: Record<string, string> }> {
  const at = where(invocation.workflow, job.ref);
  // checked for the whole tree before the run by checkCallTree; kept for callers of runJobs
  if (invocation.depth + 2 > MAX_WORKFLOW_LEVELS) {
    throw new ConfigError(
      `${at}: reusable workflows nest deeper than ${MAX_WORKFLOW_LEVELS} levels of workflows`,
    );
  }
  const path = resolveWorkflowUses(job.ref.value, {
    workspace: state.workspace,
    toolkitRoot: state.toolkitRoot,
    repository: state.repository,
    where: at,
  });
  if (!existsSync(path))
    throw new ConfigError(`${at}: reusable workflow '${job.ref.value}' not found (${path})`);
  const callee = {
    ...(await loadWorkflow(path, state.workspace)),
    jobWorkflowRef: calledWorkflowRef(job.ref.value, { repository: state.repository, ref: state.facts.ref }),
  };
  if (rawEvent(callee, "workflow_call") === undefined) {
    throw new ConfigError(`${at}: ${callee.displayPath} is not a reusable workflow (no 'on: workflow_call')`);
  }
  const given = evaluateToken(job["input-values"], scope);
  const givenInputs = typeof given === "object" && given !== null && !Array.isArray(given) ? given : {};
  const overrides = invocation.depth === 0 ? withOverridesFor(callee, state.withInputs) : {};
  for (const [input, value] of Object.entries(overrides))
    state.log.line(
      `${"  ".repeat(invocation.depth)}  --with ${input}=${value} (replaces the job's with: value)`,
    );
  const inputs = resolveInputs(callee, "workflow_call", { ...givenInputs, ...overrides }, scope, at);
  const secrets = job["inherit-secrets"]
    ? { ...invocation.secrets }
    : evaluateStringMap(job["secret-values"], scope);
  for (const value of Object.values(secrets)) state.log.addMask(value);
  state.log.line(`${"  ".repeat(invocation.depth)}▶ Call ${name} → ${callee.displayPath}`);
  const started = Date.now();
  const nested = await runJobs(state, {
    workflow: callee,
    inputs,
    secrets,
    permissionCap: permissions,
    idPrefix: `${resultId}/`,
    namePrefix: `${name} / `,
    depth: invocation.depth + 1,
    ...(invocation.cancel ? { cancel: invocation.cancel } : {}),
  });
  const conclusion = combineConclusions([...nested.outcomes.values()].map((o) => o.result));
  const jobsContext: Record<string, Json> = {};
  for (const [id, outcome] of nested.outcomes)
    jobsContext[id] = { result: outcome.result, outputs: outcome.outputs };
  const outputs: Record<string, string> = {};
  const definitions = child(rawEvent(callee, "workflow_call") ?? undefined, "outputs");
  const outputScope: ExpressionScope = {
    ...scope,
    contexts: { github: scope.contexts.github ?? {}, inputs, vars: state.vars, jobs: jobsContext },
  };
  if (definitions !== undefined && isMapping(definitions)) {
    for (const pair of definitions) {
      if (isString(pair.key))
        outputs[pair.key.value] = toText(evaluateToken(child(pair.value, "value"), outputScope));
    }
  }
  state.log.line(
    `${"  ".repeat(invocation.depth)}${conclusion === "success" ? "✓" : "✖"} Call ${name}: ${conclusion} (${formatDuration(Date.now() - started)})`,
  );
  return { jobs: nested.jobs, conclusion, outputs };
}

/** The fork a `pull_request` event's head comes from (`owner/name`), or undefined for the repository's own branch. */
function forkOfPullRequest(
  event: string,
  payload: Record<string, unknown>,
  repository: string,
): string | undefined {
  if (event !== "pull_request") return undefined;
  const pr = payload.pull_request as { head?: { repo?: { full_name?: unknown } } } | undefined;
  const head = pr?.head?.repo?.full_name;
  return typeof head === "string" && head.toLowerCase() !== repository.toLowerCase() ? head : undefined;
}

/**
 * The payload GitHub sends a `workflow_run` workflow when `runId` completes: `{action, workflow_run,
 * workflow}`, where `workflow_run` is the run as the REST API shows it, read from the emulator. So the
 * companion sees what GitHub gives it, e.g. no `pull_requests` and the fork as `head_repository` for a
 * fork PR's run (github/docs#22501).
 */
export async function workflowRunEvent(options: {
  apiUrl: string;
  repository: string;
  runId: number;
  action?: "completed" | "requested" | "in_progress";
}): Promise<Record<string, unknown>> {
  const run = await new EmulatorClient(options.apiUrl, options.repository).workflowRun(options.runId);
  return {
    action: options.action ?? "completed",
    workflow_run: run,
    workflow: { id: run.workflow_id, name: run.name, path: run.path },
  };
}

/**
 * Runs a workflow file locally with GitHub's parser and expression engine: jobs one at a time in
 * dependency order, steps as processes, local actions from their `dist/`, stand-ins for the common
 * external actions. With `apiUrl` (the emulator) the run and each job are registered there.
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult> {
  const workspace = resolve(options.workspace);
  const path = isAbsolute(options.workflow) ? options.workflow : join(workspace, options.workflow);
  const workflow = await loadWorkflow(path, workspace);
  const sink = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = new RunLog(sink);
  const secrets = { ...(options.secrets ?? {}) };
  for (const value of Object.values(secrets)) log.addMask(value);
  const payloadRepository = (options.payload?.repository as { full_name?: unknown } | undefined)?.full_name;
  const repository =
    options.repository ?? (typeof payloadRepository === "string" ? payloadRepository : "octo-org/octo-repo");
  // Against the emulator, the default commit is the head of the event's branch there (else of main).
  let headSha: string | undefined;
  if (options.apiUrl) {
    const client = new EmulatorClient(options.apiUrl, repository);
    headSha =
      (await client.branchSha(eventBranch(options.event, options.payload))) ??
      (await client.branchSha("main"));
  }
  // workflow_dispatch inputs are checked and typed before the run starts; the payload holds them as strings
  const dispatch =
    options.event === "workflow_dispatch" && rawEvent(workflow, "workflow_dispatch") !== undefined
      ? resolveDispatchInputs(workflow, options.inputs ?? {})
      : undefined;
  const payload = buildPayload(
    options.event,
    repository,
    workspace,
    options.payload,
    dispatch?.event ?? options.inputs,
    headSha,
  );
  const facts = eventFacts(options.event, payload);
  const fork = forkOfPullRequest(options.event, payload, repository);
  await checkWithInputs(workflow, options.withInputs ?? {}, {
    workspace,
    toolkitRoot: resolve(options.toolkitRoot ?? REPO_ROOT),
    repository,
  });
  // the tree of called workflows is checked before any job runs, as GitHub does (src/run/calls.ts)
  await checkCallTree(
    workflow,
    { workspace, toolkitRoot: resolve(options.toolkitRoot ?? REPO_ROOT), repository },
    1,
    new Set(),
    Object.keys(options.withInputs ?? {}),
  );
  const mismatch =
    options.event === "workflow_call"
      ? undefined
      : eventFilterMismatch(workflow, options.event, payload, facts);
  if (mismatch !== undefined) {
    log.line(`○ ${workflow.name}: skipped (${mismatch})`);
    return { conclusion: "skipped", jobs: [], skippedReason: mismatch };
  }
  const runDir = mkdtempSync(join(tmpdir(), "mlops-run-"));
  const eventPath = join(runDir, "event.json");
  writeFileSync(eventPath, JSON.stringify(payload, null, 2));
  const relPath = relative(workspace, path);
  const state: RunState = {
    workspace,
    toolkitRoot: resolve(options.toolkitRoot ?? REPO_ROOT),
    repository,
    event: options.event,
    payload,
    facts,
    serverUrl: "https://github.localhost",
    env: options.env ?? {},
    vars: options.vars ?? {},
    log,
    runId: Math.floor(Date.now() / 1000),
    runNumber: 1,
    runAttempt: 1,
    runDir,
    eventPath,
    workflowRef: `${repository}/${relPath}@${facts.ref}`,
    workflowName: workflow.name,
    jobCounter: 0,
    approvalPollMs: options.approvalPollMs ?? DEFAULT_APPROVAL_POLL_MS,
    approvalTimeoutMs: options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    skipSetup: options.skipSetup ?? false,
    withInputs: options.withInputs ?? {},
    cancel: new AbortController(),
    // Groups are per repository (and per server: one emulator's runs do not queue behind another's).
    concurrencyScope: `${options.apiUrl ?? "local"} ${repository}`,
  };
  if (options.apiUrl) {
    state.apiUrl = options.apiUrl.replace(/\/$/, "");
    state.emulator = new EmulatorClient(state.apiUrl, repository);
    const run = await state.emulator.registerRun({
      workflow_path: relPath,
      name: workflow.name,
      event: options.event,
      head_branch: facts.headBranch,
      head_sha: facts.sha,
      actor: facts.actor,
      ...(options.rerunOf !== undefined ? { rerun_of: options.rerunOf } : {}),
      ...(facts.pullRequestNumber !== undefined ? { pull_request_number: facts.pullRequestNumber } : {}),
      // A fork PR's run: GitHub records the fork as its head repository (and lists no pull_requests for it).
      ...(fork ? { head_repository: fork } : {}),
    });
    state.runId = run.id;
    state.runNumber = run.run_number;
    state.runAttempt = run.run_attempt;
    state.sigstoreEnv = await emulatorSigstoreEnv(state.apiUrl, runDir);
  } else if (options.rerunOf !== undefined) {
    state.runId = options.rerunOf;
    state.runAttempt = 2;
  }
  const started = Date.now();
  log.line(
    `● ${workflow.name} (${relPath}) on ${options.event} · run ${state.runId} attempt ${state.runAttempt}`,
  );
  let conclusion: Conclusion = "failure";
  let slot: Acquired | undefined;
  try {
    const topScope: ExpressionScope = {
      contexts: { github: githubContext(state), vars: state.vars, inputs: {} },
      status: { status: () => "success" },
      workspace,
    };
    const definitionsEvent = options.event === "workflow_dispatch" ? "workflow_dispatch" : "workflow_call";
    const inputs =
      dispatch?.inputs ??
      resolveInputs(
        workflow,
        definitionsEvent,
        { ...(options.inputs ?? {}) },
        topScope,
        workflow.displayPath,
      );
    // Workflow-level `concurrency:` (contexts github, inputs, vars): wait for the group, or be cancelled.
    const concurrency = concurrencySetting(
      evaluateToken(workflow.root.find("concurrency"), {
        ...topScope,
        contexts: { ...topScope.contexts, inputs },
      }),
      where(workflow, workflow.root.find("concurrency")),
    );
    if (concurrency) {
      slot = await acquireConcurrency(state.concurrencyScope, concurrency, {
        label: `${workflow.name} run ${state.runId}`,
        onPending: () => log.line(`⧗ ${workflow.name}: pending in concurrency group '${concurrency.group}'`),
        onCancel: (reason) => {
          log.line(`✖ ${workflow.name}: cancelled (${reason})`);
          state.cancel.abort(reason);
        },
      });
      if (!slot.granted) {
        conclusion = "cancelled";
        log.line(`○ ${workflow.name}: cancelled (${slot.reason ?? "concurrency"})`);
        return {
          runId: state.runId,
          runAttempt: state.runAttempt,
          conclusion,
          jobs: [],
          cancelledReason: slot.reason ?? "concurrency",
        };
      }
    }
    const top: Invocation = { workflow, inputs, secrets, idPrefix: "", namePrefix: "", depth: 0 };
    if (fork) {
      // As on GitHub: a pull request from a fork gets a read-only token and no secrets.
      log.line("  fork pull request: read-only token, no secrets");
      top.secrets = {};
      top.permissionCap = normalizePermissions("read-all") ?? {};
    }
    const run = await runJobs(state, top);
    const results = [...run.outcomes.values()].map((o) => o.result);
    conclusion = combineConclusions(results);
    log.line(
      `${conclusion === "success" ? "✓" : conclusion === "skipped" ? "○" : "✖"} ${workflow.name}: ${conclusion} (${formatDuration(Date.now() - started)})`,
    );
    return { runId: state.runId, runAttempt: state.runAttempt, conclusion, jobs: run.jobs };
  } finally {
    slot?.release();
    if (state.emulator) await state.emulator.completeRun(state.runId, conclusion).catch(() => undefined);
    if (process.env.MLOPS_RUNNER_KEEP !== "1") rmSync(runDir, { recursive: true, force: true });
  }
}
