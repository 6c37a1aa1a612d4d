import { readFileSync } from "node:fs";
import { relative } from "node:path";
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate,
} from "@actions/workflow-parser";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { ConfigError, InputError, parseYamlText } from "@mlops/core";

/** A parsed and converted workflow file, with its raw token tree for what the converter drops. */
export interface LoadedWorkflow {
  /** Absolute path. */
  path: string;
  /** Path shown in messages (relative to the workspace when inside it). */
  displayPath: string;
  /**
   * A called workflow's `owner/repo/path@ref` as GitHub names it in `job_workflow_ref` (set by the caller
   * from its `uses:`; see `calledWorkflowRef`). Unset for the top-level workflow.
   */
  jobWorkflowRef?: string;
  template: WorkflowTemplate;
  root: MappingToken;
  name: string;
}

/** Parses a workflow with GitHub's parser; any schema error is a ConfigError with file:line:column. */
export async function loadWorkflow(path: string, workspace: string): Promise<LoadedWorkflow> {
  const displayPath = path.startsWith(workspace) ? relative(workspace, path) : path;
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`workflow file not found: ${displayPath}`, { cause: error });
  }
  // Bounded first (nesting depth, alias expansion, size): GitHub's parser recurses per level and expands
  // every alias, so a deep or "billion laughs" file would exhaust its stack or never finish.
  try {
    parseYamlText(content, displayPath, "workflow YAML");
  } catch (error) {
    if (error instanceof InputError)
      throw new ConfigError(error.message, error.position ? { position: error.position } : {});
    throw error;
  }
  const parsed = parseWorkflow({ name: displayPath, content }, new NoOperationTraceWriter());
  const refErrors = parsed.value !== undefined && isMapping(parsed.value) ? usesErrors(parsed.value) : [];
  throwFirstError([...parsed.context.errors.getErrors(), ...refErrors], displayPath);
  if (parsed.value === undefined || !isMapping(parsed.value)) {
    throw new ConfigError(`${displayPath}: not a workflow (expected a mapping)`, {
      position: { file: displayPath },
    });
  }
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  throwFirstError([...parsed.context.errors.getErrors(), ...refErrors], displayPath);
  if (template.errors && template.errors.length > 0) {
    throw new ConfigError(template.errors[0]?.Message ?? "invalid workflow", {
      position: { file: displayPath },
    });
  }
  const nameToken = parsed.value.find("name");
  const name = nameToken && isString(nameToken) ? nameToken.value : displayPath;
  return { path, displayPath, template, root: parsed.value, name };
}

interface ParseError {
  rawMessage: string;
  message: string;
  range?: { start: { line: number; column: number } };
}

/**
 * Refuses the workflow with every error (as GitHub lists them all): the first as the message at its
 * `file:line:column`, the others one per line in the details.
 */
function throwFirstError(errors: ParseError[], file: string): void {
  errors.sort((a, b) => (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0));
  const first = errors[0];
  if (!first) return;
  const at = (error: ParseError) =>
    error.range
      ? `${file}:${error.range.start.line}:${error.range.start.column}: ${error.rawMessage}`
      : error.message;
  const position = first.range
    ? { file, line: first.range.start.line, column: first.range.start.column }
    : { file };
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  // with a position, describeError prints `file:line:column: ` itself: use the message without its prefix
  const message = first.range ? first.rawMessage : first.message;
  const details = errors.slice(1).map(at).join("\n");
  throw new ConfigError(`${message}${more}`, { position, ...(details ? { details } : {}) });
}

/**
 * The `uses:` references GitHub refuses when it parses the workflow, which `@actions/workflow-parser` lets
 * through: a step's action must be `./path`, `docker://image` or `{org}/{repo}[/path]@ref` (actions/runner
 * src/Sdk/WorkflowParser/Conversion/WorkflowTemplateConverter.cs ConvertToStep: "Expected format
 * {org}/{repo}[/path]@ref. Actual '…'"; docs "Workflow syntax" → jobs.<job_id>.steps[*].uses: "We
 * strongly recommend that you include the version of the action"… `{owner}/{repo}@{ref}`), and a job's
 * reusable workflow `./.github/workflows/{filename}` or `{owner}/{repo}/.github/workflows/{filename}@{ref}`
 * (docs "Reuse workflows" → "Calling a reusable workflow").
 */
function usesErrors(root: MappingToken): ParseError[] {
  const errors: ParseError[] = [];
  const add = (token: TemplateToken, message: string) => {
    const start = token.range?.start;
    errors.push({
      rawMessage: message,
      message,
      ...(start ? { range: { start: { line: start.line, column: start.column } } } : {}),
    });
  };
  const jobs = child(root, "jobs");
  if (jobs === undefined || !isMapping(jobs)) return errors;
  for (const pair of jobs) {
    const jobUses = child(pair.value, "uses");
    if (jobUses !== undefined && isString(jobUses) && !jobUses.value.startsWith("./")) {
      const [path = "", ref, ...extra] = jobUses.value.split("@");
      const parts = path.split("/").filter((part) => part !== "");
      if (
        ref === undefined ||
        ref === "" ||
        extra.length > 0 ||
        parts.length < 5 ||
        parts[2] !== ".github" ||
        parts[3] !== "workflows"
      ) {
        add(
          jobUses,
          `Expected format {owner}/{repo}/.github/workflows/{filename}@{ref} or ./.github/workflows/{filename}. Actual '${jobUses.value}'`,
        );
      }
    }
    for (const step of rawSteps(isMapping(pair.value) ? pair.value : undefined)) {
      const uses = child(step, "uses");
      if (uses === undefined || !isString(uses)) continue;
      const value = uses.value;
      if (value.startsWith("docker://") || value.startsWith("./") || value.startsWith(".\\")) continue;
      const segments = value.split("@");
      const pathSegments = (segments[0] ?? "").split(/[/\\]/).filter((part) => part !== "");
      if (segments.length !== 2 || pathSegments.length < 2 || !segments[1]) {
        add(uses, `Expected format {org}/{repo}[/path]@ref. Actual '${value}'`);
      }
    }
  }
  return errors;
}

/** `mapping[key]` when the token is a mapping. */
export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  return token !== undefined && isMapping(token) ? token.find(key) : undefined;
}

/** The raw mapping of job `jobId`. */
export function rawJob(workflow: LoadedWorkflow, jobId: string): MappingToken | undefined {
  const job = child(child(workflow.root, "jobs"), jobId);
  return job !== undefined && isMapping(job) ? job : undefined;
}

/** The raw step mappings of a job, in order. */
export function rawSteps(job: MappingToken | undefined): MappingToken[] {
  const steps = child(job, "steps");
  const out: MappingToken[] = [];
  if (steps === undefined || !isSequence(steps)) return out;
  for (let i = 0; i < steps.count; i++) {
    const step = steps.get(i);
    if (isMapping(step)) out.push(step);
  }
  return out;
}

/** The raw `on:` configuration of one event (`null` when listed without configuration). */
export function rawEvent(workflow: LoadedWorkflow, event: string): TemplateToken | null | undefined {
  const on = workflow.root.find("on");
  if (on === undefined) return undefined;
  if (isString(on)) return on.value === event ? null : undefined;
  if (isSequence(on)) {
    for (let i = 0; i < on.count; i++) {
      const item = on.get(i);
      if (isString(item) && item.value === event) return null;
    }
    return undefined;
  }
  if (isMapping(on)) {
    for (const pair of on) {
      if (isString(pair.key) && pair.key.value === event) return isMapping(pair.value) ? pair.value : null;
    }
  }
  return undefined;
}

/** `file:line` of a token, for messages. */
export function where(
  workflow: Pick<LoadedWorkflow, "displayPath">,
  token: TemplateToken | undefined,
): string {
  const line = token?.range?.start.line;
  return line === undefined ? workflow.displayPath : `${workflow.displayPath}:${line}`;
}
