import {
  booleanInput,
  defaultedInput,
  listInput,
  numberInput,
  optionalInput,
  requiredInput,
} from "@mlops/action-kit";
import { z } from "zod";

const STATTESTS = ["ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z"] as const;

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  "model-name": optionalInput(),
  reference: optionalInput(),
  current: listInput(),
  config: defaultedInput("mlops.yml"),
  stattest: optionalInput().pipe(
    z.enum(STATTESTS, { message: `expected one of ${STATTESTS.join(", ")}` }).optional(),
  ),
  "drift-share": numberInput(0.5, { min: 0, max: 1 }),
  issue: booleanInput(true),
  "dispatch-on-drift": booleanInput(false),
  "fail-on-drift": booleanInput(false),
  "artifact-name": optionalInput(),
  "github-token": requiredInput(),
});

export type MonitorInputs = z.output<typeof inputSchema>;
