import * as z from "zod";
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
  /** The sweep cell this run trained (the `sweep-cell` input of `train`): its id and matrix values. */
  sweep: z.object({ cell: z.string().min(1), values: z.record(z.string(), z.json()) }).optional(),
  created_at: z.string().datetime({ offset: true }),
});
/** `run.json` contents. */
export type RunManifest = z.infer<typeof runManifestSchema>;

/**
 * One numbered part of a model file too large for one release asset (GitHub: each asset under 2 GiB):
 * asset `name` holds bytes `offset … offset + size - 1` of the file.
 */
const modelFilePart = z.object({
  name: z.string().min(1),
  offset: z.number().int().nonnegative(),
  size: z.number().int().positive(),
  sha256,
});

/**
 * A model file: its whole size and sha256, and — when it was stored as numbered parts — every part in
 * order. The parts tile the file exactly (offsets contiguous from 0, sizes summing to `size`).
 */
const modelFile = z
  .object({
    name: z.string().min(1),
    size: z.number().int().nonnegative(),
    sha256,
    parts: z.array(modelFilePart).min(2).optional(),
  })
  .superRefine((file, ctx) => {
    if (!file.parts) return;
    let offset = 0;
    for (const [index, part] of file.parts.entries()) {
      if (part.offset !== offset)
        ctx.addIssue({
          code: "custom",
          path: ["parts", index, "offset"],
          message: `expected ${offset}: the parts must tile the file in order`,
        });
      offset = part.offset + part.size;
    }
    if (offset !== file.size)
      ctx.addIssue({
        code: "custom",
        path: ["parts"],
        message: `the parts hold ${offset} bytes, the file ${file.size}`,
      });
  });

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
  files: z.array(modelFile),
  created_at: z.string().datetime({ offset: true }),
  actor: z.string(),
});
/** `model.json` contents. */
export type ModelManifest = z.infer<typeof modelManifestSchema>;
