import { booleanInput, defaultedInput, listInput, optionalInput, requiredInput } from "@mlops/action-kit";
import { modelVersionProblem } from "@mlops/core";
import * as z from "zod";

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  "model-name": optionalInput(),
  /** `auto`, or an explicit whole number / semver label (validated before anything is read or written). */
  version: defaultedInput("auto").pipe(
    z.string().superRefine((text, ctx) => {
      const problem = text === "auto" ? undefined : modelVersionProblem(text);
      if (problem)
        ctx.addIssue({ code: "custom", message: `expected \`auto\`, a whole number or semver: ${problem}` });
    }),
  ),
  files: listInput(),
  manifest: optionalInput(),
  metrics: optionalInput(),
  aliases: listInput({ commas: true }),
  description: optionalInput(),
  tags: listInput({ commas: true }),
  prerelease: booleanInput(false),
  "reference-profile": optionalInput(),
  "reference-data": listInput(),
  "per-example": optionalInput(),
  "artifact-name": optionalInput(),
  config: defaultedInput("mlops.yml"),
  dispatch: booleanInput(true),
  "gate-result": optionalInput(),
  signing: defaultedInput("auto").pipe(
    z.enum(["auto", "key", "keyless", "none"], { message: "expected one of auto, key, keyless, none" }),
  ),
  "signing-key": optionalInput(),
  "github-token": requiredInput(),
});

export type RegisterInputs = z.output<typeof inputSchema>;
