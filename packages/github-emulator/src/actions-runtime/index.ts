/**
 * STUB, owned by the Actions-runtime engineer (replace freely): serves the artifact twirp service,
 * blob storage and emulator-only run helpers. Until then it serves nothing.
 */
import type { ActionsRuntime, ActionsRuntimeContext } from "../runtime-contract.js";

export function createActionsRuntime(_ctx: ActionsRuntimeContext): ActionsRuntime {
  return { handle: async () => false };
}
