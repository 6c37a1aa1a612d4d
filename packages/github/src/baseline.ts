import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  formatSelector,
  GitHubError,
  InputError,
  IntegrityError,
  loadMetricsSource,
  type MetricValues,
  type ModelManifest,
  type ModelSelector,
  type ModelVersion,
  newestAttemptArtifact,
  parseBaselineMode,
  parseModelManifest,
  perExamplePath,
} from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { withGitHubErrors } from "./errors.js";
import type { GitHubLog } from "./log.js";
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
  /** `sha256:<hex>` of the zip (uploads by upload-artifact v4 and later; GitHub lists null for older ones). */
  digest?: string;
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

/** Why an artifact cannot be downloaded any more, in words that complete "the artifact X of run N …". */
export const ARTIFACT_EXPIRED =
  "has expired: GitHub deletes an artifact when its retention period ends (90 days unless the repository or the upload sets fewer)";

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
      digest?: string | null;
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
      ...(a.digest ? { digest: a.digest } : {}),
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
    /** Throw the resolution's InputError (no such alias or version) instead of returning undefined. */
    strict?: boolean;
  },
): Promise<RegistryBaseline | undefined> {
  const { owner, repo, model, selector, dir } = options;
  let resolved: Awaited<ReturnType<typeof resolveModel>>;
  try {
    resolved = await resolveModel(client, { owner, repo, model, selector });
  } catch (error) {
    if (error instanceof InputError && !options.strict) return undefined;
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

/** The metrics the candidate is compared with, and where they came from. */
export interface Baseline {
  metrics: MetricValues;
  /** Output `baseline-source`: `registry:m@production (v3)`, `run:123`, `file:base.json`. */
  source: string;
  /** Shown in the report. */
  label: string;
  url?: string;
  perExample?: string;
}

/** Another workflow run to read artifacts from (cross-run download needs a token with `actions: read`). */
export interface ArtifactSource {
  runId: number;
  owner: string;
  repo: string;
  token: string;
}

/**
 * The artifact reads a base-branch baseline needs (port; `@mlops/action-kit`'s ArtifactStore satisfies it).
 * Without `list`, the run's artifacts are listed over REST.
 */
export interface RunArtifactReader {
  list?(from: ArtifactSource): Promise<Array<{ name: string }>>;
  download(name: string, directory: string, from: ArtifactSource): Promise<{ path: string }>;
}

/** The log a baseline resolution writes to (`@mlops/action-kit`'s Logger satisfies it). */
export interface BaselineLog extends GitHubLog {
  notice(message: string): void;
}

export interface BaselineContext {
  /** `parseBaselineMode`'s grammar: `auto`, `none`, `base-branch`, `production`, `@alias`, `v7`, `latest`, a file. */
  mode: string;
  /**
   * What an explicitly asked-for baseline that does not exist (no such alias or version, no base-branch run)
   * gives: `none` (first-model mode with a notice; the action, where the first release has no production
   * yet) or `error` (one InputError line; `mlops gate`, where the user named it). Default `none`.
   */
  missing?: "none" | "error";
  model: string;
  owner: string;
  repo: string;
  token: string;
  /** Branch to take `base-branch` runs from (the PR's base, or the pushed branch). */
  baseBranch: string | undefined;
  /** Workflow file name of this run (`pr.yml`). */
  workflowFile: string | undefined;
  /** Name of the train artifact (without the attempt suffix). */
  artifactName: string;
  /** Config's `per_example` path (relative to the training's working directory). */
  perExample: string | undefined;
  cwd: string;
  tempDir: string;
  client: () => GitHubClient;
  /** Reads another run's artifacts (base-branch baselines); absent where there is no artifact service. */
  artifacts?: RunArtifactReader;
  log: BaselineLog;
}

/** A read the token is not allowed to make (403 other than a rate limit). */
function isForbidden(error: unknown): boolean {
  return error instanceof GitHubError && error.reason === "permission";
}

/** `@production (v3)`, `v7`, `latest (v3)`: the selector and, where it is not the selector, the version. */
function registryName(
  model: string,
  selector: ModelSelector,
  version: string,
): { source: string; label: string } {
  if (selector.kind === "version")
    return { source: `registry:${model}:v${version}`, label: `${model} v${version}` };
  const what = formatSelector(selector);
  return {
    source: `registry:${model}${selector.kind === "alias" ? what : `:${what}`} (v${version})`,
    label: `${model} v${version} (${what})`,
  };
}

async function fromRegistry(ctx: BaselineContext, selector: ModelSelector): Promise<Baseline | undefined> {
  const found = await fetchRegistryBaseline(ctx.client(), {
    ...(ctx.missing === "error" ? { strict: true } : {}),
    owner: ctx.owner,
    repo: ctx.repo,
    model: ctx.model,
    selector,
    dir: await mkdtemp(join(ctx.tempDir, "registry-")),
    ...(ctx.perExample ? { perExample: [ctx.perExample.split("/").pop() as string] } : {}),
  });
  if (!found) return undefined;
  return {
    metrics: found.manifest.metrics,
    ...registryName(ctx.model, selector, found.version),
    url: found.releaseUrl,
    ...(found.perExamplePath ? { perExample: found.perExamplePath } : {}),
  };
}

/** A base-branch baseline, or why there is none (one clause: "no successful push run of pr.yml on main"). */
type BaseBranchResult = { baseline: Baseline } | { missing: string };

async function fromBaseBranch(ctx: BaselineContext): Promise<BaseBranchResult> {
  if (!ctx.baseBranch || !ctx.workflowFile)
    return { missing: "no base branch or workflow file is known for this run" };
  const client = ctx.client();
  const where = `${ctx.workflowFile} on ${ctx.baseBranch}`;
  let run: Awaited<ReturnType<typeof findLatestSuccessfulRun>>;
  try {
    run = await findLatestSuccessfulRun(client, {
      owner: ctx.owner,
      repo: ctx.repo,
      workflowFile: ctx.workflowFile,
      branch: ctx.baseBranch,
    });
  } catch (error) {
    // the workflow never ran
    if (error instanceof GitHubError && error.status === 404)
      return { missing: `no workflow ${ctx.workflowFile} in ${ctx.owner}/${ctx.repo}` };
    throw error;
  }
  if (!run) return { missing: `no successful push run of ${where}` };
  if (!ctx.artifacts)
    throw new InputError(
      `the base-branch baseline is the train artifact of run ${run.id}, and artifacts cannot be read here: give a registry baseline (production, @alias, v7) or a file`,
    );
  const from = { runId: run.id, owner: ctx.owner, repo: ctx.repo, token: ctx.token };
  const listed = ctx.artifacts.list
    ? (await ctx.artifacts.list(from)).map((a) => ({ name: a.name, expired: false }))
    : await listRunArtifacts(client, ctx, run.id);
  const name = newestAttemptArtifact(
    listed.filter((a) => !a.expired).map((a) => a.name),
    ctx.artifactName,
  );
  const runName = `run ${run.id} (${where} @ ${run.headSha.slice(0, 7)})`;
  if (!name) {
    const gone = newestAttemptArtifact(
      listed.filter((a) => a.expired).map((a) => a.name),
      ctx.artifactName,
    );
    return {
      missing: gone
        ? `the ${gone} artifact of the newest successful ${runName} ${ARTIFACT_EXPIRED}`
        : `the newest successful ${runName} has no ${ctx.artifactName} artifact`,
    };
  }
  const dir = await mkdtemp(join(ctx.tempDir, "base-branch-"));
  await ctx.artifacts.download(name, dir, from);
  const loaded = loadMetricsSource(join(dir, "run.json"), `run.json of artifact ${name}`);
  const perExample = perExamplePath(loaded, ctx.perExample);
  return {
    baseline: {
      metrics: loaded.metrics,
      source: `run:${run.id}`,
      label: `${ctx.baseBranch} @ ${run.headSha.slice(0, 7)} (run ${run.id})`,
      url: run.url,
      ...(perExample ? { perExample } : {}),
    },
  };
}

function fromFile(ctx: BaselineContext, path: string): Baseline {
  const loaded = loadMetricsSource(resolve(ctx.cwd, path), "baseline file");
  const perExample = perExamplePath(loaded, ctx.perExample);
  return {
    metrics: loaded.metrics,
    source: `file:${path}`,
    label: path,
    ...(perExample ? { perExample } : {}),
  };
}

/** `auto`'s second choice: the base-branch baseline, or none (saying why at info level). */
async function baseBranchOrNone(ctx: BaselineContext): Promise<Baseline | undefined> {
  const found = await fromBaseBranch(ctx);
  if ("baseline" in found) return found.baseline;
  ctx.log.info(`No base-branch baseline: ${found.missing}.`);
  return undefined;
}

/** Tries one automatic source; a source the token may not read is skipped with a warning. */
async function tolerant(
  ctx: BaselineContext,
  what: string,
  load: () => Promise<Baseline | undefined>,
): Promise<Baseline | undefined> {
  try {
    return await load();
  } catch (error) {
    if (!isForbidden(error)) throw error;
    ctx.log.warning(`Skipping the ${what} baseline: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Resolves the baseline (`parseBaselineMode`): `production`/`@alias`/`v7`/`latest` (registry), `base-branch` (newest artifact of the latest
 * successful `push` run of this workflow on the base branch: never a pull request's run, which a fork
 * could name after the base branch), `none`, a file, or `auto` (production, then base-branch, then none).
 * Undefined means first-model mode.
 */
export async function resolveBaseline(ctx: BaselineContext): Promise<Baseline | undefined> {
  const mode = parseBaselineMode(ctx.mode);
  if (mode.kind === "none") return undefined;
  if (mode.kind === "registry") {
    const found = await fromRegistry(ctx, mode.selector);
    if (!found && ctx.missing === "error")
      throw new InputError(
        `${ctx.model} has no ${formatSelector(mode.selector)} version in ${ctx.owner}/${ctx.repo}`,
      );
    if (!found)
      ctx.log.notice(
        `${ctx.model} has no ${formatSelector(mode.selector)} version yet: comparing with no baseline.`,
      );
    return found;
  }
  if (mode.kind === "base-branch") {
    const found = await fromBaseBranch(ctx);
    if ("baseline" in found) return found.baseline;
    if (ctx.missing === "error") throw new InputError(`no base-branch baseline: ${found.missing}`);
    ctx.log.notice(`No base-branch baseline (${found.missing}): comparing with no baseline.`);
    return undefined;
  }
  if (mode.kind === "auto") {
    const production: ModelSelector = { kind: "alias", alias: "production" };
    return (
      (await tolerant(ctx, "registry", () => fromRegistry({ ...ctx, missing: "none" }, production))) ??
      (ctx.artifacts ? await tolerant(ctx, "base-branch", () => baseBranchOrNone(ctx)) : undefined)
    );
  }
  return fromFile(ctx, mode.path);
}
