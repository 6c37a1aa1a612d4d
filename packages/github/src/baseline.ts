import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  InputError,
  IntegrityError,
  type ModelManifest,
  type ModelSelector,
  type ModelVersion,
  parseModelManifest,
} from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { withGitHubErrors } from "./errors.js";
import { listAllPages } from "./paginate.js";
import { downloadAsset } from "./registry/download.js";
import { resolveModel } from "./registry/resolve.js";

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

/**
 * The newest successful `push` run of `workflowFile` (e.g. `train.yml`) on `branch`, or undefined. One call.
 * Only `push` runs: the runs list's `branch` filter matches a run's `head_branch`, and a pull request from
 * a fork's `main` runs with `head_branch: main` too (event `pull_request`), so without `event: push` a
 * fork could supply the baseline its own PR is compared with (REST "List workflow runs for a workflow",
 * parameters `branch` and `event`).
 */
export async function findLatestSuccessfulRun(
  client: GitHubClient,
  options: { owner: string; repo: string; workflowFile: string; branch: string },
): Promise<WorkflowRunRef | undefined> {
  const { owner, repo, workflowFile, branch } = options;
  return withGitHubErrors(
    { operation: `find the latest successful push run of ${workflowFile} on ${branch}`, owner, repo },
    async () => {
      const { data } = await client.request(
        "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
        {
          owner,
          repo,
          workflow_id: workflowFile,
          branch,
          event: "push",
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

/** The asset name `register` gives a version's per-example results. */
export const REGISTRY_PER_EXAMPLE_ASSET = "per-example.csv";

export interface RegistryBaseline {
  model: string;
  /** The version label (`7`, `1.4.0`). */
  version: ModelVersion;
  tag: string;
  /** What was asked for (`@production`, `v7`, `latest`). */
  selector: ModelSelector;
  releaseUrl: string;
  manifest: ModelManifest;
  /** Local path of the release's per-example results, when asked for and present. */
  perExamplePath?: string;
}

/**
 * The registered version a selector names (`@production`, `v7`, `latest`) as a baseline: resolves it
 * (2 calls) and downloads the release's `model.json` with the streaming, verified asset download (plus
 * the per-example results, when asked for and attached). Undefined when the model has no such alias or
 * version (or no versions at all), so callers can fall back to another baseline.
 */
export async function fetchRegistryBaseline(
  client: GitHubClient,
  options: {
    owner: string;
    repo: string;
    model: string;
    selector: ModelSelector;
    dir: string;
    /** Also download the per-example results (asset `per-example.csv`, or one of these names). */
    perExample?: boolean | string[];
  },
): Promise<RegistryBaseline | undefined> {
  const { owner, repo, model, selector, dir } = options;
  let resolved: Awaited<ReturnType<typeof resolveModel>>;
  try {
    resolved = await resolveModel(client, { owner, repo, model, selector });
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
  return withGitHubErrors({ operation: `read the baseline ${resolved.tag}`, owner, repo }, async () => {
    const asset = resolved.release.assets.find((a) => a.name === "model.json");
    if (!asset)
      throw new IntegrityError(
        `${resolved.tag} has no model.json asset; it was not registered by mlops-actions.`,
      );
    await mkdir(dir, { recursive: true });
    const manifestPath = join(dir, "model.json");
    await downloadAsset(client, owner, repo, asset, manifestPath);
    const manifest = parseModelManifest(await readFile(manifestPath, "utf8"));
    let perExamplePath: string | undefined;
    const names = [
      REGISTRY_PER_EXAMPLE_ASSET,
      ...(Array.isArray(options.perExample) ? options.perExample : []),
    ];
    const perExample = options.perExample
      ? resolved.release.assets.find((a) => names.includes(a.name))
      : undefined;
    if (perExample) {
      perExamplePath = join(dir, perExample.name);
      await downloadAsset(client, owner, repo, perExample, perExamplePath);
    }
    return {
      model,
      version: resolved.version,
      tag: resolved.tag,
      selector,
      releaseUrl: resolved.release.htmlUrl,
      manifest,
      ...(perExamplePath ? { perExamplePath } : {}),
    };
  });
}
