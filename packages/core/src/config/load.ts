import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { isMap, isSeq, type Node } from "yaml";
import type { z } from "zod";
import { ConfigError, InputError } from "../errors.js";
import { editDistance } from "../gate/evaluate.js";
import { parseYamlText, readInputText } from "../input/limits.js";
import type { MetricSpec, Tolerance } from "../types.js";
import { configSchema, type MlopsConfig, type ModelConfig } from "./schema.js";

function pathText(path: PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`))
    .join("");
}

/** The deepest YAML node on `path` (a missing key points at its parent). */
function nodeAt(root: Node | null, path: PropertyKey[]): Node | null {
  let node = root;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === part);
      if (!pair) break;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof part === "number" && node.items[part]) {
      node = node.items[part] as Node;
    } else break;
  }
  return node;
}

/** The keys the schema allows at `path` (through arrays, records, unions, optionals, defaults and pipes). */
function knownKeys(schema: unknown, path: readonly PropertyKey[]): string[] | undefined {
  type Walkable = {
    shape?: Record<string, unknown>;
    element?: unknown;
    unwrap?: () => unknown;
    _zod?: { def?: { in?: unknown; valueType?: unknown; options?: unknown[] } };
  };
  const unwrapped = (start: unknown): Walkable | undefined => {
    let node = start as Walkable | undefined;
    for (
      let i = 0;
      i < 8 && node && !node.shape && !node.element && !node._zod?.def?.options && !node._zod?.def?.valueType;
      i++
    )
      node = (node.unwrap ? node.unwrap() : (node._zod?.def?.in ?? undefined)) as Walkable | undefined;
    return node;
  };
  // a union (e.g. a list or a map): the first option that can take the step
  const options = (node: Walkable | undefined): (Walkable | undefined)[] =>
    node?._zod?.def?.options ? node._zod.def.options.map(unwrapped) : [node];
  let node = unwrapped(schema);
  for (const part of path) {
    let next: unknown;
    for (const option of options(node)) {
      next =
        typeof part === "number"
          ? option?.element
          : (option?.shape?.[String(part)] ?? option?._zod?.def?.valueType); // an object's key, a record's value
      if (next !== undefined) break;
    }
    node = unwrapped(next);
  }
  const object = options(node).find((option) => option?.shape);
  return object?.shape ? Object.keys(object.shape) : undefined;
}

/** `unknown key "on_skiped" (did you mean "on_skipped"?)`: a typo is named with the key it probably is. */
function unknownKeysMessage(keys: readonly string[], path: readonly PropertyKey[]): string {
  const known = knownKeys(configSchema, path) ?? [];
  const named = keys.map((key) => {
    const close = known
      .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
      .filter(({ k, d }) => d <= Math.max(1, Math.floor(k.length / 4)) || k === key.replace(/-/g, "_"))
      .sort((a, b) => a.d - b.d)[0];
    return close ? `"${key}" (did you mean "${close.k}"?)` : `"${key}"`;
  });
  return `unknown key${keys.length > 1 ? "s" : ""} ${named.join(", ")}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return unknownKeysMessage(issue.keys, issue.path);
  if (issue.code === "invalid_value")
    return `expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message))
    return `missing (expected ${issue.expected})`;
  return issue.message.replace(/^Invalid input: /, "");
}

/** Parses and validates `mlops.yml` text; every error is one line naming file, line and column. */
export function parseConfig(text: string, file: string): MlopsConfig {
  let parsed: ReturnType<typeof parseYamlText>;
  try {
    parsed = parseYamlText(text, file, "YAML", { mergeKeys: true });
  } catch (error) {
    if (error instanceof InputError)
      throw new ConfigError(error.message, error.position ? { position: error.position } : {});
    throw error;
  }
  const { contents, position } = parsed;
  const result = configSchema.safeParse(parsed.data ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const node = nodeAt(contents, issue.path);
    const where = node?.range ? position(node.range[0]) : { file, line: 1, column: 1 };
    const path = pathText(issue.path);
    return { where, text: `${path ? `${path}: ` : ""}${issueMessage(issue)}` };
  });
  // One line: the first problem where it is, then (briefly) how many more there are and where.
  const [first, ...rest] = problems;
  const shown = rest.slice(0, 3).map((p) => `line ${p.where.line}: ${p.text}`);
  const more =
    rest.length === 0
      ? ""
      : ` (also ${shown.join("; ")}${rest.length > shown.length ? `; and ${rest.length - shown.length} more` : ""})`;
  throw new ConfigError(`${first!.text.replace(/\s*\n\s*/g, " ")}${more.replace(/\s*\n\s*/g, " ")}`, {
    position: first!.where,
  });
}

export function loadConfig(path: string): MlopsConfig {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  let text: string;
  try {
    text = readInputText(path);
  } catch (error) {
    if (error instanceof InputError)
      throw new ConfigError(error.message, error.position ? { position: error.position } : {});
    throw new ConfigError(`cannot read the config file: ${(error as Error).message}`, {
      position: { file: path },
    });
  }
  return parseConfig(text, path);
}

/** The named model, or the only one when no name is given. */
export function findModel(config: MlopsConfig, name: string | undefined, file = "mlops.yml"): ModelConfig {
  if (name === undefined) {
    if (config.models.length === 1) return config.models[0]!;
    throw new ConfigError(
      `${file} declares ${config.models.length} models; choose one with --model / model-name (${config.models.map((m) => m.name).join(", ")})`,
    );
  }
  const model = config.models.find((m) => m.name === name);
  if (!model)
    throw new ConfigError(
      `model "${name}" is not in ${file} (it has: ${config.models.map((m) => m.name).join(", ")})`,
    );
  return model;
}

/**
 * The model's entry of the config file at `configPath` (relative to `cwd`), or `undefined` when the file
 * does not exist: action inputs and CLI flags may stand in for a config.
 */
export function findModelIfConfigured(
  cwd: string,
  configPath: string,
  name: string | undefined,
): ModelConfig | undefined {
  const path = resolve(cwd, configPath);
  if (!existsSync(path)) return undefined;
  return findModel(loadConfig(path), name, configPath);
}

/** The model name given, else the config's; one clear error when there is neither. */
export function requireModelName(
  given: string | undefined,
  fromConfig: ModelConfig | undefined,
  configPath: string,
  alsoLookedIn = "",
): string {
  const name = given ?? fromConfig?.name;
  if (!name) throw new InputError(`'model-name' is required when there is no ${configPath}${alsoLookedIn}`);
  return name;
}

export function parseTolerance(value: number | string | undefined): Tolerance | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return { absolute: value };
  return { relative: Number(value.slice(0, -1)) / 100 };
}

/** The model's metric specs (defaults merged in), in the domain's shape. */
export function metricSpecsOf(config: MlopsConfig, model: ModelConfig): Record<string, MetricSpec> {
  const merged = { ...config.defaults?.metric_specs, ...model.metric_specs };
  const specs: Record<string, MetricSpec> = {};
  for (const [name, spec] of Object.entries(merged)) {
    const tolerance = parseTolerance(spec.tolerance);
    specs[name] = {
      ...(spec.goal ? { goal: spec.goal } : {}),
      ...(spec.unit ? { unit: spec.unit } : {}),
      ...(spec.precision ? { precision: spec.precision } : {}),
      ...(tolerance ? { tolerance } : {}),
    };
  }
  return specs;
}

/**
 * True when the config file at `configPath` (relative to `cwd`) says `environment` of `model` must be
 * protected (`environments[].require_protection: true`); false when there is no such file, model or entry.
 */
export function protectionRequired(
  cwd: string,
  configPath: string,
  model: string,
  environment: string,
): boolean {
  const path = resolve(cwd, configPath);
  if (!existsSync(path)) return false;
  const entry = loadConfig(path).models.find((m) => m.name === model);
  return entry?.environments?.find((e) => e.name === environment)?.require_protection === true;
}

/** A model's entry in the config, with its metric specs and the config's text (for rule positions). */
export interface ModelConfigEntry {
  model?: ModelConfig;
  specs: Record<string, MetricSpec>;
  text?: string;
}

/**
 * The config at `path` (named `file` in messages and annotations) and its model `name` (the only one when
 * undefined); an absent file is no config (no specs), as the gate allows.
 */
export function readModelConfig(path: string, file: string, name: string | undefined): ModelConfigEntry {
  if (!existsSync(path)) return { specs: {} };
  const text = readInputText(path, file);
  const config = parseConfig(text, file);
  const model = findModel(config, name, file);
  return { model, specs: metricSpecsOf(config, model), text };
}
