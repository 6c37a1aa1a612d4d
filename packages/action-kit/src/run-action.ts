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
  if (runtime.isDebug() && error instanceof Error && error.stack) runtime.log.debug(error.stack);
  // one ::error: the failure itself, annotated at the error's file/line/column when it has one
  const at = error instanceof MlopsError ? error.position : undefined;
  runtime.fail(
    describeError(error),
    at && {
      file: at.file,
      ...(at.line === undefined ? {} : { line: at.line }),
      ...(at.column === undefined ? {} : { column: at.column }),
    },
  );
}
