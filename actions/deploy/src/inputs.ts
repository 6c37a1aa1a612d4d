import {
  booleanInput,
  defaultedInput,
  integerInput,
  listInput,
  optionalInput,
  requiredInput,
} from "@mlops/action-kit";
import { modelVersionProblem } from "@mlops/core";
import { z } from "zod";

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  "model-name": optionalInput(),
  version: optionalInput().pipe(
    z
      .string()
      .superRefine((text, ctx) => {
        const problem = ["latest", "previous"].includes(text) ? undefined : modelVersionProblem(text);
        if (problem)
          ctx.addIssue({
            code: "custom",
            message: `expected a version (7, 1.4.0), \`latest\` or \`previous\`: ${problem}`,
          });
      })
      .optional(),
  ),
  alias: optionalInput(),
  "promote-from": optionalInput(),
  environment: requiredInput().pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, { message: "expected an environment name (letters, digits, . _ -)" }),
  ),
  command: optionalInput(),
  "health-check": optionalInput(),
  "health-check-retries": integerInput(5, { min: 1 }),
  "rollback-on-failure": booleanInput(true),
  "environment-url": optionalInput(),
  "require-signature": optionalInput().pipe(
    z.enum(["true", "false"], { message: "expected true or false" }).optional(),
  ),
  "public-key": optionalInput(),
  "allowed-signer-refs": listInput({ commas: true }),
  config: defaultedInput("mlops.yml"),
  "github-token": requiredInput(),
});

export type DeployInputs = z.output<typeof inputSchema>;
