import { booleanInput, defaultedInput, listInput, optionalInput, requiredInput } from "@mlops/action-kit";
import { z } from "zod";

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  "model-name": optionalInput(),
  version: defaultedInput("auto").pipe(
    z.string().regex(/^(auto|\d+)$/, { message: "expected `auto` or a whole number" }),
  ),
  files: listInput(),
  manifest: optionalInput(),
  metrics: optionalInput(),
  aliases: listInput({ commas: true }),
  description: optionalInput(),
  tags: listInput({ commas: true }),
  prerelease: booleanInput(false),
  "reference-profile": optionalInput(),
  "per-example": optionalInput(),
  config: defaultedInput("mlops.yml"),
  dispatch: booleanInput(true),
  "github-token": requiredInput(),
});

export type RegisterInputs = z.output<typeof inputSchema>;
