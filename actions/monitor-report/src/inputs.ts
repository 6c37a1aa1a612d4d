import { booleanInput, defaultedInput, listInput, optionalInput, requiredInput } from "@mlops/action-kit";
import { DRIFT_TESTS } from "@mlops/monitor";
import * as z from "zod";

/** The inputs of `action.yml`, one key per input (checked by the contract test). */
export const inputSchema = z.object({
  "model-name": optionalInput(),
  reference: optionalInput(),
  current: listInput(),
  config: defaultedInput("mlops.yml"),
  stattest: optionalInput().pipe(
    z.enum(DRIFT_TESTS, { message: `expected one of ${DRIFT_TESTS.join(", ")}` }).optional(),
  ),
  "drift-share": z.string().transform((raw, ctx) => {
    if (raw === "") return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      ctx.addIssue({ code: "custom", message: `expected a number between 0 and 1, got "${raw}"` });
      return z.NEVER;
    }
    return value;
  }),
  issue: booleanInput(true),
  "dispatch-on-drift": booleanInput(false),
  "fail-on-drift": booleanInput(false),
  "artifact-name": optionalInput(),
  "github-token": requiredInput(),
});

export type MonitorInputs = z.output<typeof inputSchema>;
