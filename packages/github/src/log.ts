/** The logging port this package needs; `@mlops/action-kit`'s Logger satisfies it. */
export interface GitHubLog {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
}

/** A logger that drops everything (the default when the caller passes none). */
export const silentLog: GitHubLog = { debug() {}, info() {}, warning() {} };

/** One step of a long transfer: `bytes` of `total` done so far in this phase (cumulative, may step back after a retry). */
export interface TransferProgressEvent {
  phase: "hash" | "upload" | "download";
  bytes: number;
  total: number;
}

/** Told how a registration's or download's bytes advance (the CLI prints it; actions pass none). */
export type TransferProgress = (event: TransferProgressEvent) => void;

/** A byte counter for one phase: `add(n)` (negative after a failed attempt) reports the running total. */
export function progressCounter(
  progress: TransferProgress | undefined,
  phase: TransferProgressEvent["phase"],
  total: number,
): (bytes: number) => void {
  let done = 0;
  if (progress) progress({ phase, bytes: 0, total });
  return (bytes) => {
    if (!progress || bytes === 0) return;
    done = Math.min(Math.max(done + bytes, 0), total);
    progress({ phase, bytes: done, total });
  };
}
