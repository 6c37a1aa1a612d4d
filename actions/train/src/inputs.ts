import { booleanInput, defaultedInput, listInput, optionalInput, requiredInput } from "@mlops/action-kit";
import * as z from "zod";

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  command: requiredInput(),
  "working-directory": defaultedInput("."),
  "model-name": optionalInput(),
  config: defaultedInput("mlops.yml"),
  metrics: listInput(),
  params: listInput(),
  artifacts: listInput(),
  data: listInput(),
  "upload-artifact": booleanInput(true),
  "artifact-name": optionalInput(),
  "sweep-cell": optionalInput(),
});
