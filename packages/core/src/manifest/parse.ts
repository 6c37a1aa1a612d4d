import type { z } from "zod";
import { IntegrityError } from "../errors.js";
import { type ModelManifest, modelManifestSchema, type RunManifest, runManifestSchema } from "./schemas.js";

/** Human list of zod issues: `path: message` per line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(document)"}: ${i.message}`)
    .join("\n");
}

function parseJsonDocument<T>(text: string, what: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new IntegrityError(`${what} is not valid JSON`, {
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
    });
  }
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new IntegrityError(`${what} does not match schema_version 1`, {
      details: describeIssues(result.error),
    });
  return result.data;
}

/** Parses and validates `run.json` text; IntegrityError listing each problem. */
export function parseRunManifest(text: string): RunManifest {
  return parseJsonDocument(text, "run.json", runManifestSchema);
}

/** Parses and validates `model.json` text; IntegrityError listing each problem. */
export function parseModelManifest(text: string): ModelManifest {
  return parseJsonDocument(text, "model.json", modelManifestSchema);
}

/** Validates and serialises a run manifest (2-space JSON, trailing newline). */
export function buildRunManifest(manifest: Omit<RunManifest, "schema_version">): string {
  return `${JSON.stringify(runManifestSchema.parse({ schema_version: 1, ...manifest }), null, 2)}\n`;
}

/** Validates and serialises a model manifest (2-space JSON, trailing newline). */
export function buildModelManifest(manifest: Omit<ModelManifest, "schema_version">): string {
  return `${JSON.stringify(modelManifestSchema.parse({ schema_version: 1, ...manifest }), null, 2)}\n`;
}
