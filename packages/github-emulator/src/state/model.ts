/** The emulator's persisted data model (plain JSON: it is written to `stateDir/state.json`). */

export interface GitUser {
  name: string;
  email: string;
  date: string;
}

export interface CommitData {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
  author: GitUser;
  /** Full file snapshot of the commit: path → content. */
  files: Record<string, string>;
}

export interface TagData {
  sha: string;
  tag: string;
  message: string;
  object: { sha: string; type: string };
  tagger: GitUser;
}

export interface ReleaseData {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  make_latest: string;
  created_at: string;
  published_at: string | null;
  author: string;
  /** Published while the repository had immutable releases enabled: assets and tag are locked. */
  immutable?: boolean;
}

export interface AssetData {
  id: number;
  releaseId: number;
  name: string;
  label: string | null;
  content_type: string;
  size: number;
  digest: string | null;
  state: "uploaded" | "open" | "starter";
  download_count: number;
  created_at: string;
  updated_at: string;
  uploader: string;
  /** File name of the blob under the blob directory. */
  blob: string;
}

export interface IssueData {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  user: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Set when the issue is a pull request. */
  pull?: {
    head: string;
    /** `owner/name` of the fork the head branch lives in; absent when it is this repository's branch. */
    headRepo?: string;
    base: string;
    headSha: string;
    baseSha: string;
    merged: boolean;
    draft: boolean;
    /** Set by `PUT /pulls/{n}/merge`. */
    mergedAt?: string;
    mergeCommitSha?: string;
    mergedBy?: string;
    /** Submitted reviews, oldest first (`POST /pulls/{n}/reviews`). */
    reviews?: PullReviewData[];
  };
}

/** A submitted pull-request review. */
export interface PullReviewData {
  id: number;
  user: string;
  body: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
  commit_id: string;
  submitted_at: string;
}

export interface CommentData {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface LabelData {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface CheckRunData {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations_count: number };
  annotations: unknown[];
  /** Slug of the GitHub App whose installation token created it (`<slug>[bot]`); absent for other tokens. */
  app?: string;
}

export interface StatusData {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
  created_at: string;
  updated_at: string;
  creator: string;
}

export interface DeploymentData {
  id: number;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  original_environment: string;
  description: string | null;
  transient_environment: boolean;
  production_environment: boolean;
  creator: string;
  created_at: string;
  updated_at: string;
}

export interface DeploymentStatusData {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environment: string;
  log_url: string;
  environment_url: string;
  creator: string;
  created_at: string;
  updated_at: string;
}

export interface EnvironmentData {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
  wait_timer: number;
  /** Required reviewers (`PUT /environments/{name}`), with the login their id resolved to. */
  reviewers: ReviewerData[];
  deployment_branch_policy: unknown;
}

export interface ReviewerData {
  type: "User";
  id: number;
  login: string;
}

/** A job of a run waiting for an environment's required reviewers (registered by the local runner). */
export interface DeploymentWaitData {
  id: number;
  runId: number;
  run_attempt: number;
  job: string;
  environmentId: number;
  state: "waiting" | "approved" | "rejected" | "withdrawn";
  created_at: string;
  /** Who decided, and their comment (set with `state` approved/rejected). */
  reviewer?: string;
  comment?: string;
}

/** One review of pending deployments (`GET /actions/runs/{id}/approvals`). */
export interface DeploymentReviewData {
  runId: number;
  environmentIds: number[];
  state: "approved" | "rejected";
  user: string;
  comment: string;
  created_at: string;
}

export interface DispatchData {
  event_type: string;
  client_payload: unknown;
  received_at: string;
  sender: string;
}

export interface WorkflowData {
  id: number;
  name: string;
  /** `.github/workflows/x.yml` */
  path: string;
  created_at: string;
  updated_at: string;
}

export interface WorkflowRunData {
  id: number;
  /** `workflow_run_backend_id` of the results service (in the runtime token's `Actions.Results` scope). */
  backendId: string;
  workflowId: number;
  name: string;
  display_title: string;
  event: string;
  head_branch: string;
  head_sha: string;
  actor: string;
  triggering_actor: string;
  run_number: number;
  run_attempt: number;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  pull_request_numbers: number[];
  /** `owner/name` of the fork a `pull_request` run's head came from; absent for this repository's branches. */
  head_repository?: string;
  created_at: string;
  updated_at: string;
  run_started_at: string;
  /** Earlier attempts, oldest first (kept when `rerun_of` starts the next one). */
  previous_attempts?: RunAttemptData[];
}

/** What differs between attempts of one run. */
export interface RunAttemptData {
  run_attempt: number;
  status: WorkflowRunData["status"];
  conclusion: string | null;
  triggering_actor: string;
  run_started_at: string;
  updated_at: string;
}

export interface WorkflowJobData {
  id: number;
  runId: number;
  run_attempt: number;
  /** `workflow_job_run_backend_id` (second id of the `Actions.Results` scope). */
  backendId: string;
  name: string;
  permissions: Record<string, string>;
  created_at: string;
}

export interface ArtifactData {
  id: number;
  runId: number;
  /** Backend id of the job that uploaded it. */
  jobBackendId: string;
  name: string;
  mime_type: string;
  /** False between CreateArtifact and FinalizeArtifact (not listed, not downloadable). */
  finalized: boolean;
  size: number;
  /** `sha256:<hex>` as sent by FinalizeArtifact. */
  digest: string | null;
  /** File name of the committed blob under the blob directory. */
  blob: string;
  /** sha256 (hex) and size of the committed blob, measured while it was assembled. */
  blobSha256: string | null;
  blobSize: number | null;
  expired: boolean;
  created_at: string;
  updated_at: string;
  expires_at: string;
}

export interface ActionsData {
  workflows: WorkflowData[];
  runs: WorkflowRunData[];
  jobs: WorkflowJobData[];
  artifacts: ArtifactData[];
  /** Jobs waiting for required reviewers, and the reviews given (created on first use). */
  waits?: DeploymentWaitData[];
  reviews?: DeploymentReviewData[];
}

/**
 * A repository ruleset as far as ref writes go (docs "About rulesets", "Available rules for rulesets":
 * restrict creations / updates / deletions of refs matching `include` and not `exclude`).
 */
export interface RulesetData {
  name: string;
  /** fnmatch patterns over full ref names (`refs/tags/fraud/*`; `*` stops at `/`, `**` does not); `~ALL`. */
  include: string[];
  exclude: string[];
  rules: Array<"creation" | "update" | "deletion">;
  /** Logins allowed to bypass the ruleset. */
  bypass: string[];
}

export interface RepoData {
  id: number;
  owner: string;
  name: string;
  default_branch: string;
  created_at: string;
  /** `owner/name` of the repository this one is a fork of (emulator-only `POST /_emulator/repos/{o}/{r}/forks`). */
  parent?: string;
  commits: Record<string, CommitData>;
  /** Fully qualified ref name (`refs/tags/x`) → object sha. */
  refs: Record<string, string>;
  tags: Record<string, TagData>;
  /** Repository rulesets restricting ref writes (emulator-only control `/_emulator/repos/{o}/{r}/rulesets`). */
  rulesets?: RulesetData[];
  releases: ReleaseData[];
  /** `PATCH /repos/{o}/{r}` `private` / `visibility`; unset = public (every repository the emulator creates). */
  visibility?: "public" | "private" | "internal";
  /** Immutable releases enabled (`PUT /repos/{o}/{r}/immutable-releases`): releases published from now on are immutable. */
  immutableReleases?: boolean;
  assets: AssetData[];
  issues: IssueData[];
  nextIssueNumber: number;
  comments: CommentData[];
  labels: LabelData[];
  checkRuns: CheckRunData[];
  statuses: StatusData[];
  deployments: DeploymentData[];
  deploymentStatuses: DeploymentStatusData[];
  environments: EnvironmentData[];
  dispatches: DispatchData[];
  /** Workflows, runs, jobs and artifacts (created on first use by the Actions routes). */
  actions?: ActionsData;
  /** Free space for plug-ins (the Actions runtime keeps its runs/artifacts here). */
  extra: Record<string, unknown>;
}

export interface EmulatorData {
  version: 1;
  nextId: number;
  repos: Record<string, RepoData>;
  /** Minted tokens: token string → spec. */
  tokens: Record<string, { login: string; permissions: Record<string, string> }>;
  /** Free space for plug-ins at the top level. */
  extra: Record<string, unknown>;
}
