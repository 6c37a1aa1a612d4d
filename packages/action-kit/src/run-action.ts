import { describeError, MlopsError } from "@mlops/core";
import { createGitHubRuntime } from "./github-runtime.js";
import type { ActionRuntime } from "./runtime.js";

/**
 * The one error wrapper every action uses: runs `main`, and turns any error into a failed step with one
 * clear message (plus an annotation at file:line when the error knows it). Stack traces only when the
 * step runs with debug logging (`ACTIONS_STEP_DEBUG`).
 */
export async function runAction(
  main: (runtime: ActionRuntime) => Promise<void>,
  runtime: ActionRuntime = createGitHubRuntime(),
): Promise<void> {
  try {
    await main(runtime);
  } catch (error) {
    reportFailure(runtime, error);
  }
}

export function reportFailure(runtime: ActionRuntime, error: unknown): void {
  if (error instanceof MlopsError && error.position) {
    const { file, line, column } = error.position;
    runtime.log.error(error.message, {
      file,
      ...(line === undefined ? {} : { line }),
      ...(column === undefined ? {} : { column }),
    });
  }
  if (runtime.isDebug() && error instanceof Error && error.stack) runtime.log.debug(error.stack);
  runtime.fail(describeError(error));
}
