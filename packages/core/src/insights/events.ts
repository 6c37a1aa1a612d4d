/**
 * The normalized events `mlops insights` computes its figures from (docs/architecture.md, "Insights").
 * Collected from a repository's GitHub history by `collectInsightsEvents` (@mlops/github); built by hand
 * in tests. Every time is an ISO 8601 UTC timestamp as GitHub writes them.
 */

/** The phases of a model's life, in order (the rows and columns of the phase-revisit matrix). */
export const PHASES = [
  "experimentation",
  "gate",
  "registration",
  "staging",
  "production",
  "monitoring",
  "retraining",
] as const;
export type Phase = (typeof PHASES)[number];

/** Shown names of the phases (experimentation includes the pull request's review). */
export const PHASE_LABEL: Record<Phase, string> = {
  experimentation: "experimentation / PR review",
  gate: "gate",
  registration: "registration",
  staging: "staging",
  production: "production",
  monitoring: "monitoring",
  retraining: "retraining",
};

export type RevisitReason =
  | "gate failure"
  | "reviewer rejection"
  | "registration failure"
  | "rollback"
  | "failed deploy"
  | "drift";

export interface PullRequestEvent {
  number: number;
  title: string;
  /** Models a gate check run (`mlops gate: <model>`) evaluated on one of the pull request's commits. */
  models: string[];
  openedAt: string;
  /** Author date of the pull request's first commit (`GET /pulls/{n}/commits`), when read. */
  firstCommitAt?: string;
  mergedAt?: string;
  mergeSha?: string;
  /** Submitted reviews, oldest first; `state` as GitHub writes it (`APPROVED`, `CHANGES_REQUESTED`, …). */
  reviews: Array<{ state: string; at: string }>;
}

export interface GateEvaluation {
  model: string;
  /** The commit the gate's check run is on. */
  sha: string;
  /** The pull request the evaluating workflow run belongs to. */
  pr?: number;
  /** Event of the workflow run that evaluated it (`pull_request`, `push`, `repository_dispatch`, …). */
  event: string;
  /** The check run's conclusion (`success`, `failure`, `neutral`, `cancelled`, …). */
  conclusion: string;
  /** Rule texts that failed the gate (from the check run's report). */
  failedRules: string[];
  /** When the check run completed. */
  at: string;
  /** Attempts of the workflow run that evaluated it (1 = never re-run). */
  attempts: number;
}

export interface VersionEvent {
  model: string;
  version: string;
  /** When the release of this version was created (registration). */
  registeredAt: string;
  /** The commit it was trained from (head of the registering run), when known. */
  commitSha?: string;
  /** Event of the run that registered it (`push`; `repository_dispatch` for a retrain), when known. */
  trigger?: string;
  /** When its release was created — as a draft, before the files were uploaded (`created_at`), when read. */
  createdAt?: string;
  /** The registering run's latest attempt (`run_attempt`, `run_started_at`), when the run was read. */
  runAttempt?: { number: number; startedAt: string };
}

/**
 * A registration that did not finish: its draft release (metadata block naming the model and version) is
 * still unpublished and the run that created it has ended. GitHub lists draft releases only to tokens with
 * push access, so a read-only collection never sees these.
 */
export interface UnfinishedRegistration {
  model: string;
  version: string;
  /** When the draft release was created. */
  createdAt: string;
  /** The registering run's conclusion (`failure`, `cancelled`, …). */
  conclusion: string;
}

export interface DeploymentEvent {
  id: number;
  model: string;
  version: string;
  environment: string;
  /** GitHub's `production_environment` flag of the deployment. */
  production: boolean;
  createdAt: string;
  /** The deploy action's automatic rollback (payload `runId` ends with `:rollback`). */
  automaticRollback: boolean;
  /** Statuses, oldest first. */
  statuses: Array<{ state: string; at: string; description?: string }>;
}

export interface MonitoringRun {
  model: string;
  at: string;
  datasetDrift: boolean;
}

/** A workflow run started by `repository_dispatch` (e.g. `mlops.drift.detected` → retrain). */
export interface RetrainRun {
  runId: number;
  at: string;
  conclusion: string | null;
  /** Set when the run registered a version. */
  model?: string;
}

export interface InsightsEvents {
  repository: string;
  /** Start of the window (inclusive); undefined = from the first event. */
  since?: string;
  /** End of the window (the time of collection). */
  until: string;
  pulls: PullRequestEvent[];
  gates: GateEvaluation[];
  versions: VersionEvent[];
  /** Draft releases left by ended runs (only read with push access; undefined = not read). */
  unfinishedRegistrations?: UnfinishedRegistration[];
  deployments: DeploymentEvent[];
  monitoring: MonitoringRun[];
  retrains: RetrainRun[];
}

/**
 * The end of a window the user did not bound: the later of `now` (the reader's clock) and the newest event
 * read. GitHub's timestamps come from its servers, and a runner's or laptop's clock can lag them; an end
 * taken from the reader's clock alone would leave out what happened in the last moments (e.g. the
 * production deployment of the PR just merged) and report it as missing.
 */
export function windowEnd(
  events: Omit<InsightsEvents, "until" | "repository" | "since">,
  now: string,
): string {
  const times = [
    now,
    ...events.pulls.flatMap((p) => [p.openedAt, p.mergedAt, ...p.reviews.map((r) => r.at)]),
    ...events.gates.map((g) => g.at),
    ...events.versions.map((v) => v.registeredAt),
    ...(events.unfinishedRegistrations ?? []).map((u) => u.createdAt),
    ...events.deployments.flatMap((d) => [d.createdAt, ...d.statuses.map((s) => s.at)]),
    ...events.monitoring.map((m) => m.at),
    ...events.retrains.map((r) => r.at),
  ].filter((t): t is string => t !== undefined);
  return times.reduce((latest, t) => (Date.parse(t) > Date.parse(latest) ? t : latest), now);
}
