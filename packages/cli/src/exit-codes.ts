import { describeError, GateFailed, isUserError } from "@mlops/core";
import { notFoundMessage } from "./paths.js";

/** The CLI's exit codes: 0 success, 1 a finding (or an operation that failed), 2 usage or input error. */
export const EXIT_OK = 0;
export const EXIT_FINDING = 1;
export const EXIT_USAGE = 2;

/** Thrown by commands to end with a given exit code after they have printed their result. */
export class ExitWith extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** One clear line on stderr (a stack trace only with --debug); returns the exit code. */
export function handleCliError(error: unknown, debug: boolean, stderr: (text: string) => void): number {
  if (error instanceof ExitWith) return error.exitCode;
  if (debug && error instanceof Error && error.stack) stderr(error.stack);
  // A file a command opened without checking first (Node's ENOENT): one line naming the folder, exit 2.
  const missing = error as NodeJS.ErrnoException;
  if (missing?.code === "ENOENT" && typeof missing.path === "string") {
    stderr(`mlops: ${notFoundMessage("file", missing.path, missing.path)}`);
    return EXIT_USAGE;
  }
  stderr(`mlops: ${describeError(error)}`);
  if (isUserError(error)) return EXIT_USAGE;
  if (error instanceof GateFailed) return EXIT_FINDING;
  return EXIT_FINDING;
}
