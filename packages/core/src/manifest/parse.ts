import type { z } from "zod";
import { IntegrityError, MlopsError } from "../errors.js";
import { parseJsonText } from "../input/limits.js";
import { type ModelManifest, modelManifestSchema, type RunManifest, runManifestSchema } from "./schemas.js";

/** Human list of zod issues: `path: message` per line (the first 5, then how many more). */
export function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 5).map((i) => {
    const message =
      i.code === "invalid_type" && /received undefined/.test(i.message)
        ? `missing (expected ${i.expected})`
        : i.message.replace(/^Invalid input: /, "").replace(/^Invalid input$/, "invalid value");
    return `${i.path.length > 0 ? i.path.join(".") : "(document)"}: ${message}`;
  });
  if (error.issues.length > 5) lines.push(`and ${error.issues.length - 5} more`);
  return lines.join("\n");
}

function parseJsonDocument<T>(text: string, what: string, schema: z.ZodType<T>, file?: string): T {
  let raw: unknown;
  try {
    // bounded like every JSON input (nesting depth), so that validating it cannot exhaust the stack
    raw = parseJsonText(text, file ?? what, what);
  } catch (cause) {
    const position = cause instanceof MlopsError ? cause.position : undefined;
    throw new IntegrityError(`${what} is not valid JSON`, {
      cause,
      ...(file && position ? { position } : {}),
      details: cause instanceof Error ? cause.message : String(cause),
    });
  }
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new IntegrityError(`${what} does not match schema_version 1`, {
      ...(file ? { position: { file } } : {}),
      details: describeIssues(result.error),
    });
  return result.data;
}

/** Parses and validates `run.json` text (read from `file`, named in errors); IntegrityError listing each problem. */
export function parseRunManifest(text: string, file?: string): RunManifest {
  return parseJsonDocument(text, "run.json", runManifestSchema, file);
}

/** Parses and validates `model.json` text (read from `file`, named in errors); IntegrityError listing each problem. */
export function parseModelManifest(text: string, file?: string): ModelManifest {
  return parseJsonDocument(text, "model.json", modelManifestSchema, file);
}

/** Validates and serialises a run manifest (2-space JSON, trailing newline). */
export function buildRunManifest(manifest: Omit<RunManifest, "schema_version">): string {
  return `${JSON.stringify(runManifestSchema.parse({ schema_version: 1, ...manifest }), null, 2)}\n`;
}

/** Validates and serialises a model manifest (2-space JSON, trailing newline). */
export function buildModelManifest(manifest: Omit<ModelManifest, "schema_version">): string {
  return `${JSON.stringify(modelManifestSchema.parse({ schema_version: 1, ...manifest }), null, 2)}\n`;
}
