/**
 * The typed error model shared by every package. A user mistake is reported as one clear line
 * (`describeError`), with `file:line:column` when the error knows where it happened. Stack traces are
 * only for `--debug` / `ACTIONS_STEP_DEBUG`.
 */

export interface SourcePosition {
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
}

/** Base class: `code` is stable and machine-readable, `message` is for people. */
export class MlopsError extends Error {
  readonly code: string;
  readonly position?: SourcePosition;
  /** Extra lines shown under the message (e.g. a rule with a caret under the bad column). */
  readonly details?: string;

  constructor(
    code: string,
    message: string,
    options: { position?: SourcePosition; details?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.position) this.position = options.position;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** `mlops.yml` (or another config file) is missing, unparsable or invalid. */
export class ConfigError extends MlopsError {
  constructor(
    message: string,
    options: { position?: SourcePosition; details?: string; cause?: unknown } = {},
  ) {
    super("config", message, options);
  }
}

/** An action input, CLI flag or input file (metrics, data) is missing or malformed. */
export class InputError extends MlopsError {
  constructor(
    message: string,
    options: { position?: SourcePosition; details?: string; cause?: unknown } = {},
  ) {
    super("input", message, options);
  }
}

/**
 * Why GitHub refused, classified once (`@mlops/github`'s `githubErrorReason`) so callers branch on this
 * instead of matching messages: `already-exists` (422 "Reference already exists", `already_exists`),
 * `ruleset-violation` (422 "Repository rule violations found"), `validation` (any other 422),
 * `not-found` (404, 422 "Reference does not exist"), `permission` (403 that is not a rate limit),
 * `bad-credentials` (401), `rate-limit` / `secondary-rate-limit` (403/429), `conflict` (409),
 * `server` (5xx, network failures), `other`.
 */
export type GitHubErrorReason =
  | "already-exists"
  | "ruleset-violation"
  | "validation"
  | "not-found"
  | "permission"
  | "bad-credentials"
  | "rate-limit"
  | "secondary-rate-limit"
  | "conflict"
  | "server"
  | "other";

/** GitHub answered with an error we could not recover from (after retries). */
export class GitHubError extends MlopsError {
  readonly status: number | undefined;
  /** Why GitHub refused, when known (see `GitHubErrorReason`). */
  readonly reason: GitHubErrorReason | undefined;
  constructor(
    message: string,
    options: { status?: number; reason?: GitHubErrorReason; details?: string; cause?: unknown } = {},
  ) {
    super("github", message, options);
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** Downloaded or uploaded bytes do not match what was promised (size, sha256, digest, HTML body). */
export class IntegrityError extends MlopsError {
  constructor(
    message: string,
    options: { position?: SourcePosition; details?: string; cause?: unknown } = {},
  ) {
    super("integrity", message, options);
  }
}

/**
 * A model version's signature does not hold: no or a bad signature, a signer this policy does not trust
 * (another key, another repository, a ref not allowed) or a file the signed statement does not cover.
 * A finding (exit 1), never retried.
 */
export class SignatureError extends MlopsError {
  constructor(message: string, options: { details?: string; cause?: unknown } = {}) {
    super("signature", message, options);
  }
}

/** The quality gate ran and failed: a finding, not a crash (CLI exit code 1). */
export class GateFailed extends MlopsError {
  constructor(message: string, options: { details?: string } = {}) {
    super("gate-failed", message, options);
  }
}

/** A user command (training, deploy, health check) exited non-zero. */
export class CommandFailed extends MlopsError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options: { details?: string } = {}) {
    super("command-failed", message, options);
    this.exitCode = exitCode;
  }
}

/** True for errors caused by the user's input (exit code 2 in the CLI), false for findings and faults. */
export function isUserError(error: unknown): boolean {
  return error instanceof ConfigError || error instanceof InputError;
}

/** Text folded onto one line: line breaks (and the indentation after them) become "; ". */
export function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("; ");
}

/** A details line that is a problem of its own, located: `file:line[:column]: …`. */
const LOCATED = /^\S+:\d+(?::\d+)?: /;

/**
 * `file:line:column: message`, the one line a user sees per problem (the CLI prints it to stderr, an action
 * as one `::error`). Details that list further located problems (`file:line: …` each) stay one line per
 * problem; any other details are folded onto the message's line, so one problem is never spread over lines.
 */
export function describeError(error: unknown): string {
  if (error instanceof MlopsError) {
    const where = error.position ? formatPosition(error.position) + ": " : "";
    const head = oneLine(where + error.message);
    if (!error.details) return head;
    const lines = error.details.split(/\r?\n/).filter((line) => line.trim() !== "");
    if (lines.length > 0 && lines.every((line) => LOCATED.test(line))) return [head, ...lines].join("\n");
    return `${head} (${oneLine(error.details)})`;
  }
  if (error instanceof Error) return oneLine(error.message);
  return oneLine(String(error));
}

export function formatPosition(position: SourcePosition): string {
  let text = position.file;
  if (position.line !== undefined) {
    text += `:${position.line}`;
    if (position.column !== undefined) text += `:${position.column}`;
  }
  return text;
}
