/**
 * `with:` overrides for a local run (`mlops run-workflow --with name=value`): the workflow's own jobs call
 * reusable workflows with `with:` inputs; an override replaces the value of that input in every call from the
 * top-level workflow whose called workflow declares it, so a local run can use another training command (or
 * a smaller data set) while the workflow file stays identical to the one on GitHub.
 */
import { existsSync } from "node:fs";
import { ConfigError } from "@mlops/core";
import { inputDefinitions } from "./inputs.js";
import { type LoadedWorkflow, loadWorkflow } from "./load.js";
import { resolveWorkflowUses } from "./steps/resolve-uses.js";

/** The overrides that apply to a call of `callee` (the ones it declares as `workflow_call` inputs). */
export function withOverridesFor(
  callee: LoadedWorkflow,
  withInputs: Record<string, string>,
): Record<string, string> {
  const declared = inputDefinitions(callee, "workflow_call");
  return Object.fromEntries(Object.entries(withInputs).filter(([name]) => declared.has(name)));
}

/**
 * Fails (before anything runs) when an override names no input of the workflows the top-level workflow
 * calls: a typo would otherwise be ignored without a word.
 */
export async function checkWithInputs(
  workflow: LoadedWorkflow,
  withInputs: Record<string, string>,
  context: { workspace: string; toolkitRoot: string; repository: string },
): Promise<void> {
  const names = Object.keys(withInputs);
  if (names.length === 0) return;
  const declared = new Map<string, Set<string>>();
  for (const job of workflow.template.jobs) {
    if (job.type !== "reusableWorkflowJob") continue;
    const path = resolveWorkflowUses(job.ref.value, { ...context, where: workflow.displayPath });
    if (!existsSync(path)) continue; // reported with its position when the job runs
    const callee = await loadWorkflow(path, context.workspace);
    declared.set(job.ref.value, new Set(inputDefinitions(callee, "workflow_call").keys()));
  }
  if (declared.size === 0)
    throw new ConfigError(
      `--with ${names.join(", ")}: ${workflow.displayPath} calls no reusable workflow (--with overrides the with: inputs of the workflows its jobs call)`,
    );
  for (const name of names) {
    if (![...declared.values()].some((inputs) => inputs.has(name))) {
      const known = [...declared].map(([uses, inputs]) => `${uses}: ${[...inputs].join(", ") || "none"}`);
      throw new ConfigError(`--with ${name}: not an input of the called workflows (${known.join("; ")})`);
    }
  }
}
