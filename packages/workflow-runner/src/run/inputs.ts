import { isMapping, isString } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { ConfigError } from "@mlops/core";
import { type ExpressionScope, evaluateToken, type Json, toText } from "./expressions.js";
import { child, type LoadedWorkflow, rawEvent, where } from "./load.js";

interface InputDefinition {
  type: string;
  required: boolean;
  default?: TemplateToken;
  token: TemplateToken;
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
