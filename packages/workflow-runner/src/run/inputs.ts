import { isMapping, isSequence, isString } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { ConfigError } from "@mlops/core";
import { type ExpressionScope, evaluateToken, type Json, toText } from "./expressions.js";
import { child, type LoadedWorkflow, rawEvent, where } from "./load.js";

interface InputDefinition {
  type: string;
  required: boolean;
  default?: TemplateToken;
  token: TemplateToken;
  /** `options` of a `choice` input. */
  options?: string[];
}

/** The input definitions of `on.<event>.inputs` (workflow_call or workflow_dispatch), read from the tokens. */
export function inputDefinitions(workflow: LoadedWorkflow, event: string): Map<string, InputDefinition> {
  const out = new Map<string, InputDefinition>();
  const config = rawEvent(workflow, event);
  const inputs = child(config ?? undefined, "inputs");
  if (inputs === undefined || !isMapping(inputs)) return out;
  for (const pair of inputs) {
    if (!isString(pair.key)) continue;
    const type = child(pair.value, "type");
    const required = child(pair.value, "required");
    const definition: InputDefinition = {
      type: type && isString(type) ? type.value : "string",
      required: required !== undefined && "value" in required && required.value === true,
      token: pair.key,
    };
    const fallback = child(pair.value, "default");
    if (fallback !== undefined) definition.default = fallback;
    const options = child(pair.value, "options");
    if (options !== undefined && isSequence(options)) {
      definition.options = [];
      for (let i = 0; i < options.count; i++) {
        const option = options.get(i);
        definition.options.push("value" in option ? String(option.value) : option.toString());
      }
    }
    out.set(pair.key.value, definition);
  }
  return out;
}

function coerce(value: Json, type: string): Json {
  if (type === "boolean") {
    if (value === "true") return true;
    if (value === "false") return false;
    return value;
  }
  if (type === "number") return typeof value === "number" ? value : Number(value);
  return typeof value === "string" ? value : toText(value);
}

function emptyOf(type: string): Json {
  return type === "boolean" ? false : type === "number" ? 0 : "";
}

/**
 * The `inputs` context: given values (typed as declared), then declared defaults (expressions
 * evaluated), then the type's empty value. A missing required input or an undeclared one is an error.
 */
export function resolveInputs(
  workflow: LoadedWorkflow,
  event: string,
  given: Record<string, Json>,
  scope: ExpressionScope,
  callerWhere: string,
): Record<string, Json> {
  const definitions = inputDefinitions(workflow, event);
  const out: Record<string, Json> = {};
  for (const name of Object.keys(given)) {
    if (!definitions.has(name) && event === "workflow_call") {
      throw new ConfigError(
        `${callerWhere}: invalid input '${name}': not defined in ${workflow.displayPath}`,
      );
    }
  }
  for (const [name, definition] of definitions) {
    const value = given[name];
    if (value !== undefined && value !== null) out[name] = coerce(value, definition.type);
    else if (definition.default !== undefined)
      out[name] = coerce(evaluateToken(definition.default, scope), definition.type);
    else if (definition.required) {
      throw new ConfigError(
        `${callerWhere}: input '${name}' is required by ${where(workflow, definition.token)} but was not given`,
      );
    } else out[name] = emptyOf(definition.type);
  }
  for (const [name, value] of Object.entries(given)) if (!(name in out)) out[name] = value;
  return out;
}

/**
 * The inputs of a `workflow_dispatch` run given on the command line (`--input name=value`), checked as
 * GitHub checks a dispatch (docs "Workflow syntax for GitHub Actions" → `on.workflow_dispatch.inputs`,
 * https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#onworkflow_dispatchinputs;
 * REST "Create a workflow dispatch event" answers 422 `Unexpected inputs provided: ["name"]` for an
 * undeclared input, as recorded in convictional/trigger-workflow-and-wait#4): types `boolean`, `choice`
 * (one of `options`), `number`, `environment`, `string`; a missing input takes its `default`; a required
 * one without a default is an error. Returns the `inputs` context (booleans and numbers typed) and the
 * event payload's `inputs` (every value a string: docs "Contexts reference" → inputs context: "github.event.inputs
 * … preserves Boolean values as strings").
 */
export function resolveDispatchInputs(
  workflow: LoadedWorkflow,
  given: Record<string, string>,
): { inputs: Record<string, Json>; event: Record<string, string> } {
  const definitions = inputDefinitions(workflow, "workflow_dispatch");
  const unknown = Object.keys(given).filter((name) => !definitions.has(name));
  if (unknown.length > 0) {
    const declared = [...definitions.keys()];
    const on = rawEvent(workflow, "workflow_dispatch");
    const line = on?.range?.start.line;
    throw new ConfigError(
      `Unexpected inputs provided: ${JSON.stringify(unknown)} (on.workflow_dispatch.inputs declares ${declared.length > 0 ? declared.join(", ") : "none"})`,
      { position: { file: workflow.displayPath, ...(line !== undefined ? { line } : {}) } },
    );
  }
  const inputs: Record<string, Json> = {};
  const event: Record<string, string> = {};
  const noScope: ExpressionScope = { contexts: {}, status: { status: () => "success" }, workspace: "" };
  for (const [name, definition] of definitions) {
    const line = definition.token.range?.start.line;
    const fail = (message: string) =>
      new ConfigError(message, {
        position: { file: workflow.displayPath, ...(line !== undefined ? { line } : {}) },
      });
    let value = given[name];
    if (value === undefined && definition.default !== undefined) {
      value = toText(evaluateToken(definition.default, noScope));
    }
    if (value === undefined) {
      if (definition.required) {
        throw fail(`input '${name}' is required but was not given: --input ${name}=…`);
      }
      value = "";
    }
    switch (definition.type) {
      case "boolean":
        if (value === "") {
          inputs[name] = false;
          break;
        }
        if (value !== "true" && value !== "false") {
          throw fail(`input '${name}' is a boolean: expected true or false, got '${value}'`);
        }
        inputs[name] = value === "true";
        break;
      case "number": {
        const number = Number(value);
        if (value.trim() === "" && !definition.required) {
          inputs[name] = "";
          break;
        }
        if (value.trim() === "" || !Number.isFinite(number)) {
          throw fail(`input '${name}' is a number: '${value}' is not a number`);
        }
        inputs[name] = number;
        break;
      }
      case "choice": {
        const options = definition.options ?? [];
        if (!options.includes(value) && !(value === "" && !definition.required)) {
          throw fail(
            `input '${name}' is a choice: '${value}' is not one of its options ${JSON.stringify(options)}`,
          );
        }
        inputs[name] = value;
        break;
      }
      default:
        // string, environment (the environment's existence is not checked locally)
        inputs[name] = value;
    }
    event[name] = value;
  }
  return { inputs, event };
}
