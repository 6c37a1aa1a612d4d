import {
  type ActionDeps,
  type ActionRuntime,
  idTokenRequester,
  requireRepository,
  startAction,
} from "@mlops/action-kit";
import {
  chooseSigning,
  findModelIfConfigured,
  findSigningConfig,
  keyVersionSigner,
  requireModelName,
  sigstoreEnvNotice,
  type VersionSigner,
} from "@mlops/core";
import {
  dispatchModelRegistered,
  type GitHubClient,
  githubClientFactory,
  keylessVersionSigner,
  registerModel,
} from "@mlops/github";
import { inputSchema } from "./inputs.js";
import { gatherSources } from "./sources.js";

export type RegisterDeps = ActionDeps<GitHubClient>;

/**
 * Registers a model version: files from the inputs, the run manifest or this run's `train` artifact;
 * version `auto` (highest major + 1) or explicit (`7`, `1.4.0`, `2.0.0-rc.1`); idempotent per run (`<repo>/<run_id>/<model>`: a re-run returns the same
 * version). Outputs version/tag/release-id/release-url, writes the model card (the release body) to the
 * job summary and sends `mlops.model.registered`.
 */
export async function main(runtime: ActionRuntime, given: Partial<RegisterDeps> = {}): Promise<void> {
  const { deps, inputs, context } = startAction(
    runtime,
    inputSchema,
    given,
    githubClientFactory(runtime.log),
  );
  requireRepository(context);
  const modelConfig = findModelIfConfigured(deps.cwd, inputs.config, inputs["model-name"]);
  const model = requireModelName(inputs["model-name"], modelConfig, inputs.config);
  if (inputs["signing-key"]) runtime.mask(inputs["signing-key"]);
  // Decided before anything is read or written: a required signature that cannot be made stops here.
  const signingConfig = findSigningConfig(deps.cwd, inputs.config, deps.env);
  const fromEnv = sigstoreEnvNotice(signingConfig.sigstoreEnv, inputs.config);
  if (fromEnv) runtime.log.info(fromEnv);
  const requestIdToken = idTokenRequester(deps.env);
  const signing = chooseSigning({
    mode: inputs.signing,
    ...(inputs["signing-key"] ? { signingKey: inputs["signing-key"] } : {}),
    idTokenAvailable: requestIdToken !== undefined,
    ...(signingConfig.config ? { config: signingConfig.config } : {}),
    configName: inputs.config,
  });
  if (signing.kind === "none") runtime.log.info(`The version will not be signed: ${signing.why}.`);
  if (signing.kind === "keyless" && inputs["signing-key"])
    runtime.log.warning("signing: keyless, so the signing-key input is not used.");

  const sources = await gatherSources({
    inputs,
    model,
    modelConfig,
    cwd: deps.cwd,
    context,
    artifacts: deps.artifacts,
    runtime,
  });
  const run = sources.run;
  const client = deps.createClient({ token: inputs["github-token"], apiUrl: context.apiUrl });
  let signer: VersionSigner | undefined;
  if (signing.kind === "key") signer = keyVersionSigner(signing.signer);
  else if (signing.kind === "keyless" && requestIdToken)
    signer = await keylessVersionSigner(client, {
      owner: context.owner,
      repo: context.repo,
      ...(signingConfig.config?.sigstore ? { sigstore: signingConfig.config.sigstore } : {}),
      idToken: async (audience) => {
        const token = await requestIdToken(audience);
        runtime.mask(token);
        return token;
      },
      log: runtime.log,
    });
  const registered = await registerModel(client, {
    owner: context.owner,
    repo: context.repo,
    model,
    commitSha: run?.commit ?? context.sha,
    files: sources.files,
    extraAssets: sources.extraAssets,
    metrics: sources.metrics,
    params: run?.params ?? {},
    lineage: {
      repository: context.repository,
      commit: run?.commit ?? context.sha,
      workflow_ref: context.workflowRef,
      run: run
        ? { id: run.run.id, attempt: run.run.attempt, url: run.run.url }
        : { id: context.runId, attempt: context.runAttempt, url: context.runUrl },
      data: run?.data ?? [],
    },
    actor: context.actor,
    serverUrl: context.serverUrl,
    aliases: inputs.aliases,
    prerelease: inputs.prerelease,
    ...(inputs.description !== undefined ? { description: inputs.description } : {}),
    ...(inputs.tags.length > 0 ? { tags: inputs.tags } : {}),
    ...(inputs.version !== "auto" ? { version: inputs.version } : {}),
    idempotencyKey: `${context.repository}/${context.runId}/${model}`,
    ...(inputs["gate-result"] ? { gate: inputs["gate-result"] } : {}),
    ...(signer ? { signer } : {}),
    invocation: { id: context.runId, attempt: context.runAttempt, url: context.runUrl },
    eventName: context.eventName,
    log: runtime.log,
  });

  runtime.setOutput("version", registered.version);
  runtime.setOutput("tag", registered.tag);
  runtime.setOutput("release-id", registered.releaseId);
  runtime.setOutput("release-url", registered.releaseUrl);
  runtime.setOutput("signed-by", registered.signedBy ?? "");
  runtime.setOutput("attestation-id", registered.attestation?.id ?? "");
  await runtime.appendSummary(`${registered.card}\n\nRelease: ${registered.releaseUrl}\n`);
  const verb = { created: "Registered", resumed: "Finished registering", existing: "Already registered" };
  runtime.log.info(`${verb[registered.outcome]} ${registered.tag}: ${registered.releaseUrl}`);

  if (inputs.dispatch && registered.outcome !== "existing") {
    await dispatchModelRegistered(client, {
      owner: context.owner,
      repo: context.repo,
      model,
      registered,
      aliases: inputs.aliases,
      commit: run?.commit ?? context.sha,
      runId: context.runId,
      log: runtime.log,
    });
  }
}
