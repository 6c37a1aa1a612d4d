/**
 * `@mlops/local-github`: a maintainer's side of a local GitHub (the emulator) over its REST API — a small
 * REST client, commits and pull requests, required-review approvals, the webhook payloads these actions
 * trigger, and the files of a local git branch to push. Used by `mlops local` and the demo.
 */
export {
  ApprovalRefused,
  approveWhenWaiting,
  type GivenApproval,
  type PendingReview,
  reviewPendingDeployment,
  runsWaitingFor,
} from "./approvals.js";
export { type PullRequestInfo, pullRequestPayload, pushPayload, schedulePayload } from "./events.js";
export { type TreeFiles, treeFiles } from "./git-tree.js";
export {
  branchSha,
  commitFiles,
  type MergedPullRequest,
  mergePullRequest,
  openPullRequest,
} from "./repo-ops.js";
export { createRestClient, type RestClient, RestError } from "./rest.js";
