import { parse } from "yaml";
import type { WorkflowFinding } from "./types.js";

/** Repository whose own actions/workflows may be referenced by tag (they are versioned with this repo). */
export const FIRST_PARTY_REPOSITORY = "mlops-actions/mlops-actions";

const PINNED_REF = /@[0-9a-f]{40}$/;
const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const UNTRUSTED_IN_RUN = /\bgithub\.event\.|\binputs\.|\bgithub\.head_ref\b/;

type YamlMap = Record<string, unknown>;

function isMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jobsOf(workflow: YamlMap): [string, YamlMap][] {
  const jobs = workflow.jobs;
  if (!isMap(jobs)) return [];
  return Object.entries(jobs).filter((entry): entry is [string, YamlMap] => isMap(entry[1]));
}

function stepsOf(job: YamlMap): YamlMap[] {
  return Array.isArray(job.steps) ? job.steps.filter(isMap) : [];
}

function stepLabel(step: YamlMap, index: number): string {
  const label = step.name ?? step.id ?? step.uses;
  return typeof label === "string" ? `step ${index + 1} (${label})` : `step ${index + 1}`;
}

/** True when `uses` needs a SHA pin: anything that is not local (`./`), docker, or this repository's own. */
export function isThirdPartyUses(uses: string, firstParty = FIRST_PARTY_REPOSITORY): boolean {
  if (uses.startsWith("./") || uses.startsWith("docker://")) return false;
  return !uses.toLowerCase().startsWith(`${firstParty.toLowerCase()}/`);
}

/** Finds `${{ }}` expressions in `run:` scripts that interpolate attacker-controllable values. */
export function checkScriptInjection(file: string, workflow: YamlMap): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  for (const [jobId, job] of jobsOf(workflow)) {
    stepsOf(job).forEach((step, index) => {
      if (typeof step.run !== "string") return;
      for (const match of step.run.matchAll(EXPRESSION)) {
        const expression = match[1] ?? "";
        if (UNTRUSTED_IN_RUN.test(expression)) {
          findings.push({
            file,
            check: "injection",
            message: `job ${jobId} ${stepLabel(step, index)}: run: interpolates \${{${expression}}}; pass it through env: instead`,
          });
        }
      }
    });
  }
  return findings;
}

/** Requires every third-party `uses:` (step or reusable-workflow job) to be pinned to a 40-hex commit SHA. */
export function checkPinnedActions(
  file: string,
  workflow: YamlMap,
  firstParty = FIRST_PARTY_REPOSITORY,
): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  const check = (uses: unknown, where: string): void => {
    if (typeof uses !== "string" || !isThirdPartyUses(uses, firstParty) || PINNED_REF.test(uses)) return;
    findings.push({
      file,
      check: "pinning",
      message: `${where}: ${uses} is not pinned to a full commit SHA`,
    });
  };
  for (const [jobId, job] of jobsOf(workflow)) {
    check(job.uses, `job ${jobId}`);
    for (const [index, step] of stepsOf(job).entries()) {
      check(step.uses, `job ${jobId} ${stepLabel(step, index)}`);
    }
  }
  return findings;
}

/**
 * Requires explicit `permissions` (top-level or per job) and `timeout-minutes` on every job that runs steps
 * (jobs calling a reusable workflow cannot set `timeout-minutes`; the callee's jobs carry it).
 */
export function checkJobHygiene(file: string, workflow: YamlMap): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  const topLevelPermissions = workflow.permissions !== undefined;
  for (const [jobId, job] of jobsOf(workflow)) {
    if (!topLevelPermissions && job.permissions === undefined) {
      findings.push({
        file,
        check: "permissions",
        message: `job ${jobId} has no permissions and the workflow has none at top level`,
      });
    }
    if (job.uses === undefined && job["timeout-minutes"] === undefined) {
      findings.push({ file, check: "timeout", message: `job ${jobId} has no timeout-minutes` });
    }
  }
  return findings;
}

/** Runs the injection, pinning and job-hygiene checks on a workflow's YAML text. */
export function checkWorkflowStructure(
  file: string,
  content: string,
  firstParty = FIRST_PARTY_REPOSITORY,
): WorkflowFinding[] {
  const workflow: unknown = parse(content);
  if (!isMap(workflow)) return [{ file, check: "parse", message: "workflow is not a YAML mapping" }];
  return [
    ...checkScriptInjection(file, workflow),
    ...checkPinnedActions(file, workflow, firstParty),
    ...checkJobHygiene(file, workflow),
  ];
}
