import { join } from "node:path";
import {
  describeError,
  environmentAlias,
  InputError,
  IntegrityError,
  type ModelSelector,
  type ModelVersion,
  type OpenBundle,
  SignatureError,
  type SigningPolicy,
  toSelector,
  type VerifiedVersion,
  validateModelName,
} from "@mlops/core";
import { truncate } from "./checks.js";
import type { GitHubClient } from "./client.js";
import { createOnce } from "./create-once.js";
import { requireEnvironmentProtection } from "./environment-protection.js";
import { withGitHubErrors } from "./errors.js";
import { type GitHubLog, silentLog } from "./log.js";
import { listAllPages } from "./paginate.js";
import { setAliasRef } from "./registry/aliases.js";
import { type DownloadedModel, downloadModel } from "./registry/download.js";
import { versionOfAlias, versionSelector, versionTagName } from "./registry/names.js";
import { readModelRefs } from "./registry/refs.js";
import { resolveModel } from "./registry/resolve.js";
import { downloadVerifiedModel } from "./registry/verify.js";

/** Deployment-status descriptions are limited to 140 chars. */
const MAX_DESCRIPTION = 140;

export interface StepResult {
  ok: boolean;
  logUrl?: string;
  message?: string;
}

export interface DeployModelOptions {
  /**
   * Refuse (ConfigError, nothing written) unless the GitHub environment has required reviewers
   * (mlops.yml `environments[].require_protection`). One more call: `GET /environments/{name}`.
   */
  requireProtection?: boolean;
  owner: string;
  repo: string;
  model: string;
  /** `latest`, `v7`, `v1.4.0`, `@staging`, an alias, or `previous` (the version deployed before the current `@<environment>`): `parseSelector`'s grammar, as text or parsed. */
  selector: string | ModelSelector;
  environment: string;
  /** Where versions are downloaded (a subdirectory per version is created). */
  workDir: string;
  /** Identifies this attempt so a retried call finds its own deployment (e.g. the Actions run id). */
  runId: string;
  /** The user's deploy step; receives the verified model directory (called only after every file verified). */
  run: (modelDir: string, version: ModelVersion, downloaded: DownloadedModel) => Promise<StepResult>;
  healthCheck?: (modelDir: string, version: ModelVersion) => Promise<StepResult>;
  rollbackOnFailure: boolean;
  environmentUrl?: string;
  logUrl?: string;
  /**
   * The workflow run's commit (`GITHUB_SHA`). With it, a deployment that GitHub itself created for this
   * job (the job references the environment without `deployment: false`) is looked for and reported as a
   * duplicate: see {@link findJobDeployment}.
   */
  runSha?: string;
  /**
   * Verify the version's signature before anything is recorded: with a policy, the version is downloaded
   * and verified (signature, signer, every file) BEFORE the deployment is created, and a refusal throws
   * (SignatureError / IntegrityError): no deployment, no alias move, no deploy command.
   */
  signing?: { policy: SigningPolicy; openBundle?: OpenBundle };
  log?: GitHubLog;
}

export interface DeployResult {
  ok: boolean;
  model: string;
  /** The version label (`7`, `1.4.0`). */
  version: ModelVersion;
  environment: string;
  deploymentId: number;
  /** The version `@<environment>` pointed at before. */
  previousVersion?: ModelVersion;
  /** Set when the deploy failed and the previous version was redeployed. */
  rollback?: DeployResult;
  /** The download or verification failed: the deploy command never ran. */
  integrityFailure?: boolean;
  /** Who signed the version (a key, or the keyless certificate's SAN) and what logged it; unset when not verified. */
  signature?: VerifiedVersion;
  /**
   * The deployment GitHub created for this job because its `environment:` lacks `deployment: false`
   * (always on GHES, where that setting does not exist): a second deployment next to `deploymentId`.
   */
  jobDeploymentId?: number;
  message?: string;
}

interface Deployment {
  id: number;
  ref: string;
  sha?: string;
  task?: string;
  payload: { model?: string; version?: ModelVersion | number; runId?: string } | string;
  created_at: string;
}

/** A deployment's payload; `version` as a label (deployments made before semver support hold a number). */
function payloadOf(d: Deployment): { model?: string; version?: ModelVersion; runId?: string } {
  let payload: { model?: string; version?: ModelVersion | number; runId?: string } = {};
  if (typeof d.payload === "string") {
    try {
      payload = JSON.parse(d.payload) as typeof payload;
    } catch {
      return {};
    }
  } else payload = d.payload ?? {};
  const { version, ...rest } = payload;
  return version === undefined || version === null ? rest : { ...rest, version: String(version) };
}

async function listModelDeployments(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  environment: string,
): Promise<Deployment[]> {
  const list = await listAllPages<Deployment>(client, "GET /repos/{owner}/{repo}/deployments", {
    owner,
    repo,
    task: `deploy:${model}`,
    environment,
  });
  // Newest first, whatever order the server used (the spec does not promise one).
  return list.map((d) => ({ ...d, id: Number(d.id) })).sort((a, b) => b.id - a.id);
}

async function latestState(
  client: GitHubClient,
  owner: string,
  repo: string,
  deploymentId: number,
): Promise<string | undefined> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
    owner,
    repo,
    deployment_id: deploymentId,
    per_page: 1,
  });
  return data[0]?.state;
}

/**
 * The deployment GitHub created for the running job, if any: a job that references an environment gets
 * one unless `environment: {name, deployment: false}` (docs "Deploying with GitHub Actions", *Using
 * environments without deployments*; github.com and GHE.com only, not GHES). It is the newest deployment
 * of `environment` at the run's commit with GitHub's default task `deploy` (ours are `deploy:<model>`)
 * whose status links to this run (`log_url`/`target_url` …/actions/runs/<runId>/…). 1–2 calls.
 */
export async function findJobDeployment(
  client: GitHubClient,
  options: { owner: string; repo: string; environment: string; sha: string; runId: string },
): Promise<number | undefined> {
  const { owner, repo, environment, sha, runId } = options;
  const { data } = await client.request("GET /repos/{owner}/{repo}/deployments", {
    owner,
    repo,
    environment,
    sha,
    task: "deploy",
    per_page: 20,
  });
  const runPath = `/actions/runs/${runId}/`;
  for (const d of [...data].sort((a, b) => Number(b.id) - Number(a.id))) {
    const { data: statuses } = await client.request(
      "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
      { owner, repo, deployment_id: Number(d.id), per_page: 10 },
    );
    const linked = statuses.some((s) =>
      [s.log_url, s.target_url].some((url) => typeof url === "string" && `${url}/`.includes(runPath)),
    );
    if (linked) return Number(d.id);
  }
  return undefined;
}

/**
 * The version deployed to `environment` before `current`: the newest deployment of another version
 * whose last status was `success` or `inactive` (a replaced good deploy). Reads deployment history.
 */
export async function findPreviousVersion(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; environment: string; current: ModelVersion },
): Promise<ModelVersion | undefined> {
  const { owner, repo, model, environment, current } = options;
  for (const d of await listModelDeployments(client, owner, repo, model, environment)) {
    const version = payloadOf(d).version;
    if (version === undefined || version === current) continue;
    const state = await latestState(client, owner, repo, d.id);
    if (state === "success" || state === "inactive") return version;
  }
  return undefined;
}

/**
 * Deploys a registered version (docs/architecture.md, "The registry on releases"): resolve → deployment (ref = version tag,
 * `task: deploy:<model>`, `required_contexts: []`, `auto_merge: false`, payload {model, version,
 * digest, runId}) → `in_progress` → download + verify → `run` → `healthCheck` → `success`/`failure`
 * → `@<environment>` moves only after success → the previous deployment is marked `inactive`.
 * On failure with `rollbackOnFailure`, the version `@<environment>` still names is redeployed the same
 * way. Retry-safe: a deployment of this version by this `runId` is reused instead of created again.
 */
export async function deployModel(client: GitHubClient, options: DeployModelOptions): Promise<DeployResult> {
  const { owner, repo, environment } = options;
  const model = validateModelName(options.model);
  const log = options.log ?? silentLog;
  const context = { operation: `deploy ${model} to ${environment}`, owner, repo };
  // Before anything is read or written: an environment that must be protected and is not stops the deploy.
  if (options.requireProtection) {
    const protection = await requireEnvironmentProtection(client, { owner, repo, environment, model });
    log.info(`${environment} is protected: required reviewers ${protection.reviewers.join(", ")}.`);
  }
  const refs = await withGitHubErrors(context, () => readModelRefs(client, owner, repo, model));
  const aliasName = environmentAlias(environment);
  const previousVersion = versionOfAlias(refs, aliasName);
  let selector = toSelector(options.selector);
  if (selector.kind === "previous") {
    if (previousVersion === undefined)
      throw new InputError(
        `${model} has never been deployed to ${environment}; there is no previous version.`,
      );
    const before = await withGitHubErrors(context, () =>
      findPreviousVersion(client, { owner, repo, model, environment, current: previousVersion }),
    );
    if (before === undefined)
      throw new InputError(
        `${model}: no version was deployed to ${environment} before ${versionSelector(previousVersion)}.`,
      );
    selector = { kind: "version", version: before };
  }
  const resolved = await resolveModel(client, { owner, repo, model, selector, refs });
  const { version, tag, tagSha } = resolved;
  const dir = join(options.workDir, `${model}-v${version}`);
  const manifestAsset = resolved.release.assets.find((a) => a.name === "model.json");
  // Signed versions are verified before the deployment exists: a refusal leaves no trace but the error.
  const verified = options.signing
    ? await downloadVerifiedModel(client, {
        owner,
        repo,
        resolved,
        dir,
        policy: options.signing.policy,
        ...(options.signing.openBundle ? { openBundle: options.signing.openBundle } : {}),
        log,
      })
    : undefined;

  return withGitHubErrors(context, async () => {
    const jobDeploymentId = options.runSha
      ? await findJobDeployment(client, {
          owner,
          repo,
          environment,
          sha: options.runSha,
          runId: options.runId,
        })
      : undefined;
    if (jobDeploymentId !== undefined)
      log.warning(
        `GitHub created deployment ${jobDeploymentId} for this job (its environment: ${environment} has no ` +
          "`deployment: false`); this deploy records its own deployment with the model version, so " +
          `${environment} gets two. Add \`deployment: false\` to the job's environment (github.com and ` +
          "GHE.com; GitHub Enterprise Server does not support it) to keep one deployment per deploy.",
      );
    const duplicate = jobDeploymentId !== undefined ? { jobDeploymentId } : {};
    const history = await listModelDeployments(client, owner, repo, model, environment);
    const findOwn = async () => {
      const list = await listModelDeployments(client, owner, repo, model, environment);
      return list.find((d) => payloadOf(d).runId === options.runId && payloadOf(d).version === version)?.id;
    };
    const createDeployment = async (): Promise<number> => {
      const { data } = await client.request("POST /repos/{owner}/{repo}/deployments", {
        request: { retries: 0 },
        owner,
        repo,
        ref: tag,
        task: `deploy:${model}`,
        auto_merge: false,
        required_contexts: [],
        environment,
        production_environment: /^prod(uction)?$/i.test(environment),
        description: `${model} v${version}`,
        payload: { model, version, digest: manifestAsset?.digest ?? null, runId: options.runId },
      });
      return Number((data as { id: number }).id);
    };
    const own = history.find((d) => payloadOf(d).runId === options.runId && payloadOf(d).version === version);
    const deploymentId = own ? own.id : await createOnce({ create: createDeployment, find: findOwn });
    const setState = (
      state: "in_progress" | "success" | "failure" | "inactive",
      description: string,
      extra: Record<string, string> = {},
      id = deploymentId,
    ) =>
      client.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
        owner,
        repo,
        deployment_id: id,
        state,
        description: truncate(description, MAX_DESCRIPTION),
        ...extra,
      });
    const urls: Record<string, string> = {
      ...(options.logUrl ? { log_url: options.logUrl } : {}),
      ...(options.environmentUrl ? { environment_url: options.environmentUrl } : {}),
    };
    await setState("in_progress", `Deploying ${model} v${version}`, urls);

    let outcome: StepResult;
    let commandRan = false;
    let integrityFailure = false;
    try {
      let downloaded: DownloadedModel;
      try {
        downloaded =
          verified?.downloaded ??
          (await downloadModel(client, { owner, repo, model, selector, dir, log, resolved }));
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        integrityFailure = true;
        throw error;
      }
      commandRan = true;
      outcome = await options.run(dir, version, downloaded);
      if (outcome.ok && options.healthCheck) {
        const health = await options.healthCheck(dir, version);
        if (!health.ok) outcome = { ...health, message: health.message ?? "health check failed" };
      }
    } catch (error) {
      outcome = { ok: false, message: describeError(error) };
    }
    const finalUrls = { ...urls, ...(outcome.logUrl ? { log_url: outcome.logUrl } : {}) };
    if (outcome.ok) {
      await setState("success", `${model} v${version} deployed`, finalUrls);
      await setAliasRef(client, owner, repo, model, aliasName, tagSha, refs);
      // Production environments are not auto-inactivated by GitHub: retire the replaced deployment ourselves.
      // (A redeploy of the same version, e.g. a rollback, supersedes that version's older deployment too.)
      const replaced = history.find((d) => d.id !== deploymentId && payloadOf(d).version === previousVersion);
      if (replaced) await setState("inactive", `Replaced by v${version}`, {}, replaced.id);
      log.info(`${model} v${version} deployed to ${environment}.`);
      return {
        ok: true,
        model,
        version,
        environment,
        deploymentId,
        ...(verified?.verified ? { signature: verified.verified } : {}),
        ...duplicate,
        ...(previousVersion !== undefined ? { previousVersion } : {}),
      };
    }
    const message = outcome.message ?? "deploy command failed";
    await setState("failure", `${model} v${version}: ${message}`, finalUrls);
    log.warning(`${model} v${version} failed to deploy to ${environment}: ${message}`);
    const result: DeployResult = {
      ok: false,
      model,
      version,
      environment,
      deploymentId,
      ...duplicate,
      message,
      ...(previousVersion !== undefined ? { previousVersion } : {}),
      ...(integrityFailure ? { integrityFailure } : {}),
    };
    // Nothing was changed when the command never ran: the previous version is still in place.
    if (
      commandRan &&
      options.rollbackOnFailure &&
      previousVersion !== undefined &&
      previousVersion !== version
    ) {
      log.info(`Rolling ${environment} back to ${versionTagName(model, previousVersion)}.`);
      try {
        result.rollback = await deployModel(client, {
          ...options,
          selector: versionSelector(previousVersion),
          rollbackOnFailure: false,
          runId: `${options.runId}:rollback`,
          runSha: undefined,
        });
      } catch (error) {
        // The previous version refused before it was deployed (e.g. its signature): say so with this failure.
        if (!(error instanceof IntegrityError || error instanceof SignatureError)) throw error;
        result.rollback = {
          ok: false,
          model,
          version: previousVersion,
          environment,
          deploymentId: 0,
          message: describeError(error),
        };
      }
    }
    return result;
  });
}
