import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type ActionDeps,
  type ActionRuntime,
  requireRepository,
  resolveFiles,
  startAction,
} from "@mlops/action-kit";
import {
  attemptArtifactName,
  findModelIfConfigured,
  GateFailed,
  InputError,
  type ModelConfig,
  monitorReportArtifactBase,
  requireModelName,
} from "@mlops/core";
import {
  dispatchEvent,
  downloadAsset,
  type GitHubClient,
  githubClientFactory,
  resolveModel,
  upsertMonitoringIssue,
} from "@mlops/github";
import {
  composeIssue,
  driftedColumnsLine,
  driftHeadline,
  type MonitoringReport,
  type MonitorOptions,
  monitor,
  monitorOptionsFromConfig,
  type Profile,
  parseProfile,
  REFERENCE_PROFILE_ASSET,
  renderMarkdown,
} from "@mlops/monitor";
import { inputSchema, type MonitorInputs } from "./inputs.js";

export type MonitorDeps = ActionDeps<GitHubClient>;

export { REFERENCE_PROFILE_ASSET };
export const DRIFT_EVENT = "mlops.drift.detected";

/** The reference profile of the version behind `@production`, downloaded (streamed, verified) from its release. */
async function registryProfile(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
): Promise<Profile> {
  const resolved = await resolveModel(client, { owner, repo, model, selector: "@production" });
  const asset = resolved.release.assets.find((a) => a.name === REFERENCE_PROFILE_ASSET);
  if (!asset)
    throw new InputError(
      `${resolved.tag} (@production) has no ${REFERENCE_PROFILE_ASSET}; register it with the reference-data (or reference-profile) input of register, or name the reference data in monitoring.reference.`,
    );
  const dir = await mkdtemp(join(tmpdir(), "mlops-monitor-"));
  try {
    const target = join(dir, REFERENCE_PROFILE_ASSET);
    await downloadAsset(client, owner, repo, asset, target);
    return parseProfile(await readFile(target, "utf8"), `${resolved.tag}/${REFERENCE_PROFILE_ASSET}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** mlops.yml's monitoring section, overridden by the inputs given. */
function optionsOf(inputs: MonitorInputs, modelConfig: ModelConfig | undefined): MonitorOptions {
  const options = monitorOptionsFromConfig(modelConfig?.monitoring);
  if (inputs.stattest) options.test = inputs.stattest;
  if (inputs["drift-share"] !== undefined) options.driftShare = inputs["drift-share"];
  // the bundled dist/index.js doubles as the worker entry (index.ts); from sources, profiling stays in-thread
  return { ...options, workers: true, workerEntry: new URL(import.meta.url) };
}

/**
 * Monitors a model's production data: profiles the current files (streaming), compares them with the
 * reference (data, profile JSON, or the `@production` version's `reference-profile.json`), and publishes
 * the job summary, the report artifact, the monitoring issue and the optional dispatch — all before a
 * `fail-on-drift` failure.
 */
export async function main(runtime: ActionRuntime, given: Partial<MonitorDeps> = {}): Promise<void> {
  const { deps, inputs, context } = startAction(
    runtime,
    inputSchema,
    given,
    githubClientFactory(runtime.log),
  );
  const modelConfig = findModelIfConfigured(deps.cwd, inputs.config, inputs["model-name"]);
  const model = requireModelName(inputs["model-name"], modelConfig, inputs.config);
  const referenceSpec = inputs.reference ?? modelConfig?.monitoring?.reference;
  if (!referenceSpec)
    throw new InputError("'reference' is required (a data file, a profile JSON or registry)");
  const currentPatterns = inputs.current.length ? inputs.current : (modelConfig?.monitoring?.current ?? []);
  if (!currentPatterns.length) throw new InputError("'current' is required (files or globs, one per line)");
  const currentFiles = (await resolveFiles(currentPatterns, deps.cwd, "current data")).map((f) =>
    resolve(deps.cwd, f),
  );
  const client = deps.createClient({ token: inputs["github-token"], apiUrl: context.apiUrl });

  let reference: readonly string[] | Profile;
  if (referenceSpec === "registry") {
    requireRepository(context);
    reference = await registryProfile(client, context.owner, context.repo, model);
  } else if (referenceSpec.toLowerCase().endsWith(".json")) {
    const path = resolve(deps.cwd, referenceSpec);
    if (!existsSync(path)) throw new InputError(`reference: no profile at ${referenceSpec}`);
    reference = parseProfile(await readFile(path, "utf8"), referenceSpec);
  } else {
    reference = (await resolveFiles([referenceSpec], deps.cwd, "reference data")).map((f) =>
      resolve(deps.cwd, f),
    );
  }

  const options = optionsOf(inputs, modelConfig);
  const started = Date.now();
  const {
    report,
    reference: refProfile,
    current,
  } = await runtime.log.group(`Profiling ${currentFiles.length} current file(s)`, () =>
    monitor(reference, currentFiles, options),
  );
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.name);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  // drifted columns are a warning annotation on the run even below the dataset drift threshold
  if (drifted.length)
    runtime.log.warning(
      `${model}: ${driftHeadline(report)}: ${driftedColumnsLine(report).replace(/`/g, "")}`,
    );
  else runtime.log.info(`${model}: ${driftHeadline(report)} (${seconds} s)`);
  for (const finding of report.findings) runtime.log.warning(finding.message);

  // 1. the report: file, outputs, summary, artifact — always before anything can fail the step
  const outDir = join(deps.cwd, ".mlops", "monitor", model);
  await mkdir(outDir, { recursive: true });
  const reportPath = join(outDir, "report.json");
  await writeFile(reportPath, `${JSON.stringify({ model, ...report }, null, 2)}\n`);
  const profilePath = join(outDir, "current-profile.json");
  await writeFile(profilePath, JSON.stringify(current));
  runtime.setOutput("drift-detected", report.dataset_drift);
  runtime.setOutput("drifted-columns", drifted);
  runtime.setOutput("drift-share", report.drift_share);
  runtime.setOutput("report-path", reportPath);
  const markdown = renderMarkdown(report, { profiles: { reference: refProfile, current }, title: model });
  await runtime.appendSummary(`# Monitoring: ${model}\n\n${markdown}`);
  const artifactName = attemptArtifactName(
    monitorReportArtifactBase(model, inputs["artifact-name"]),
    context.runAttempt,
  );
  // On GHES there is no artifact service: the report stays in the job summary and at `report-path`.
  if (deps.artifacts.unavailable)
    runtime.log.warning(`The report artifact ${artifactName} is not uploaded: ${deps.artifacts.unavailable}`);
  else await deps.artifacts.upload(artifactName, [reportPath, profilePath], outDir);
  runtime.log.info(`Report uploaded as artifact ${artifactName}`);

  // 2. the monitoring issue and the dispatch
  let issueUrl = "";
  if (inputs.issue) {
    requireRepository(context);
    const issue = await upsertMonitoringIssue(client, {
      owner: context.owner,
      repo: context.repo,
      model,
      title: `Monitoring: ${model}`,
      body: "",
      runId: `${context.runId}-${context.runAttempt}`,
      compose: (previous) =>
        composeIssue(model, report, previous, {
          ...(context.runId ? { runUrl: context.runUrl } : {}),
          profiles: { reference: refProfile, current },
        }),
    });
    issueUrl = issue.url;
    runtime.log.info(`Monitoring issue ${issue.action}: ${issue.url}`);
  }
  runtime.setOutput("issue-url", issueUrl);
  if (report.dataset_drift && inputs["dispatch-on-drift"]) {
    requireRepository(context);
    await dispatchEvent(client, {
      owner: context.owner,
      log: runtime.log,
      repo: context.repo,
      eventType: DRIFT_EVENT,
      clientPayload: dispatchPayload(model, report, context.runUrl, issueUrl, artifactName),
    });
    runtime.log.info(`Sent repository_dispatch ${DRIFT_EVENT}`);
  }

  // 3. only now may drift fail the step
  if (report.dataset_drift && inputs["fail-on-drift"])
    throw new GateFailed(
      `Dataset drift: ${drifted.length} of ${report.columns.length} columns drifted (${drifted.slice(0, 10).join(", ")}${drifted.length > 10 ? ", …" : ""}); report published.`,
    );
}

function dispatchPayload(
  model: string,
  report: MonitoringReport,
  runUrl: string,
  issueUrl: string,
  artifact: string,
): Record<string, unknown> {
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.name);
  return {
    model,
    drift_share: report.drift_share,
    drifted_columns: drifted.slice(0, 100),
    run_url: runUrl,
    issue_url: issueUrl,
    artifact,
  };
}
