import type { TransferProgress, TransferProgressEvent } from "@mlops/github";
import type { CliIo } from "./io.js";

export interface ProgressOptions {
  /** Phases moving fewer bytes than this print nothing (default 64 MiB). */
  minBytes?: number;
  /** A line each time another this-many percent is done (default 5)… */
  stepPercent?: number;
  /** …or when this long has passed since the last line (default 10 s). */
  intervalMs?: number;
  now?: () => number;
}

const VERBS: Record<TransferProgressEvent["phase"], string> = {
  hash: "hashing",
  upload: "uploading",
  download: "downloading",
};

/** `1.50 GiB`, `12.0 MiB`, `900 B`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

/**
 * Progress of a large transfer as lines on stderr (stdout stays the command's answer): one line each
 * time another 5 % is done or 10 s have passed, whichever comes first, and one at the end — so a log
 * file or a CI job gets at most ~20 lines per phase plus one per 10 s of a stall, never a line per chunk.
 * Small transfers (under 64 MiB) print nothing.
 */
export function progressReporter(io: Pick<CliIo, "stderr">, options: ProgressOptions = {}): TransferProgress {
  const minBytes = options.minBytes ?? 64 * 1024 * 1024;
  const step = options.stepPercent ?? 5;
  const interval = options.intervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  let phase: TransferProgressEvent["phase"] | undefined;
  let started = 0;
  let lastAt = 0;
  let lastStep = -1;
  let finished = false;
  return (event) => {
    if (event.total < minBytes) return;
    const time = now();
    if (event.phase !== phase) {
      phase = event.phase;
      started = time;
      lastAt = time;
      lastStep = 0;
      finished = false;
      return;
    }
    if (finished) return;
    const percent = (event.bytes / event.total) * 100;
    const stepNow = Math.floor(percent / step);
    const done = event.bytes >= event.total;
    if (!done && stepNow <= lastStep && time - lastAt < interval) return;
    lastStep = Math.max(stepNow, lastStep);
    lastAt = time;
    finished = done;
    const seconds = (time - started) / 1000;
    const rate = seconds > 0 ? `, ${formatBytes(event.bytes / seconds)}/s` : "";
    io.stderr(
      `${VERBS[event.phase]} ${formatBytes(event.bytes)} of ${formatBytes(event.total)} (${Math.floor(percent)}%${rate})`,
    );
  };
}
