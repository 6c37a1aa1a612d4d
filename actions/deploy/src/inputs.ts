import {
  booleanInput,
  defaultedInput,
  integerInput,
  listInput,
  optionalInput,
  requiredInput,
} from "@mlops/action-kit";
import { selectorProblem } from "@mlops/core";
import * as z from "zod";

/** The selector kinds the `version` input takes (the `alias` input takes an alias). */
export const VERSION_INPUT_KINDS = ["version", "latest", "previous"] as const;

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  "model-name": optionalInput(),
  version: optionalInput().pipe(
    z
      .string()
      .superRefine((text, ctx) => {
        const problem = selectorProblem(text, { allow: VERSION_INPUT_KINDS });
        if (problem) ctx.addIssue({ code: "custom", message: problem });
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
  "trusted-root": optionalInput(),
  "oidc-issuer": optionalInput().pipe(
    z
      .string()
      .regex(/^https?:\/\/[^\s/]+/, { message: "expected a URL (https://…)" })
      .optional(),
  ),
  "allowed-signer-refs": listInput({ commas: true }),
  config: defaultedInput("mlops.yml"),
  "github-token": requiredInput(),
});

export type DeployInputs = z.output<typeof inputSchema>;
