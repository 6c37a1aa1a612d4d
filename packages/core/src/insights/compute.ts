/**
 * DORA-style delivery metrics for models, gate statistics, drift-to-restore time and the phase-revisit
 * matrix, computed from normalized events (docs/architecture.md, "Insights", defines every figure).
 * Pure: no I/O, no clock (the window's end is `events.until`).
 */
import { compareModelVersions, tryParseModelVersion } from "../manifest/model-version.js";
import type {
  DeploymentEvent,
  GateEvaluation,
  InsightsEvents,
  MonitoringRun,
  Phase,
  PullRequestEvent,
  RevisitReason,
  VersionEvent,
} from "./events.js";
import { type DurationStat, durationStat, type Ratio, ratio, secondsBetween } from "./stats.js";

/** The parts a lead time is cut into; they add up to the lead time of each pull request. */
export const LEAD_TIME_PARTS = ["coding", "review", "gate", "staging", "approval", "deploy"] as const;
export type LeadTimePart = (typeof LEAD_TIME_PARTS)[number];

export const LEAD_TIME_PART_LABEL: Record<LeadTimePart, string> = {
  coding: "first commit → PR opened",
  review: "review wait (PR opened → merged)",
  gate: "gate time (merged → version registered)",
  staging: "staging (registered → staging deploy succeeded)",
  approval: "approval wait (→ production deployment created)",
  deploy: "production deploy (created → succeeded)",
};

export interface LeadTimeRow {
  pr: number;
  version: string;
  /** Seconds, first commit (or PR opened when earlier) → production deployment success. */
  total: number;
  parts: Record<LeadTimePart, number>;
}

export interface Revisit {
  model: string;
  /** The phase that sent work back. */
  from: Phase;
  /** The phase the work went back to. */
  to: Phase;
  reason: RevisitReason;
  at: string;
  /** What it was: `PR #3`, `deployment 1042 (v4)`, `drift at 2026-…`. */
  subject: string;
}

export interface ModelInsights {
  model: string;
  /** Start of the window used for rates (since, else the model's first event). */
  windowStart: string;
  weeks: number;
  leadTime: {
    rows: LeadTimeRow[];
    total: DurationStat;
    parts: Record<LeadTimePart, DurationStat>;
    /** Merged model pull requests (in the window) whose change has not reached production. */
    notInProduction: number[];
  };
  deployments: {
    /** Production deployments in the window (changes + rollbacks). */
    total: number;
    /** Deployments of a version newer than the one production ran before. */
    changes: number;
    successfulChanges: number;
    rollbacks: number;
    /** Successful changes per week (undefined when the window is shorter than a week). */
    perWeek?: number;
  };
  changeFailureRate: Ratio;
  timeToRestore: DurationStat & { open: number };
  reworkRate: Ratio;
  gate: {
    evaluations: number;
    passRate: Ratio;
    /** Rules by how many evaluations they failed, most first. */
    failingRules: Array<{ rule: string; failures: number }>;
    /** Pull requests with at least one gate evaluation. */
    prs: number;
    /** Σ (attempts − 1) over the PRs' evaluations, divided by `prs`. */
    rerunsPerPr?: number;
    reruns: number;
    /** Gate evaluations per PR (one per pushed commit, re-runs not counted). */
    evaluationsPerPr?: number;
  };
  drift: {
    /** Monitoring runs that found dataset drift after a run that did not (or as the first run). */
    onsets: number;
    restored: number;
    open: number;
    /** Drift onset → next successful production deployment of a new version. */
    time: DurationStat;
  };
  revisits: Revisit[];
  /** The window week by week (7-day periods from `windowStart`; the last one may be shorter). */
  weekly: WeekRow[];
}

export interface WeekRow {
  start: string;
  /** Production changes created this week that succeeded / that failed (as in the change failure rate). */
  successfulChanges: number;
  failedChanges: number;
  rollbacks: number;
  gateEvaluations: number;
  gateFailures: number;
  driftOnsets: number;
  revisits: number;
}

export interface InsightsReport {
  repository: string;
  since?: string;
  until: string;
  models: ModelInsights[];
  /** Every model's revisits together. */
  revisits: Revisit[];
  /**
   * What each phase did in the window (over the reported models): the things that could have sent work back
   * — model PRs, gate evaluations, registrations (published versions and unfinished drafts), staging and
   * production deployments, monitoring runs, retrain runs. A phase with 0 has "no data" in the matrix, not 0.
   */
  phaseActivity: Record<Phase, number>;
  /** Workflow runs started by repository_dispatch in the window (retrain attempts), any model. */
  retrainRuns: number;
  /**
   * API calls the collection took, term by term (set by the collector); `notModified`: of them, answered
   * 304 from the previous run's responses (not counted against the rate limit).
   */
  apiCalls?: { made: number; detail: string; notModified?: number };
}

const isSuccess = (state: string) => state === "success";
const isFailure = (state: string) => state === "failure" || state === "error";

/** Time of the deployment's first `success` status. */
function successAt(d: DeploymentEvent): string | undefined {
  return d.statuses.find((s) => isSuccess(s.state))?.at;
}
/** Time of the deployment's first `failure`/`error` status (set when it did not succeed first). */
function failureAt(d: DeploymentEvent): string | undefined {
  const first = d.statuses.find((s) => isSuccess(s.state) || isFailure(s.state));
  return first && isFailure(first.state) ? first.at : undefined;
}

function olderVersion(a: string, b: string): boolean {
  if (tryParseModelVersion(a) && tryParseModelVersion(b)) return compareModelVersions(a, b) < 0;
  return a < b;
}
function notOlder(a: string, b: string): boolean {
  return !olderVersion(a, b);
}

const inWindow = (at: string | undefined, since: string | undefined, until: string) =>
  at !== undefined && (since === undefined || at >= since) && at <= until;

interface ClassifiedDeployment {
  d: DeploymentEvent;
  kind: "change" | "rollback" | "redeploy";
  success?: string;
  failure?: string;
  /** For a change: it failed (failure status, or a rollback deployment followed it). */
  failed?: boolean;
}

/**
 * Production deployments of one model, oldest first, each classified against the version production ran
 * before it (the version of the last successful deployment): a newer version is a **change**, an older one
 * (or the deploy action's automatic rollback) a **rollback**, the same version a **redeploy**.
 */
function classifyProduction(deployments: DeploymentEvent[]): ClassifiedDeployment[] {
  const sorted = [...deployments].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
  let running: string | undefined;
  const out: ClassifiedDeployment[] = [];
  for (const d of sorted) {
    const success = successAt(d);
    const failure = failureAt(d);
    let kind: ClassifiedDeployment["kind"];
    if (d.automaticRollback || (running !== undefined && olderVersion(d.version, running))) kind = "rollback";
    else if (running !== undefined && d.version === running) kind = "redeploy";
    else kind = "change";
    out.push({ d, kind, ...(success ? { success } : {}), ...(failure ? { failure } : {}) });
    if (success) running = d.version;
  }
  // A change failed when its deploy failed, or when a rollback came before the next change.
  for (const [i, c] of out.entries()) {
    if (c.kind !== "change") continue;
    if (c.failure) {
      c.failed = true;
      continue;
    }
    if (!c.success) continue;
    const next = out.slice(i + 1).find((o) => o.kind !== "redeploy");
    c.failed = next?.kind === "rollback";
  }
  return out;
}

function versionsOf(events: InsightsEvents, model: string): VersionEvent[] {
  return events.versions
    .filter((v) => v.model === model)
    .sort((a, b) => a.registeredAt.localeCompare(b.registeredAt));
}

function leadTimes(
  events: InsightsEvents,
  model: string,
  production: ClassifiedDeployment[],
): ModelInsights["leadTime"] {
  const versions = versionsOf(events, model);
  const staging = events.deployments.filter((d) => d.model === model && !d.production);
  const rows: LeadTimeRow[] = [];
  const notInProduction: number[] = [];
  const prs = events.pulls.filter((p) => p.mergedAt && p.models.includes(model));
  for (const pr of prs) {
    const mergedAt = pr.mergedAt as string;
    // The PR's version: the one trained from its merge commit, else the first registered after the merge.
    const version =
      versions.find((v) => pr.mergeSha !== undefined && v.commitSha === pr.mergeSha) ??
      versions.find((v) => v.registeredAt >= mergedAt);
    const prod = version
      ? production.find(
          (c) =>
            c.kind === "change" &&
            c.success !== undefined &&
            c.success >= version.registeredAt &&
            notOlder(c.d.version, version.version),
        )
      : undefined;
    if (!version || !prod?.success) {
      if (inWindow(mergedAt, events.since, events.until)) notInProduction.push(pr.number);
      continue;
    }
    if (!inWindow(prod.success, events.since, events.until)) continue;
    const start =
      pr.firstCommitAt !== undefined && pr.firstCommitAt < pr.openedAt ? pr.firstCommitAt : pr.openedAt;
    const stagedAt = staging
      .filter((d) => d.version === prod.d.version)
      .map(successAt)
      .filter((at): at is string => at !== undefined && at >= version.registeredAt && at <= prod.d.createdAt)
      .sort()[0];
    const registered = version.registeredAt;
    const parts: Record<LeadTimePart, number> = {
      coding: secondsBetween(start, pr.openedAt),
      review: secondsBetween(pr.openedAt, mergedAt),
      gate: secondsBetween(mergedAt, registered),
      staging: stagedAt ? secondsBetween(registered, stagedAt) : 0,
      approval: secondsBetween(stagedAt ?? registered, prod.d.createdAt),
      deploy: secondsBetween(prod.d.createdAt, prod.success),
    };
    rows.push({ pr: pr.number, version: prod.d.version, total: secondsBetween(start, prod.success), parts });
  }
  const parts = Object.fromEntries(
    LEAD_TIME_PARTS.map((p) => [p, durationStat(rows.map((r) => r.parts[p]))]),
  ) as Record<LeadTimePart, DurationStat>;
  return {
    rows: rows.sort((a, b) => a.pr - b.pr),
    total: durationStat(rows.map((r) => r.total)),
    parts,
    notInProduction: notInProduction.sort((a, b) => a - b),
  };
}

function gateStats(events: InsightsEvents, model: string): ModelInsights["gate"] {
  const gates = events.gates.filter((g) => g.model === model && inWindow(g.at, events.since, events.until));
  const decided = gates.filter((g) => g.conclusion === "success" || g.conclusion === "failure");
  const failed = decided.filter((g) => g.conclusion === "failure");
  const counts = new Map<string, number>();
  for (const g of failed)
    for (const rule of new Set(g.failedRules)) counts.set(rule, (counts.get(rule) ?? 0) + 1);
  const failingRules = [...counts]
    .map(([rule, failures]) => ({ rule, failures }))
    .sort((a, b) => b.failures - a.failures || a.rule.localeCompare(b.rule));
  const byPr = new Map<number, GateEvaluation[]>();
  for (const g of gates) if (g.pr !== undefined) byPr.set(g.pr, [...(byPr.get(g.pr) ?? []), g]);
  const reruns = [...byPr.values()].flat().reduce((sum, g) => sum + Math.max(0, g.attempts - 1), 0);
  const prCount = byPr.size;
  return {
    evaluations: gates.length,
    passRate: ratio(decided.length - failed.length, decided.length),
    failingRules,
    prs: prCount,
    reruns,
    ...(prCount > 0
      ? {
          rerunsPerPr: reruns / prCount,
          evaluationsPerPr: [...byPr.values()].reduce((s, list) => s + list.length, 0) / prCount,
        }
      : {}),
  };
}

/** Runs that found dataset drift after a run that did not (the first run counts when it drifts). */
function driftOnsets(runs: MonitoringRun[]): MonitoringRun[] {
  const sorted = [...runs].sort((a, b) => a.at.localeCompare(b.at));
  return sorted.filter((r, i) => r.datasetDrift && !(sorted[i - 1]?.datasetDrift ?? false));
}

function revisitsOf(
  events: InsightsEvents,
  model: string,
  production: ClassifiedDeployment[],
  onsets: MonitoringRun[],
): Revisit[] {
  const { since, until } = events;
  const out: Revisit[] = [];
  for (const g of events.gates) {
    if (g.model !== model || g.conclusion !== "failure" || !inWindow(g.at, since, until)) continue;
    out.push({
      model,
      from: "gate",
      to: g.event === "repository_dispatch" ? "retraining" : "experimentation",
      reason: "gate failure",
      at: g.at,
      subject:
        g.pr !== undefined
          ? `PR #${g.pr} (${g.sha.slice(0, 7)})`
          : `commit ${g.sha.slice(0, 7)} (${g.event})`,
    });
  }
  for (const pr of events.pulls) {
    if (!pr.models.includes(model)) continue;
    for (const review of pr.reviews)
      if (review.state === "CHANGES_REQUESTED" && inWindow(review.at, since, until))
        out.push({
          model,
          from: "experimentation",
          to: "experimentation",
          reason: "reviewer rejection",
          at: review.at,
          subject: `PR #${pr.number}`,
        });
  }
  // Registration sent work back (docs/architecture.md, "Phase-revisit matrix"): a version whose release an
  // earlier attempt of its run created and left unpublished, finished by a later attempt (registration →
  // registration); a draft release whose run ended without publishing it (registration → experimentation).
  for (const v of events.versions) {
    const attempt = v.runAttempt;
    if (v.model !== model || !attempt || !v.createdAt || attempt.number < 2) continue;
    const resumed = v.createdAt < attempt.startedAt && v.registeredAt >= attempt.startedAt;
    if (!resumed || !inWindow(v.registeredAt, since, until)) continue;
    out.push({
      model,
      from: "registration",
      to: "registration",
      reason: "registration failure",
      at: attempt.startedAt,
      subject: `v${v.version} (left unfinished, finished by attempt ${attempt.number} of its run)`,
    });
  }
  for (const u of events.unfinishedRegistrations ?? []) {
    if (u.model !== model || !inWindow(u.createdAt, since, until)) continue;
    out.push({
      model,
      from: "registration",
      to: "experimentation",
      reason: "registration failure",
      at: u.createdAt,
      subject: `v${u.version} (draft release left by a run that ended ${u.conclusion})`,
    });
  }
  const staging = events.deployments.filter((d) => d.model === model && !d.production);
  for (const d of staging) {
    const failure = failureAt(d);
    if (!failure || d.automaticRollback || !inWindow(failure, since, until)) continue;
    const rolledBack = staging.some(
      (o) => o.automaticRollback && o.environment === d.environment && o.createdAt >= failure,
    );
    out.push({
      model,
      from: "staging",
      to: "experimentation",
      reason: rolledBack ? "rollback" : "failed deploy",
      at: failure,
      subject: `deployment ${d.id} (v${d.version}, ${d.environment})`,
    });
  }
  for (const [i, c] of production.entries()) {
    if (c.kind !== "change" || !c.failed) continue;
    const at = c.failure ?? c.success;
    if (!inWindow(at, since, until)) continue;
    const rollback = production.slice(i + 1).find((o) => o.kind !== "redeploy");
    out.push({
      model,
      from: "production",
      to: "experimentation",
      reason: rollback?.kind === "rollback" ? "rollback" : "failed deploy",
      at: at as string,
      subject: `deployment ${c.d.id} (v${c.d.version})`,
    });
  }
  for (const [i, onset] of onsets.entries()) {
    if (!inWindow(onset.at, since, until)) continue;
    const next = onsets[i + 1]?.at ?? until;
    const retrained = events.retrains.some(
      (r) => r.at >= onset.at && r.at <= next && (r.model === undefined || r.model === model),
    );
    out.push({
      model,
      from: "monitoring",
      to: retrained ? "retraining" : "experimentation",
      reason: "drift",
      at: onset.at,
      subject: `drift found ${onset.at}`,
    });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** Every model the events name (gates, versions, deployments, monitoring), sorted. */
export function modelsOf(events: InsightsEvents): string[] {
  return [
    ...new Set([
      ...events.gates.map((g) => g.model),
      ...events.versions.map((v) => v.model),
      ...(events.unfinishedRegistrations ?? []).map((u) => u.model),
      ...events.deployments.map((d) => d.model),
      ...events.monitoring.map((m) => m.model),
      ...events.pulls.flatMap((p) => p.models),
    ]),
  ].sort();
}

/** The first time anything happened to `model`. */
function firstEventOf(events: InsightsEvents, model: string): string {
  const times = [
    ...events.pulls.filter((p) => p.models.includes(model)).map((p) => p.firstCommitAt ?? p.openedAt),
    ...events.gates.filter((g) => g.model === model).map((g) => g.at),
    ...events.versions.filter((v) => v.model === model).map((v) => v.registeredAt),
    ...events.deployments.filter((d) => d.model === model).map((d) => d.createdAt),
    ...events.monitoring.filter((m) => m.model === model).map((m) => m.at),
  ].sort();
  return times[0] ?? events.until;
}

export function computeModelInsights(events: InsightsEvents, model: string): ModelInsights {
  const { since, until } = events;
  const windowStart = since ?? firstEventOf(events, model);
  const weeks = Math.max(0, secondsBetween(windowStart, until)) / (7 * 86_400);
  const production = classifyProduction(events.deployments.filter((d) => d.model === model && d.production));
  const inWin = production.filter((c) => inWindow(c.d.createdAt, since, until));
  const changes = inWin.filter((c) => c.kind === "change");
  const concluded = changes.filter((c) => c.success !== undefined || c.failure !== undefined);
  const successfulChanges = changes.filter((c) => c.success !== undefined);
  const rollbacks = inWin.filter((c) => c.kind === "rollback");

  // Time to restore: failure (failure status; for a change rolled back later, its success: it served
  // from then) → the next successful production deployment of any kind. GitHub's timestamps have second
  // precision and may be equal: a deployment created after this one (classified order) that succeeded in
  // the same second restored it (the deploy action's automatic rollback often does).
  const restores: number[] = [];
  let open = 0;
  for (const c of changes.filter((x) => x.failed)) {
    const start = (c.failure ?? c.success) as string;
    const after = production.indexOf(c);
    const next = production
      .filter(
        (o, i) =>
          o !== c &&
          o.success !== undefined &&
          ((o.success as string) > start || ((o.success as string) === start && i > after)),
      )
      .map((o) => o.success as string)
      .sort()[0];
    if (next) restores.push(secondsBetween(start, next));
    else open++;
  }

  // Rework: successful production deployments that undo or repair: rollbacks, and versions registered by
  // a retrain (a run started by repository_dispatch).
  const retrained = new Set(
    events.versions
      .filter((v) => v.model === model && v.trigger === "repository_dispatch")
      .map((v) => v.version),
  );
  const succeeded = inWin.filter((c) => c.success !== undefined);
  const rework = succeeded.filter((c) => c.kind === "rollback" || retrained.has(c.d.version));

  const monitoring = events.monitoring.filter((m) => m.model === model);
  const onsets = driftOnsets(monitoring);
  const driftTimes: number[] = [];
  let driftOpen = 0;
  let driftOnsetsInWindow = 0;
  for (const onset of onsets) {
    if (!inWindow(onset.at, since, until)) continue;
    driftOnsetsInWindow++;
    const fix = production
      .filter((c) => c.kind === "change" && c.success !== undefined && (c.success as string) >= onset.at)
      .map((c) => c.success as string)
      .sort()[0];
    if (fix) driftTimes.push(secondsBetween(onset.at, fix));
    else driftOpen++;
  }

  const revisits = revisitsOf(events, model, production, onsets);
  const weekly: WeekRow[] = [];
  const startMs = Date.parse(windowStart);
  const untilMs = Date.parse(until);
  for (let from = startMs; from < untilMs; from += 7 * 86_400_000) {
    const to = from + 7 * 86_400_000;
    const inWeek = (at: string | undefined) =>
      at !== undefined && Date.parse(at) >= from && Date.parse(at) < to;
    const weekChanges = changes.filter((c) => inWeek(c.d.createdAt));
    const weekGates = events.gates.filter((g) => g.model === model && inWeek(g.at));
    weekly.push({
      start: new Date(from).toISOString().replace(/\.000Z$/, "Z"),
      successfulChanges: weekChanges.filter((c) => c.success !== undefined).length,
      failedChanges: weekChanges.filter((c) => c.failed).length,
      rollbacks: rollbacks.filter((c) => inWeek(c.d.createdAt)).length,
      gateEvaluations: weekGates.length,
      gateFailures: weekGates.filter((g) => g.conclusion === "failure").length,
      driftOnsets: onsets.filter((o) => inWeek(o.at)).length,
      revisits: revisits.filter((r) => inWeek(r.at)).length,
    });
  }

  return {
    model,
    windowStart,
    weeks,
    leadTime: leadTimes(events, model, production),
    deployments: {
      total: inWin.length,
      changes: changes.length,
      successfulChanges: successfulChanges.length,
      rollbacks: rollbacks.length,
      // A rate per week from less than a week of history would extrapolate: only the count is given then.
      ...(weeks >= 1 ? { perWeek: successfulChanges.length / weeks } : {}),
    },
    changeFailureRate: ratio(concluded.filter((c) => c.failed).length, concluded.length),
    timeToRestore: { ...durationStat(restores), open },
    reworkRate: ratio(rework.length, succeeded.length),
    gate: gateStats(events, model),
    drift: {
      onsets: driftOnsetsInWindow,
      restored: driftTimes.length,
      open: driftOpen,
      time: durationStat(driftTimes),
    },
    revisits,
    weekly,
  };
}

/** Insights of every model (or only `model`). */
export function computeInsights(events: InsightsEvents, options: { model?: string } = {}): InsightsReport {
  const models = options.model ? [options.model] : modelsOf(events);
  const perModel = models.map((m) => computeModelInsights(events, m));
  const { since, until } = events;
  const ours = (model: string) => models.includes(model);
  const inWin = (at: string | undefined) => inWindow(at, since, until);
  const retrainRuns = events.retrains.filter(
    (r) =>
      inWindow(r.at, events.since, events.until) &&
      (!options.model || r.model === undefined || r.model === options.model),
  ).length;
  const phaseActivity: Record<Phase, number> = {
    experimentation: events.pulls.filter(
      (p) =>
        p.models.some(ours) && (inWin(p.openedAt) || inWin(p.mergedAt) || p.reviews.some((r) => inWin(r.at))),
    ).length,
    gate: events.gates.filter((g) => ours(g.model) && inWin(g.at)).length,
    registration:
      events.versions.filter((v) => ours(v.model) && inWin(v.registeredAt)).length +
      (events.unfinishedRegistrations ?? []).filter((u) => ours(u.model) && inWin(u.createdAt)).length,
    staging: events.deployments.filter((d) => ours(d.model) && !d.production && inWin(d.createdAt)).length,
    production: events.deployments.filter((d) => ours(d.model) && d.production && inWin(d.createdAt)).length,
    monitoring: events.monitoring.filter((m) => ours(m.model) && inWin(m.at)).length,
    retraining: retrainRuns,
  };
  return {
    repository: events.repository,
    ...(events.since ? { since: events.since } : {}),
    until: events.until,
    models: perModel,
    revisits: perModel.flatMap((m) => m.revisits).sort((a, b) => a.at.localeCompare(b.at)),
    phaseActivity,
    retrainRuns,
  };
}

/** The phase-revisit matrix: counts[from][to], and the reasons of each non-empty cell. */
export function revisitMatrix(
  revisits: readonly Revisit[],
): Map<string, { count: number; reasons: Map<RevisitReason, number> }> {
  const cells = new Map<string, { count: number; reasons: Map<RevisitReason, number> }>();
  for (const r of revisits) {
    const key = `${r.from}→${r.to}`;
    const cell = cells.get(key) ?? { count: 0, reasons: new Map() };
    cell.count++;
    cell.reasons.set(r.reason, (cell.reasons.get(r.reason) ?? 0) + 1);
    cells.set(key, cell);
  }
  return cells;
}

export type { PullRequestEvent };
