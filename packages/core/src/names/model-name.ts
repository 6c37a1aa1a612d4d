import { InputError } from "../errors.js";

/**
 * A model (or alias) name: the registry namespace (`refs/tags/<model>/v7`), the key of its PR comment and
 * the stem of its artifact names. Lower-case so it means one thing on every file system and in every URL;
 * no `/` (it is one ref segment) and no `@` (it starts an alias in a selector). docs/architecture.md,
 * "The registry on releases".
 */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** What a name may look like, in words (error messages, the config schema, docs). */
export const MODEL_NAME_RULE =
  "1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (no '/', no '@')";

/**
 * True when `name` is a valid model or alias name: the pattern, and nothing git refuses in a ref segment
 * (`..`, a trailing `.lock`; git-check-ref-format).
 */
export function isValidName(name: string): boolean {
  return MODEL_NAME_PATTERN.test(name) && !name.endsWith(".lock") && !name.includes("..");
}

/** Throws an InputError unless `model` is a valid model name (`MODEL_NAME_RULE`). */
export function validateModelName(model: string): string {
  if (!isValidName(model)) throw new InputError(`Invalid model name '${model}': use ${MODEL_NAME_RULE}.`);
  return model;
}

/** Throws an InputError unless `alias` is a valid alias name (the same rule as model names). */
export function validateAliasName(alias: string): string {
  if (!isValidName(alias)) throw new InputError(`Invalid alias '${alias}': use ${MODEL_NAME_RULE}.`);
  return alias;
}

/**
 * The alias an environment's current version is kept under: `production` → `@production`,
 * `Prod EU` → `@prod-eu` (environment names allow upper case and spaces; aliases do not).
 */
export function environmentAlias(environment: string): string {
  return environment.toLowerCase().replace(/[^a-z0-9._-]/g, "-");
}
