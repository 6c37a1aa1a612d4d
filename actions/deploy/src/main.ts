import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ActionDeps, type ActionRuntime, requireRepository, startAction } from "@mlops/action-kit";
import {
  CommandFailed,
  findModelIfConfigured,
  findSigningConfig,
  type ModelVersion,
  protectionRequired,
  requireModelName,
  resolveVerification,
  sigstoreEnvNotice,
} from "@mlops/core";
import {
  type DeployResult,
  deployModel,
  dispatchEvent,
  type GitHubClient,
  githubClientFactory,
  hashFile,
  repositoryVisibility,
  type StepResult,
  sigstoreBundleOpener,
  sigstoreCacheDir,
} from "@mlops/github";
import { type DeployInputs, inputSchema } from "./inputs.js";
import { deploySelector } from "./selector.js";

export interface DeployDeps extends ActionDeps<GitHubClient> {
  /** Waits between health-check attempts (tests pass a no-op). */
  sleep: (ms: number) => Promise<void>;
}

/** Back-off before health-check attempt `n + 1`: 2, 4, 8, 16, 30, 30 … seconds. */
export function healthCheckDelayMs(attempt: number): number {
  return Math.min(2000 * 2 ** (attempt - 1), 30_000);
}

function modelName(inputs: DeployInputs, cwd: string): string {
  if (inputs["model-name"]) return inputs["model-name"];
  return requireModelName(undefined, findModelIfConfigured(cwd, inputs.config, undefined), inputs.config);
}

/**
 * Deploys a registered version through GitHub Deployments (packages/github `deployModel`): deployment
 * → in_progress → download and verify → the deploy command (MODEL_DIR, MODEL_NAME, MODEL_VERSION,
 * MODEL_SHA256) → health check with back-off → success and `@<environment>` moved, or failure (and,
 * with rollback-on-failure, the last good version redeployed) → `mlops.model.deployed`.
 */
export async function main(runtime: ActionRuntime, given: Partial<DeployDeps> = {}): Promise<void> {
  const sleep = given.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const { deps, inputs, context } = startAction(
    runtime,
    inputSchema,
    given,
    githubClientFactory(runtime.log),
  );
  const selector = deploySelector(inputs);
  requireRepository(context);
  const model = modelName(inputs, deps.cwd);
  const environment = inputs.environment;
  const signingConfig = findSigningConfig(deps.cwd, inputs.config, deps.env);
  const fromEnv = sigstoreEnvNotice(signingConfig.sigstoreEnv, inputs.config);
  if (fromEnv) runtime.log.info(fromEnv);
  const verification = resolveVerification({
    ...signingConfig,
    cwd: deps.cwd,
    ...(inputs["public-key"] ? { publicKey: inputs["public-key"] } : {}),
    ...(inputs["trusted-root"] ? { trustedRoot: inputs["trusted-root"] } : {}),
    ...(inputs["oidc-issuer"] ? { oidcIssuer: inputs["oidc-issuer"] } : {}),
    allowedRefs: inputs["allowed-signer-refs"],
    ...(inputs["require-signature"] ? { required: inputs["require-signature"] === "true" } : {}),
    repository: context.repository,
    serverUrl: context.serverUrl,
  });
  if (!verification.policy)
    runtime.log.info(
      "Signatures are not checked: no registry.signing in the config and no public-key, trusted-root or require-signature input.",
    );
  const client = deps.createClient({ token: inputs["github-token"], apiUrl: context.apiUrl });
  // Keyless bundles are checked against the trusted root, loaded only when a keyless bundle is verified.
  const openBundle = verification.sigstore
    ? sigstoreBundleOpener({
        trust: verification.sigstore,
        cacheDir: sigstoreCacheDir(deps.env),
        repositoryPrivate: repositoryVisibility(client, context.owner, context.repo),
      })
    : undefined;
  const workDir = await mkdtemp(join(deps.env.RUNNER_TEMP ?? tmpdir(), "mlops-deploy-"));

  const commandEnv = async (dir: string, version: ModelVersion): Promise<NodeJS.ProcessEnv> => ({
    ...deps.env,
    MODEL_DIR: dir,
    MODEL_NAME: model,
    MODEL_VERSION: version,
    // sha256 of model.json, which pins the size and sha256 of every model file.
    MODEL_SHA256: (await hashFile(join(dir, "model.json"))).sha256,
    DEPLOY_ENVIRONMENT: environment,
  });
  const run = async (dir: string, version: ModelVersion): Promise<StepResult> => {
    if (!inputs.command) {
      runtime.log.info(`${model} v${version}: verified; no deploy command given.`);
      return { ok: true };
    }
    const env = await commandEnv(dir, version);
    const result = await runtime.log.group(`Deploy ${model} v${version} to ${environment}`, () =>
      deps.runCommand(inputs.command ?? "", { cwd: deps.cwd, env, log: runtime.log }),
    );
    return result.exitCode === 0
      ? { ok: true }
      : { ok: false, message: `deploy command failed with exit code ${result.exitCode}` };
  };
  const healthCheck = inputs["health-check"]
    ? async (dir: string, version: ModelVersion): Promise<StepResult> => {
        const env = await commandEnv(dir, version);
        const attempts = inputs["health-check-retries"];
        for (let attempt = 1; attempt <= attempts; attempt++) {
          const result = await runtime.log.group(`Health check ${attempt}/${attempts}`, () =>
            deps.runCommand(inputs["health-check"] ?? "", { cwd: deps.cwd, env, log: runtime.log }),
          );
          if (result.exitCode === 0) return { ok: true };
          if (attempt < attempts) await sleep(healthCheckDelayMs(attempt));
        }
        return { ok: false, message: `health check failed ${attempts} times` };
      }
    : undefined;

  const result = await deployModel(client, {
    requireProtection: protectionRequired(deps.cwd, inputs.config, model, environment),
    owner: context.owner,
    repo: context.repo,
    model,
    selector,
    environment,
    workDir,
    // Per run, not per attempt: a re-run finds and reuses its own deployment instead of making another.
    runId: String(context.runId),
    run,
    ...(healthCheck ? { healthCheck } : {}),
    rollbackOnFailure: inputs["rollback-on-failure"],
    ...(inputs["environment-url"] ? { environmentUrl: inputs["environment-url"] } : {}),
    logUrl: context.runUrl,
    // Finds a deployment GitHub made for this job (no `deployment: false`) and reports the duplicate.
    runSha: deps.env.GITHUB_SHA ?? context.sha,
    ...(verification.policy
      ? { signing: { policy: verification.policy, ...(openBundle ? { openBundle } : {}) } }
      : {}),
    log: runtime.log,
  });

  runtime.setOutput("deployment-id", result.deploymentId);
  runtime.setOutput("version", result.version);
  runtime.setOutput("environment-url", inputs["environment-url"] ?? "");
  runtime.setOutput("rolled-back", String(result.rollback?.ok === true));
  await runtime.appendSummary(summaryOf(result, inputs["environment-url"]));

  const deployed = result.ok ? result : result.rollback?.ok ? result.rollback : undefined;
  if (deployed) {
    await dispatchEvent(client, {
      owner: context.owner,
      log: runtime.log,
      repo: context.repo,
      eventType: "mlops.model.deployed",
      clientPayload: {
        model,
        version: deployed.version,
        environment,
        deployment_id: deployed.deploymentId,
        rolled_back: !result.ok,
        ...(result.previousVersion !== undefined ? { previous_version: result.previousVersion } : {}),
        run_id: context.runId,
      },
    });
  }
  if (!result.ok) {
    const rollback = result.rollback
      ? result.rollback.ok
        ? `; rolled back to v${result.rollback.version}`
        : `; rolling back to v${result.rollback.version} failed too: ${result.rollback.message ?? ""}`
      : result.previousVersion !== undefined
        ? `; ${environment} still runs v${result.previousVersion}`
        : "";
    throw new CommandFailed(
      `${model} v${result.version} was not deployed to ${environment}: ${result.message ?? "failed"}${rollback}`,
      1,
    );
  }
}

function summaryOf(result: DeployResult, url: string | undefined): string {
  const lines = [`## Deploy ${result.model} v${result.version} → ${result.environment}`, ""];
  if (result.ok) lines.push(`✅ Deployed (deployment ${result.deploymentId}).`);
  if (result.ok && result.signature)
    lines.push(
      "",
      `Signature verified: signed by ${result.signature.signer} at ${result.signature.ref}, commit ${result.signature.commit.slice(0, 12)}${result.signature.witness ? `; ${result.signature.witness}` : ""}.`,
    );
  else lines.push(`❌ Failed: ${result.message ?? "unknown error"} (deployment ${result.deploymentId}).`);
  if (result.previousVersion !== undefined)
    lines.push("", `Previously deployed: v${result.previousVersion}.`);
  if (result.rollback)
    lines.push(
      "",
      result.rollback.ok
        ? `↩️ Rolled back to v${result.rollback.version} (deployment ${result.rollback.deploymentId}).`
        : `Rollback to v${result.rollback.version} failed: ${result.rollback.message ?? ""}`,
    );
  if (url) lines.push("", `Environment: ${url}`);
  if (result.jobDeploymentId !== undefined)
    lines.push(
      "",
      `⚠️ GitHub also created deployment ${result.jobDeploymentId} for this job: add \`deployment: false\` ` +
        "to the job's `environment:` for one deployment per deploy (not available on GitHub Enterprise Server).",
    );
  return `${lines.join("\n")}\n`;
}
