import type { GitHubClient } from "./client.js";
import { withGitHubErrors } from "./errors.js";
import { listAllPages } from "./paginate.js";

export interface WorkflowRunRef {
  id: number;
  headSha: string;
  url: string;
  createdAt: string;
}

export interface RunArtifact {
  id: number;
  name: string;
  sizeInBytes: number;
  expired: boolean;
  archiveDownloadUrl: string;
}

/** The newest successful run of `workflowFile` (e.g. `train.yml`) on `branch`, or undefined. One call. */
export async function findLatestSuccessfulRun(
  client: GitHubClient,
  options: { owner: string; repo: string; workflowFile: string; branch: string },
): Promise<WorkflowRunRef | undefined> {
  const { owner, repo, workflowFile, branch } = options;
  return withGitHubErrors(
    { operation: `find the latest successful run of ${workflowFile} on ${branch}`, owner, repo },
    async () => {
      const { data } = await client.request(
        "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
        {
          owner,
          repo,
          workflow_id: workflowFile,
          branch,
          status: "success",
          per_page: 1,
        },
      );
      const run = data.workflow_runs[0];
      return run
        ? { id: Number(run.id), headSha: run.head_sha, url: run.html_url, createdAt: run.created_at }
        : undefined;
    },
  );
}

/** The artifacts of a workflow run (all pages), optionally only those named `name`. */
export async function listRunArtifacts(
  client: GitHubClient,
  options: { owner: string; repo: string },
  runId: number,
  name?: string,
): Promise<RunArtifact[]> {
  const { owner, repo } = options;
  return withGitHubErrors({ operation: `list the artifacts of run ${runId}`, owner, repo }, async () => {
    const raw = await listAllPages<{
      id: number;
      name: string;
      size_in_bytes: number;
      expired: boolean;
      archive_download_url: string;
    }>(
      client,
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
      { owner, repo, run_id: runId, ...(name ? { name } : {}) },
      "artifacts",
    );
    return raw.map((a) => ({
      id: a.id,
      name: a.name,
      sizeInBytes: a.size_in_bytes,
      expired: a.expired,
      archiveDownloadUrl: a.archive_download_url,
    }));
  });
}
