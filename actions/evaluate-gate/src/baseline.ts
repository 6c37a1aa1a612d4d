import { mkdtemp } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ActionRuntime, ArtifactStore } from "@mlops/action-kit";
import {
  formatSelector,
  GitHubError,
  type MetricValues,
  type ModelSelector,
  newestAttemptArtifact,
  parseBaselineMode,
} from "@mlops/core";
import {
  fetchRegistryBaseline,
  findLatestSuccessfulRun,
  type GitHubClient,
  listRunArtifacts,
} from "@mlops/github";
import { loadMetricsSource, perExamplePath } from "./candidate.js";

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

export interface BaselineContext {
  mode: string;
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
  artifacts: ArtifactStore;
  log: ActionRuntime["log"];
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

async function fromBaseBranch(ctx: BaselineContext): Promise<Baseline | undefined> {
  if (!ctx.baseBranch || !ctx.workflowFile) {
    ctx.log.info("No base branch or workflow file known for this run: skipping the base-branch baseline.");
    return undefined;
  }
  const client = ctx.client();
  let run: Awaited<ReturnType<typeof findLatestSuccessfulRun>>;
  try {
    run = await findLatestSuccessfulRun(client, {
      owner: ctx.owner,
      repo: ctx.repo,
      workflowFile: ctx.workflowFile,
      branch: ctx.baseBranch,
    });
  } catch (error) {
    if (error instanceof GitHubError && error.status === 404) return undefined; // workflow never ran
    throw error;
  }
  if (!run) return undefined;
  const from = { runId: run.id, owner: ctx.owner, repo: ctx.repo, token: ctx.token };
  const names = ctx.artifacts.list
    ? (await ctx.artifacts.list(from)).map((a) => a.name)
    : (await listRunArtifacts(client, ctx, run.id)).filter((a) => !a.expired).map((a) => a.name);
  const name = newestAttemptArtifact(names, ctx.artifactName);
  if (!name) {
    ctx.log.info(`Run ${run.id} on ${ctx.baseBranch} has no ${ctx.artifactName} artifact.`);
    return undefined;
  }
  const dir = await mkdtemp(join(ctx.tempDir, "base-branch-"));
  await ctx.artifacts.download(name, dir, from);
  const loaded = loadMetricsSource(join(dir, "run.json"), `run.json of artifact ${name}`);
  const perExample = perExamplePath(loaded, ctx.perExample);
  return {
    metrics: loaded.metrics,
    source: `run:${run.id}`,
    label: `${ctx.baseBranch} @ ${run.headSha.slice(0, 7)} (run ${run.id})`,
    url: run.url,
    ...(perExample ? { perExample } : {}),
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
    if (!found)
      ctx.log.notice(
        `${ctx.model} has no ${formatSelector(mode.selector)} version yet: comparing with no baseline.`,
      );
    return found;
  }
  if (mode.kind === "base-branch") {
    const found = await fromBaseBranch(ctx);
    if (!found)
      ctx.log.notice(
        `No successful push run with a ${ctx.artifactName} artifact on ${ctx.baseBranch ?? "the base branch"} yet: comparing with no baseline.`,
      );
    return found;
  }
  if (mode.kind === "auto") {
    const production: ModelSelector = { kind: "alias", alias: "production" };
    return (
      (await tolerant(ctx, "registry", () => fromRegistry(ctx, production))) ??
      (await tolerant(ctx, "base-branch", () => fromBaseBranch(ctx)))
    );
  }
  return fromFile(ctx, mode.path);
}
