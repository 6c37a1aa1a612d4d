/** The logging port this package needs; `@mlops/action-kit`'s Logger satisfies it. */
export interface GitHubLog {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
}

/** A logger that drops everything (the default when the caller passes none). */
export const silentLog: GitHubLog = { debug() {}, info() {}, warning() {} };
