import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMapping, isSequence, NoOperationTraceWriter } from "@actions/workflow-parser";
import { convertActionTemplate, parseAction } from "@actions/workflow-parser/actions/index";
import type { Step } from "@actions/workflow-parser/model/workflow-template";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import { ConfigError } from "@mlops/core";
import { type ExpressionScope, evaluateToken, type Json, toText } from "../expressions.js";
import { child as childToken } from "../load.js";
import type { JobRuntime } from "../state.js";
import type { StepResult } from "../types.js";
import type { ExecResult } from "./exec.js";

/**
 * GitHub runs at most 10 composite actions nested in one another (docs "Reusing workflow configurations" →
 * comparison table: "Can be nested to have up to 10 composite actions in one workflow",
 * https://docs.github.com/en/actions/concepts/workflows-and-actions/reusing-workflow-configurations).
 */
export const MAX_COMPOSITE_DEPTH = 10;

/** Runs one step of a job (job.ts `runStep`), handed in to keep this module free of an import cycle. */
export type StepRunner = (
  rt: JobRuntime,
  step: Step,
  raw: MappingToken | undefined,
  file: { displayPath: string },
) => Promise<StepResult>;

/** What a workflow step hands an action (`uses:` of a local or checked-out action directory). */
export interface ActionRequest {
  label: string;
  dir: string;
  uses: string;
  with: Record<string, string>;
  stepEnv: Record<string, string>;
  scope: ExpressionScope;
  where: string;
}

/** The action's metadata file in `dir`: `action.yml`, else `action.yaml` (as the runner looks them up). */
export function actionFile(dir: string): string {
  for (const name of ["action.yml", "action.yaml"]) {
    try {
      readFileSync(join(dir, name));
      return join(dir, name);
    } catch {
      // try the next name
    }
  }
  throw new ConfigError(`no action.yml in ${dir}`);
}

/**
 * Runs a composite action (`runs.using: composite`) as GitHub's runner does (docs "Metadata syntax for
 * GitHub Actions" → `runs` for composite actions,
 * https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#runs-for-composite-actions):
 * the action.yml is parsed with GitHub's action schema (`shell` is required on every `run` step: missing →
 * `file:line:column` error), the `inputs` context holds the `with:` values and the declared defaults
 * (expressions evaluated), each step runs as a workflow step does (`if`, `env`, `shell`,
 * `working-directory`, `continue-on-error`, nested `uses:` of JavaScript or composite actions), with its own
 * `steps` context, `github.action_path` and `GITHUB_ACTION_PATH` set to the action's directory, and the
 * action's `outputs.<id>.value` evaluated after its steps. A failed step fails the action's step.
 */
export async function runCompositeAction(
  rt: JobRuntime,
  request: ActionRequest & { runStep: StepRunner },
): Promise<ExecResult> {
  const depth = (rt.compositeDepth ?? 0) + 1;
  if (depth > MAX_COMPOSITE_DEPTH) {
    throw new ConfigError(
      `${request.where}: composite actions nest deeper than ${MAX_COMPOSITE_DEPTH} ('${request.uses}'); GitHub runs at most ${MAX_COMPOSITE_DEPTH}`,
    );
  }
  const path = actionFile(request.dir);
  const displayPath = path.startsWith(rt.state.workspace)
    ? path.slice(rt.state.workspace.length + 1)
    : path.startsWith(rt.workspace)
      ? path.slice(rt.workspace.length + 1)
      : path;
  const parsed = parseAction(
    { name: displayPath, content: readFileSync(path, "utf8") },
    new NoOperationTraceWriter(),
  );
  const template =
    parsed.value === undefined ? undefined : convertActionTemplate(parsed.context, parsed.value);
  const errors = parsed.context.errors.getErrors();
  if (errors.length > 0 || template === undefined || parsed.value === undefined) {
    const first = errors[0];
    const at = first?.range
      ? `${displayPath}:${first.range.start.line}:${first.range.start.column}`
      : displayPath;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    throw new ConfigError(`${at}: ${first?.rawMessage ?? "not an action"}${more} (used at ${request.where})`);
  }
  if (template.runs.using !== "composite") throw new ConfigError(`${displayPath}: not a composite action`);
  const rawStepList: MappingToken[] = [];
  const stepsToken = childToken(childToken(parsed.value, "runs"), "steps");
  if (stepsToken !== undefined && isSequence(stepsToken)) {
    for (let i = 0; i < stepsToken.count; i++) {
      const token = stepsToken.get(i);
      if (isMapping(token)) rawStepList.push(token);
    }
  }

  // the inputs context: with: values, then the declared defaults (expressions evaluated in the caller's scope)
  const inputs: Record<string, Json> = {};
  const declared = new Set<string>();
  for (const definition of template.inputs ?? []) {
    const name = definition.id;
    declared.add(name.toLowerCase());
    const given = Object.entries(request.with).find(([key]) => key.toLowerCase() === name.toLowerCase());
    if (given) inputs[name] = given[1];
    else if (definition.default !== undefined)
      inputs[name] = toText(evaluateToken(definition.default, request.scope));
    else inputs[name] = "";
  }
  for (const [name, value] of Object.entries(request.with)) {
    if (!declared.has(name.toLowerCase())) {
      inputs[name] = value;
      rt.annotations.push({
        level: "warning",
        message: `Unexpected input(s) '${name}', valid inputs are [${[...(template.inputs ?? [])].map((i) => `'${i.id}'`).join(", ")}]`,
      });
    }
  }

  const github = (rt.contexts.github ?? {}) as Record<string, Json>;
  const child: JobRuntime = {
    ...rt,
    env: { ...rt.env, ...request.stepEnv },
    contexts: { ...rt.contexts, inputs, github: { ...github, action_path: request.dir } },
    steps: {},
    indent: `${rt.indent}  `,
    actionEnv: { ...(rt.actionEnv ?? {}), GITHUB_ACTION_PATH: request.dir },
    compositeDepth: depth,
  };
  const file = { displayPath };
  let failedStep: string | undefined;
  try {
    for (const [index, step] of template.runs.steps.entries()) {
      const result = await request.runStep(child, step, rawStepList[index], file);
      if (result.conclusion === "failure" && failedStep === undefined) failedStep = result.name;
    }
  } finally {
    // counters and flags the steps changed on their copy of the job runtime
    rt.stepCounter = child.stepCounter;
    rt.timedOut = rt.timedOut || child.timedOut;
  }
  const outputs: Record<string, string> = {};
  const outputScope: ExpressionScope = {
    contexts: { ...child.contexts, steps: child.steps, env: { ...child.env, ...rt.githubEnv } },
    status: { status: () => child.status },
    workspace: child.workspace,
  };
  for (const definition of template.outputs ?? []) {
    outputs[definition.id] =
      definition.value === undefined ? "" : toText(evaluateToken(definition.value, outputScope));
  }
  const ok = child.status === "success";
  const result: ExecResult = { ok, exitCode: ok ? 0 : 1, timedOut: child.timedOut, outputs, state: {} };
  if (!ok) {
    result.error =
      child.status === "cancelled"
        ? `${request.uses}: cancelled`
        : `${request.uses}: step '${failedStep ?? "?"}' failed`;
  }
  return result;
}
