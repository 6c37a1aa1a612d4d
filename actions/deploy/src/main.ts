import { type ActionRuntime, readInputs } from "@mlops/action-kit";
import { inputSchema } from "./inputs.js";

export async function main(runtime: ActionRuntime): Promise<void> {
  const inputs = readInputs(inputSchema);
  runtime.log.debug(`inputs: ${JSON.stringify({ ...inputs, "github-token": undefined })}`);
}
