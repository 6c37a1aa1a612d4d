import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InputError } from "@mlops/core";

/** "<what> not found: <given> (looked in <dir>)": names the directory a relative path was resolved in. */
export function notFoundMessage(what: string, given: string, path: string): string {
  return `${what} not found: ${given} (looked in ${dirname(path)})`;
}

/**
 * `given` resolved against `cwd` (the directory the user ran `mlops` in, see `invocationDir`); when nothing
 * is there, an input error that says which directory it looked in.
 */
export function existingPath(cwd: string, given: string, what: string): string {
  const path = resolve(cwd, given);
  if (!existsSync(path)) throw new InputError(notFoundMessage(what, given, path));
  return path;
}
