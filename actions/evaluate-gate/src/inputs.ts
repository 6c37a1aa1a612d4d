import { booleanInput, defaultedInput, optionalInput, requiredInput } from "@mlops/action-kit";
import * as z from "zod";

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  "model-name": optionalInput(),
  metrics: optionalInput(),
  baseline: defaultedInput("auto"),
  rules: z.string().transform((raw) =>
    raw
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  ),
  "per-example": optionalInput(),
  config: defaultedInput("mlops.yml"),
  comment: booleanInput(true),
  check: booleanInput(true),
  "on-skipped": optionalInput().pipe(
    z.enum(["warn", "fail"], { message: "expected warn or fail" }).optional(),
  ),
  "fail-on-regression": booleanInput(true),
  "artifact-name": optionalInput(),
  "pull-request": optionalInput().pipe(
    z
      .string()
      .regex(/^[1-9]\d*$/, { message: "expected a pull request number" })
      .transform(Number)
      .optional(),
  ),
  "head-sha": optionalInput().pipe(
    z
      .string()
      .regex(/^[0-9a-f]{40}$/, { message: "expected a 40-character commit SHA" })
      .optional(),
  ),
  "comment-author": optionalInput(),
  "plots-branch": defaultedInput("mlops-plots"),
  sweep: optionalInput(),
  "github-token": requiredInput(),
});

export type GateInputs = z.output<typeof inputSchema>;
