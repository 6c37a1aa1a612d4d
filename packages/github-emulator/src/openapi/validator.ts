/**
 * Response validation against GitHub's OpenAPI description (`@octokit/openapi`, read directly from
 * `generated/api.github.com.json`; the package root is never imported). Validators are compiled lazily
 * per operation + status and cached. Ajv 8 understands OpenAPI's `nullable`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

interface OpenApiOperation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApiSpec {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: Record<string, unknown>;
}

/** One response that did not match the spec. */
export interface SchemaViolation {
  method: string;
  path: string;
  operation: string;
  status: number;
  errors: string[];
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
let spec: OpenApiSpec | undefined;
let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction | null>();

function load(): { spec: OpenApiSpec; ajv: Ajv } {
  if (!spec || !ajv) {
    const require = createRequire(import.meta.url);
    const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
    spec = JSON.parse(readFileSync(file, "utf8")) as OpenApiSpec;
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    // GitHub's bot addresses (`41898282+github-actions[bot]@users.noreply.github.com`, the author of commits
    // made with GITHUB_TOKEN) have brackets in the local part, which ajv-formats' conservative regex refuses.
    ajv.addFormat("email", /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
    allowStarterAssets(spec);
    ajv.addSchema({ $id: "gh", components: adaptSchema(spec.components) });
  }
  return { spec, ajv };
}

/** GitHub documents `state: "starter"` (left by a failed upload) in prose but not in the enum: accept it. */
function allowStarterAssets(openapi: OpenApiSpec): void {
  const schemas = openapi.components.schemas as
    | Record<string, { properties?: Record<string, { enum?: unknown[] }> }>
    | undefined;
  const state = schemas?.["release-asset"]?.properties?.state;
  if (state?.enum && !state.enum.includes("starter")) state.enum.push("starter");
}

/** The compiled validator for `method openapiPath` + status, or null when the spec declares no JSON body. */
function validatorFor(method: string, openapiPath: string, status: number): ValidateFunction | null {
  const key = `${method} ${openapiPath} ${status}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const { spec, ajv } = load();
  const operation = spec.paths[openapiPath]?.[method.toLowerCase()];
  if (!operation) throw new Error(`OpenAPI has no operation ${method} ${openapiPath}`);
  const response = operation.responses?.[String(status)];
  const schema = response?.content?.["application/json"]?.schema;
  const compiled = schema ? ajv.compile(adaptSchema(schema) as object) : null;
  cache.set(key, compiled);
  return compiled;
}

/**
 * Adapts GitHub's OpenAPI 3.0 schemas to Ajv:
 * - local `#/components/...` refs point at the shared `gh` schema;
 * - `nullable: true` with an `enum` gets `null` added to the enum (OpenAPI 3.0.3 semantics; Ajv would
 *   otherwise reject `conclusion: null`); `nullable: true` without a `type` (next to `allOf`, `$ref`)
 *   becomes `anyOf: [schema, null]`, which Ajv would otherwise refuse to compile;
 * - a `format` whose declared `default` is `""` also accepts `""` (GitHub sends `log_url: ""`).
 */
export function adaptSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adaptSchema);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "$ref" && typeof value === "string" && value.startsWith("#/")
        ? `gh${value}`
        : adaptSchema(value);
  }
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null))
    out.enum = [...out.enum, null];
  if (out.nullable === true && out.type === undefined) {
    // Ajv only understands `nullable` next to `type`; GitHub also puts it next to `allOf`/`anyOf`/`$ref`.
    const { nullable: _, ...rest } = out;
    return { anyOf: [rest, { type: "null" }] };
  }
  if (typeof out.format === "string" && out.default === "") {
    const { format, ...rest } = out;
    return { ...rest, anyOf: [{ const: "" }, { format }] };
  }
  return out;
}

/**
 * Validates one response. Returns the problems (empty when valid). A status the spec does not declare
 * for the operation is itself a violation (except 5xx/429 injected by faults, and 401/403 auth errors).
 */
export function validateResponse(
  method: string,
  openapiPath: string,
  status: number,
  body: unknown,
): string[] {
  const { spec } = load();
  const operation = spec.paths[openapiPath]?.[method.toLowerCase()];
  if (!operation) return [`no OpenAPI operation ${method} ${openapiPath}`];
  if (!operation.responses?.[String(status)]) {
    // Errors GitHub sends without declaring them (e.g. 422 on PATCH release) must still have GitHub's error shape.
    if (status >= 400)
      return check(componentValidator(status === 422 ? "validation-error" : "basic-error"), body);
    return [`status ${status} is not declared for ${method} ${openapiPath}`];
  }
  return check(validatorFor(method, openapiPath, status), body);
}

function componentValidator(name: string): ValidateFunction {
  const key = `component ${name}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const compiled = load().ajv.compile({ $ref: `gh#/components/schemas/${name}` });
  cache.set(key, compiled);
  return compiled;
}

function check(validate: ValidateFunction | null, body: unknown): string[] {
  if (!validate || body === undefined) return [];
  if (validate(body)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "invalid"}`);
}
