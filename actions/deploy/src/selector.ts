import {
  environmentAlias,
  InputError,
  type ModelSelector,
  parseAliasSelector,
  parseSelector,
} from "@mlops/core";
import { type DeployInputs, VERSION_INPUT_KINDS } from "./inputs.js";

/**
 * The registry selector for what to deploy: `version` (`7`, `v7`, `1.4.0`, `latest`, `previous`), `alias`
 * (`@staging`) or `promote-from` (the version behind that environment's alias). Exactly one.
 */
export function deploySelector(inputs: DeployInputs): ModelSelector {
  const given = [
    inputs.version !== undefined ? "version" : undefined,
    inputs.alias !== undefined ? "alias" : undefined,
    inputs["promote-from"] !== undefined ? "promote-from" : undefined,
  ].filter((name) => name !== undefined);
  if (given.length !== 1)
    throw new InputError(
      given.length === 0
        ? "Give one of 'version', 'alias' or 'promote-from' to say what to deploy"
        : `Give only one of 'version', 'alias' or 'promote-from' (got ${given.join(", ")})`,
    );
  if (inputs.version !== undefined)
    return parseSelector(inputs.version, { allow: VERSION_INPUT_KINDS, what: "version" });
  if (inputs.alias !== undefined) return { kind: "alias", alias: parseAliasSelector(inputs.alias, "alias") };
  return { kind: "alias", alias: environmentAlias(inputs["promote-from"] ?? "") };
}
