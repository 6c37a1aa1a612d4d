/**
 * Workflow-artifact names. A run cannot hold two artifacts of one name, so a re-run (attempt n > 1)
 * uploads `<base>-attempt-<n>`; readers take the newest attempt. Every action derives its names here.
 */

/** The `train` artifact's base name: `artifact-name` when given, else `mlops-<model>`. */
export function trainArtifactBase(model: string, custom?: string): string {
  return custom || `mlops-${model}`;
}

/**
 * The artifact a sweep cell's training uploads: `<base>-cell-<id>` (`base` = the train artifact name,
 * `mlops-<model>` by default). Re-run attempts add `-attempt-<n>` as for any train artifact.
 */
export function sweepArtifactName(base: string, cell: { id: string }): string {
  return `${sweepArtifactPrefix(base)}${cell.id}`;
}

/** `<base>-cell-`: what every sweep cell's artifact name starts with. */
export function sweepArtifactPrefix(base: string): string {
  return `${base}-cell-`;
}

/** The base name of the gate's report artifact: `mlops-gate-<model>`. */
export function gateReportArtifactBase(model: string): string {
  return `mlops-gate-${model}`;
}

/** The base name of the monitoring report artifact: `artifact-name` when given, else `mlops-monitor-<model>`. */
export function monitorReportArtifactBase(model: string, custom?: string): string {
  return custom || `mlops-monitor-${model}`;
}

/** The artifact name a run's attempt uploads: `<base>` on attempt 1, `<base>-attempt-<n>` after. */
export function attemptArtifactName(base: string, attempt: number): string {
  return attempt > 1 ? `${base}-attempt-${attempt}` : base;
}

/** `mlops-churn-attempt-3` → `{ base: "mlops-churn", attempt: 3 }`; a name without the suffix is attempt 1. */
export function parseAttemptArtifactName(name: string): { base: string; attempt: number } {
  const match = /^(.*)-attempt-([1-9]\d*)$/.exec(name);
  const attempt = match ? Number(match[2]) : 1;
  return match && attempt > 1 ? { base: match[1] as string, attempt } : { base: name, attempt: 1 };
}

/** The names attempt `runAttempt` and the ones before it may have uploaded, newest first. */
export function attemptArtifactNames(base: string, runAttempt: number): string[] {
  const names: string[] = [];
  for (let attempt = runAttempt; attempt >= 1; attempt--) names.push(attemptArtifactName(base, attempt));
  return names;
}

/** The artifact name of the newest attempt of `base` among `names`, or undefined when none matches. */
export function newestAttemptArtifact(names: readonly string[], base: string): string | undefined {
  let best: { name: string; attempt: number } | undefined;
  for (const name of names) {
    const parsed = parseAttemptArtifactName(name);
    const attempt = name === base ? 1 : parsed.base === base ? parsed.attempt : undefined;
    if (attempt !== undefined && (!best || attempt > best.attempt)) best = { name, attempt };
  }
  return best?.name;
}
