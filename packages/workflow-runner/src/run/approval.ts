/**
 * Environment protection by required reviewers, against the emulator: the job registers that it waits for
 * its environment, then polls the decision until a reviewer approves or rejects, or the wait times out.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { EmulatorClient } from "./emulator-client.js";

/** Default pause between two polls of the decision. */
export const DEFAULT_APPROVAL_POLL_MS = 1_000;
/** Default longest wait: GitHub lets a pending deployment wait 30 days. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 24 * 3_600_000;

export interface ApprovalWait {
  emulator: EmulatorClient;
  runId: number;
  job: string;
  environment: string;
  pollMs: number;
  timeoutMs: number;
  log: (line: string) => void;
}

/** `undefined` when the job may run (approved, or nothing to wait for); else why it may not. */
export async function awaitApproval(wait: ApprovalWait): Promise<string | undefined> {
  const { emulator, runId, environment } = wait;
  let current = await emulator.waitForEnvironment(runId, { environment, job: wait.job });
  if (current.state === "approved" && current.reviewer === null) return undefined;
  wait.log(`waiting for a review of ${environment} (required reviewers: ${current.reviewers.join(", ")})`);
  const deadline = Date.now() + wait.timeoutMs;
  while (current.state === "waiting") {
    if (Date.now() >= deadline) {
      await emulator.withdrawEnvironmentWait(runId, current.id);
      return `no review of ${environment} within ${formatWait(wait.timeoutMs)} (approvalTimeoutMs): the job did not run`;
    }
    await sleep(Math.min(wait.pollMs, Math.max(0, deadline - Date.now())));
    current = await emulator.environmentWait(runId, current.id);
  }
  const by = `${current.reviewer ?? "unknown"}${current.comment ? `: "${current.comment}"` : ""}`;
  if (current.state === "approved") {
    wait.log(`${environment} approved by ${by}`);
    return undefined;
  }
  return `deployment to ${environment} ${current.state === "rejected" ? "rejected" : "withdrawn"} by ${by}`;
}

function formatWait(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
