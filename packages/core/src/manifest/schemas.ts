import { z } from "zod";
import { modelVersionProblem, tryParseModelVersion } from "./model-version.js";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits");
const metrics = z.record(z.string(), z.number());
const params = z.record(z.string(), z.union([z.number(), z.string()]));
const fingerprint = z.object({ path: z.string().min(1), size: z.number().int().nonnegative(), sha256 });

/**
 * A version label (`7`, `1.4.0`, `2.0.0-rc.1`). Manifests written before semver support hold a number:
 * it is read as its label (`7` → `"7"`).
 */
const modelVersion = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const parsed = tryParseModelVersion(String(value));
  if (parsed) return parsed.label;
  ctx.addIssue({ code: "custom", message: modelVersionProblem(String(value)) ?? "invalid version" });
  return z.NEVER;
});

/** Schema of `run.json` (schema_version 1), written by the train action. */
export const runManifestSchema = z.object({
  schema_version: z.literal(1),
  model: z.string().min(1),
  commit: z.string().min(1),
  ref: z.string(),
  repository: z.string().min(1),
  run: z.object({
    id: z.number().int(),
    attempt: z.number().int().positive(),
    url: z.string(),
    workflow: z.string(),
  }),
  command: z.object({ exit_code: z.number().int(), duration_ms: z.number().nonnegative() }),
  params,
  metrics,
  files: z.array(fingerprint),
  data: z.array(fingerprint),
  runner: z.object({ os: z.string(), arch: z.string(), node: z.string(), name: z.string() }),
  created_at: z.string().datetime({ offset: true }),
});
/** `run.json` contents. */
export type RunManifest = z.infer<typeof runManifestSchema>;

/** Schema of `model.json` (schema_version 1), attached to each registered model version. */
export const modelManifestSchema = z.object({
  schema_version: z.literal(1),
  model: z.string().min(1),
  version: modelVersion,
  metrics,
  params,
  signature: z.record(z.string(), z.unknown()).optional(),
  lineage: z.object({
    repository: z.string().min(1),
    commit: z.string().min(1),
    workflow_ref: z.string(),
    run: z.object({ id: z.number().int(), attempt: z.number().int().positive(), url: z.string() }),
    data: z.array(fingerprint),
    parent_version: modelVersion.nullable(),
  }),
  files: z.array(z.object({ name: z.string().min(1), size: z.number().int().nonnegative(), sha256 })),
  created_at: z.string().datetime({ offset: true }),
  actor: z.string(),
});
/** `model.json` contents. */
export type ModelManifest = z.infer<typeof modelManifestSchema>;
