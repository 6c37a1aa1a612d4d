import { InputError, tryParseModelVersion } from "@mlops/core";
import { versionSelector } from "@mlops/github";
import type { DeployInputs } from "./inputs.js";

/** The alias an environment's current version is kept under: `production` → `@production`. */
export function environmentAlias(environment: string): string {
  return environment.toLowerCase().replace(/[^a-z0-9._-]/g, "-");
}

/**
 * The registry selector for what to deploy: `version` (`7`, `v7`, `1.4.0`, `latest`, `previous`), `alias`
 * (`@staging`) or `promote-from` (the version behind that environment's alias). Exactly one.
 */
export function deploySelector(inputs: DeployInputs): string {
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
  if (inputs.version !== undefined) {
    const version = tryParseModelVersion(inputs.version);
    return version ? versionSelector(version.label) : inputs.version;
  }
  if (inputs.alias !== undefined) return `@${inputs.alias.replace(/^@/, "")}`;
  return `@${environmentAlias(inputs["promote-from"] ?? "")}`;
}
