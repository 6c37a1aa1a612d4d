/**
 * `concurrency:` of workflows and jobs, as GitHub documents it (docs "Control the concurrency of workflows
 * and jobs", https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency):
 * - at most one running and one pending run/job per group; a newly queued one cancels the group's pending
 *   one and takes its place ("Any existing pending job or workflow in the same concurrency group … will be
 *   canceled and the new queued job or workflow will take its place");
 * - `cancel-in-progress: true` also cancels the running one;
 * - `queue: max` lets up to 100 wait (first in, first out by the time they started waiting); when the
 *   queue is full, further ones are cancelled; `queue: max` with `cancel-in-progress: true` is invalid;
 * - group names are case-insensitive; groups are per repository.
 * The registry is shared by every `runWorkflow` of this process, so tests start several runs of the same
 * workflow and see GitHub's queuing.
 */
import { ConfigError } from "@mlops/core";
import type { Json } from "./expressions.js";

/** GitHub's limit of pending runs or jobs in one group with `queue: max`. */
export const MAX_QUEUE = 100;

export interface ConcurrencySetting {
  group: string;
  cancelInProgress: boolean;
  queue: "single" | "max";
}

/** The evaluated `concurrency:` value (a group name or `{group, cancel-in-progress, queue}`); undefined: none. */
export function concurrencySetting(value: Json | undefined, where: string): ConcurrencySetting | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return { group: value, cancelInProgress: false, queue: "single" };
  if (typeof value !== "object" || Array.isArray(value))
    throw new ConfigError(`${where}: concurrency must be a group name or {group, cancel-in-progress, queue}`);
  const group = value.group;
  if (typeof group !== "string" || group === "")
    throw new ConfigError(`${where}: concurrency.group is empty`);
  const cancel = value["cancel-in-progress"];
  const cancelInProgress = cancel === true || cancel === "true";
  const queue = value.queue === "max" ? "max" : "single";
  if (queue === "max" && cancelInProgress)
    throw new ConfigError(
      `${where}: concurrency: queue: max cannot be combined with cancel-in-progress: true`,
    );
  return { group, cancelInProgress, queue };
}

interface Entry {
  label: string;
  /** Settles the wait: true = may start, false = cancelled while pending (by a newcomer, for `reason`). */
  settle: (granted: boolean, reason?: string) => void;
  /** Cancels the holder while it runs (`cancel-in-progress: true` of a newcomer). */
  cancelRunning: (reason: string) => void;
}

interface Group {
  running: Entry | undefined;
  pending: Entry[];
}

const groups = new Map<string, Group>();

export interface Acquired {
  /** False when a newer run or job cancelled this one while it waited. */
  granted: boolean;
  /** Why it was cancelled (GitHub's annotation wording). */
  reason?: string;
  /** Frees the group for the next pending one; call once the run or job is over. */
  release: () => void;
}

/**
 * Waits for the group `setting.group` of `scope` (repository and server): resolves at once when the
 * group is free, else when the running one ends — or as cancelled when a newer one replaced it.
 * `onPending` is called when it has to wait; `onCancel` when a newer one cancels it while it runs.
 */
export async function acquireConcurrency(
  scope: string,
  setting: ConcurrencySetting,
  hooks: { label: string; onPending: () => void; onCancel: (reason: string) => void },
): Promise<Acquired> {
  const key = `${scope.toLowerCase()}\u0000${setting.group.toLowerCase()}`;
  let group = groups.get(key);
  if (!group) {
    group = { running: undefined, pending: [] };
    groups.set(key, group);
  }
  const reason = `Canceling since a higher priority waiting request for '${setting.group}' exists`;
  const current = group;
  let granted!: (value: { ok: boolean; reason?: string }) => void;
  const decision = new Promise<{ ok: boolean; reason?: string }>((resolve) => {
    granted = resolve;
  });
  const entry: Entry = {
    label: hooks.label,
    settle: (ok, why) => granted({ ok, ...(why ? { reason: why } : {}) }),
    cancelRunning: hooks.onCancel,
  };
  const release = () => {
    if (current.running === entry) {
      current.running = current.pending.shift();
      current.running?.settle(true);
    } else {
      current.pending = current.pending.filter((e) => e !== entry);
    }
    if (current.running === undefined && current.pending.length === 0) groups.delete(key);
  };
  if (setting.cancelInProgress) {
    current.running?.cancelRunning(reason);
    for (const waiting of current.pending.splice(0)) waiting.settle(false, reason);
  }
  if (current.running === undefined) {
    current.running = entry;
    return { granted: true, release };
  }
  if (setting.queue === "max") {
    if (current.pending.length >= MAX_QUEUE) return { granted: false, reason, release: () => {} };
  } else {
    for (const waiting of current.pending.splice(0)) waiting.settle(false, reason);
  }
  current.pending.push(entry);
  hooks.onPending();
  const outcome = await decision;
  return outcome.ok
    ? { granted: true, release }
    : { granted: false, reason: outcome.reason ?? reason, release: () => {} };
}
