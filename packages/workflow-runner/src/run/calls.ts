/**
 * Checks the tree of reusable-workflow calls before any job runs, as GitHub does when it starts a run
 * (docs "Reuse workflows" → "Nesting reusable workflows", https://docs.github.com/en/actions/how-tos/reuse-automations/reuse-workflows#nesting-reusable-workflows,
 * and "Reusing workflow configurations" → Limitations,
 * https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations#limitations):
 * every called file exists and has `on: workflow_call`, required secrets are passed ("Secret <name> is
 * required, but not provided while calling."), no undeclared secret or input is passed, required inputs are
 * given, at most ten levels of workflows (the caller and nine called levels) and 50 unique called workflows.
 */
import { existsSync } from "node:fs";
import { isMapping, isString } from "@actions/workflow-parser";
import { ConfigError } from "@mlops/core";
import { inputDefinitions } from "./inputs.js";
import { child, type LoadedWorkflow, loadWorkflow, rawEvent, where } from "./load.js";
import { resolveWorkflowUses } from "./steps/resolve-uses.js";

/** GitHub.com: "You can connect up to ten levels of workflows" (the top-level caller and nine called levels). */
export const MAX_WORKFLOW_LEVELS = 10;
/** GitHub.com: "You can call a maximum of 50 unique reusable workflows from a single workflow file". */
export const MAX_UNIQUE_CALLED = 50;

function keysOf(token: unknown): string[] {
  const out: string[] = [];
  if (token !== undefined && token !== null && isMapping(token as never)) {
    for (const pair of token as Iterable<{ key: unknown }>) {
      if (isString(pair.key as never)) out.push((pair.key as { value: string }).value);
    }
  }
  return out;
}

/** The secret definitions of `on.workflow_call.secrets`: name → required. */
function secretDefinitions(workflow: LoadedWorkflow): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const secrets = child(rawEvent(workflow, "workflow_call") ?? undefined, "secrets");
  if (secrets === undefined || !isMapping(secrets)) return out;
  for (const pair of secrets) {
    if (!isString(pair.key)) continue;
    const required = child(pair.value, "required");
    out.set(pair.key.value, required !== undefined && "value" in required && required.value === true);
  }
  return out;
}

export async function checkCallTree(
  workflow: LoadedWorkflow,
  context: { workspace: string; toolkitRoot: string; repository: string },
  level = 1,
  unique: Set<string> = new Set(),
  /** Inputs given another way at the first level (`--with name=value`). */
  alsoGiven: string[] = [],
): Promise<void> {
  for (const job of workflow.template.jobs) {
    if (job.type !== "reusableWorkflowJob") continue;
    const at = where(workflow, job.ref);
    if (level + 1 > MAX_WORKFLOW_LEVELS) {
      throw new ConfigError(
        `${at}: reusable workflows nest deeper than GitHub allows: at most ${MAX_WORKFLOW_LEVELS} levels of workflows (the caller and ${MAX_WORKFLOW_LEVELS - 1} called levels)`,
      );
    }
    const path = resolveWorkflowUses(job.ref.value, { ...context, where: at });
    if (!existsSync(path))
      throw new ConfigError(`${at}: reusable workflow '${job.ref.value}' not found (${path})`);
    unique.add(path);
    if (unique.size > MAX_UNIQUE_CALLED) {
      throw new ConfigError(
        `${at}: more than ${MAX_UNIQUE_CALLED} unique reusable workflows are called from ${workflow.displayPath} (GitHub's limit)`,
      );
    }
    const callee = await loadWorkflow(path, context.workspace);
    if (rawEvent(callee, "workflow_call") === undefined)
      throw new ConfigError(
        `${at}: ${callee.displayPath} is not a reusable workflow (no 'on: workflow_call')`,
      );
    const inputs = inputDefinitions(callee, "workflow_call");
    const given = [...keysOf(job["input-values"]), ...(level === 1 ? alsoGiven : [])];
    for (const name of given) {
      if (!inputs.has(name))
        throw new ConfigError(`${at}: Invalid input, ${name} is not defined in the referenced workflow.`);
    }
    for (const [name, definition] of inputs) {
      if (definition.required && definition.default === undefined && !given.includes(name))
        throw new ConfigError(
          `${at}: Input ${name} is required, but not provided while calling. (${where(callee, definition.token)})`,
        );
    }
    if (!job["inherit-secrets"]) {
      const secrets = secretDefinitions(callee);
      const passed = keysOf(job["secret-values"]);
      for (const name of passed) {
        if (!secrets.has(name))
          throw new ConfigError(`${at}: Invalid secret, ${name} is not defined in the referenced workflow.`);
      }
      for (const [name, required] of secrets) {
        if (required && !passed.includes(name))
          throw new ConfigError(`${at}: Secret ${name} is required, but not provided while calling.`);
      }
    }
    await checkCallTree(callee, context, level + 1, unique);
  }
}
