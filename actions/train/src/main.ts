import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { arch, platform, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import {
  type ActionDeps,
  type ActionRuntime,
  fingerprintFiles,
  resolveFiles,
  startAction,
} from "@mlops/action-kit";
import {
  attemptArtifactName,
  buildRunManifest,
  CommandFailed,
  ConfigError,
  findModel,
  formatNumber,
  InputError,
  loadConfig,
  loadMetricsFiles,
  metricSpecsOf,
  parseRunManifest,
  parseSweepCell,
  renderTable,
  requireModelName,
  sweepArtifactName,
  sweepCellEnv,
  trainArtifactBase,
  validateModelName,
} from "@mlops/core";
import { inputSchema } from "./inputs.js";
import { loadParams, metricsTable } from "./load.js";

/** train never calls the GitHub API (it only uploads an artifact), so it has no GitHub client. */
export type TrainDeps = ActionDeps<never>;

function noGitHubClient(): never {
  throw new Error("train does not call the GitHub API");
}

/** An input list when given, else the config's list, else nothing. */
function declared(input: string[], fromConfig: string[] | undefined): string[] {
  return input.length > 0 ? input : (fromConfig ?? []);
}

/**
 * Expands each group of declared paths/globs; every declared file the training did not produce is
 * named in ONE error (per group: `metric files: no files at "a.json", "b/*.json"`).
 */
async function resolveDeclared(
  cwd: string,
  groups: Array<[patterns: string[], what: string]>,
): Promise<string[][]> {
  const resolved: string[][] = [];
  const problems: string[] = [];
  for (const [patterns, what] of groups) {
    try {
      resolved.push(await resolveFiles(patterns, cwd, what));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error.message.replace(/ \(relative to .*\)$/, ""));
      resolved.push([]);
    }
  }
  if (problems.length > 0)
    throw new InputError(
      `Declared files are missing after training: ${problems.join("; ")} (relative to ${cwd})`,
    );
  return resolved;
}

/**
 * Runs the training command (live, grouped log), then collects metrics, params, model files and data
 * fingerprints into `run.json` and uploads them as `mlops-<model>` (`…-attempt-<n>` on re-runs).
 */
export async function main(runtime: ActionRuntime, given: Partial<TrainDeps> = {}): Promise<void> {
  const { deps, inputs, context } = startAction(runtime, inputSchema, given, noGitHubClient);
  const cwd = resolve(deps.cwd, inputs["working-directory"]);
  const configPath = resolve(cwd, inputs.config);
  const config = existsSync(configPath) ? loadConfig(configPath) : undefined;
  const modelConfig = config ? findModel(config, inputs["model-name"], inputs.config) : undefined;
  const model = validateModelName(requireModelName(inputs["model-name"], modelConfig, inputs.config));
  const trainBase = trainArtifactBase(model, inputs["artifact-name"]);
  // Before training (which may take hours): the upload at the end would not work here (GHES).
  if (inputs["upload-artifact"] && deps.artifacts.unavailable)
    throw new ConfigError(`train cannot upload ${trainBase}: ${deps.artifacts.unavailable}`);

  // A sweep cell: its values reach the command as environment variables, and name its artifact.
  const cell = inputs["sweep-cell"] !== undefined ? parseSweepCell(inputs["sweep-cell"]) : undefined;
  const artifactBase = cell ? sweepArtifactName(trainBase, cell) : trainBase;
  const env = cell ? { ...deps.env, ...sweepCellEnv(cell) } : deps.env;
  if (cell) runtime.log.info(`Sweep cell ${cell.id}: ${cell.label}`);
  runtime.setOutput("sweep-cell", cell?.id ?? "");

  const command = await runtime.log.group(
    `Training ${model}${cell ? ` (${cell.label})` : ""}: ${inputs.command}`,
    () => deps.runCommand(inputs.command, { cwd, env, log: runtime.log }),
  );
  runtime.setOutput("duration-ms", command.durationMs);
  if (command.exitCode !== 0) {
    runtime.log.info(`Training stopped after ${(command.durationMs / 1000).toFixed(1)} s.`);
    throw new CommandFailed(
      `Training failed with exit code ${command.exitCode}: ${inputs.command}`,
      command.exitCode,
    );
  }
  runtime.log.info(`Training finished in ${(command.durationMs / 1000).toFixed(1)} s.`);

  const metricPatterns = declared(inputs.metrics, modelConfig?.metrics);
  if (metricPatterns.length === 0)
    throw new InputError(
      `No metric files declared for ${model}: set the 'metrics' input or models[].metrics in ${inputs.config}`,
    );
  const [metricFiles = [], paramFiles = [], artifactFiles = [], dataFiles = [], plotFiles = []] =
    await resolveDeclared(cwd, [
      [metricPatterns, "metric files"],
      [declared(inputs.params, modelConfig?.params), "parameter files"],
      [declared(inputs.artifacts, modelConfig?.artifacts), "model files"],
      [declared(inputs.data, modelConfig?.data), "data files"],
      // Plots (images, Vega-Lite specs, data files) go up with the run, for the gate's PR comment.
      [(modelConfig?.plots ?? []).map((p) => (typeof p === "string" ? p : p.path)), "plot files"],
    ]);
  const perExample =
    modelConfig?.per_example && existsSync(resolve(cwd, modelConfig.per_example))
      ? [modelConfig.per_example]
      : [];

  const loaded = loadMetricsFiles(metricFiles.map((file) => resolve(cwd, file)));
  for (const leaf of loaded.nonNumeric)
    runtime.log.warning(`Metric ${leaf.path} is not a number (${JSON.stringify(leaf.value)}); left out.`);
  const params = loadParams(paramFiles.map((file) => resolve(cwd, file)));
  const files = await fingerprintFiles(artifactFiles, cwd);
  const data = await fingerprintFiles(dataFiles, cwd);

  const manifestPath = join(cwd, "run.json");
  await writeFile(
    manifestPath,
    buildRunManifest({
      model,
      commit: context.sha,
      ref: context.ref,
      repository: context.repository,
      run: {
        id: context.runId,
        attempt: context.runAttempt,
        url: context.runUrl,
        workflow: context.workflowRef || context.workflow,
      },
      command: { exit_code: command.exitCode, duration_ms: command.durationMs },
      params,
      metrics: loaded.metrics,
      files,
      data,
      runner: {
        os: deps.env.RUNNER_OS ?? platform(),
        arch: deps.env.RUNNER_ARCH ?? arch(),
        node: process.version,
        name: deps.env.RUNNER_NAME ?? "",
      },
      ...(cell ? { sweep: { cell: cell.id, values: cell.values } } : {}),
      created_at: new Date().toISOString(),
    }),
  );
  runtime.setOutput("metrics", loaded.metrics);
  runtime.setOutput("manifest", manifestPath);

  let artifactName = "";
  let artifactId = "";
  if (inputs["upload-artifact"]) {
    artifactName = attemptArtifactName(artifactBase, context.runAttempt);
    const upload = [
      "run.json",
      ...new Set([...metricFiles, ...paramFiles, ...perExample, ...artifactFiles, ...plotFiles]),
    ].map((file) => resolve(cwd, file));
    const uploaded = await deps.artifacts.upload(artifactName, upload, cwd);
    artifactId = String(uploaded.id);
    runtime.log.info(
      `Uploaded ${upload.length} files (${uploaded.size.toLocaleString("en-US")} bytes) as artifact ${artifactName}.`,
    );
  }
  runtime.setOutput("artifact-name", artifactName);
  runtime.setOutput("artifact-id", artifactId);

  // A re-run trains the same commit again: different metrics mean the training is not seeded.
  const unstable =
    context.runAttempt > 1
      ? await changedSincePreviousAttempt(
          deps.artifacts,
          artifactBase,
          context.runAttempt,
          loaded.metrics,
          runtime,
        )
      : undefined;
  if (unstable) runtime.log.warning(unstable);

  await runtime.appendSummary(
    [
      `### 🧪 Training ${model}${cell ? ` — sweep cell ${cell.label}` : ""}`,
      `Command \`${inputs.command}\` finished in ${(command.durationMs / 1000).toFixed(1)} s.`,
      metricsTable(loaded.metrics, config && modelConfig ? metricSpecsOf(config, modelConfig) : {}),
      // said here too, not only in a warning annotation: a metric the training wrote as NaN is missing above
      loaded.nonNumeric.length > 0
        ? `Left out, not numbers: ${loaded.nonNumeric
            .slice(0, 20)
            .map((leaf) => `\`${relative(cwd, leaf.path)}\` (${JSON.stringify(leaf.value)})`)
            .join(", ")}${loaded.nonNumeric.length > 20 ? `, … ${loaded.nonNumeric.length - 20} more` : ""}.`
        : "",
      files.length > 0
        ? renderTable(
            ["Model file", "Size (bytes)", "sha256"],
            files.map((f) => [f.path, f.size.toLocaleString("en-US"), `\`${f.sha256.slice(0, 12)}…\``]),
          )
        : "",
      artifactName ? `Artifact: \`${artifactName}\`` : "",
      unstable ? `> [!WARNING]\n> ${unstable}` : "",
    ]
      .filter((part) => part !== "")
      .join("\n\n"),
  );
}

/**
 * Compares the metrics with the previous attempt's `run.json` (same run, same commit): the sentence to
 * warn with when they differ, naming the metrics, what it means and what to do; undefined when they are
 * equal or the previous attempt's artifact cannot be read.
 */
async function changedSincePreviousAttempt(
  artifacts: TrainDeps["artifacts"],
  base: string,
  attempt: number,
  metrics: Record<string, number>,
  runtime: ActionRuntime,
): Promise<string | undefined> {
  const name = attemptArtifactName(base, attempt - 1);
  let previous: Record<string, number>;
  try {
    const dir = await mkdtemp(join(tmpdir(), "mlops-train-previous-"));
    const { path } = await artifacts.download(name, dir);
    previous = parseRunManifest(
      await readFile(join(path, "run.json"), "utf8"),
      join(path, "run.json"),
    ).metrics;
  } catch (error) {
    runtime.log.debug(`No earlier attempt to compare with (${name}): ${(error as Error).message}`);
    return undefined;
  }
  const changed = Object.keys(metrics)
    .filter((key) => previous[key] !== undefined && previous[key] !== metrics[key])
    .sort();
  if (changed.length === 0) return undefined;
  const shown = changed
    .slice(0, 5)
    .map((key) => `${key} ${formatNumber(previous[key] as number)} → ${formatNumber(metrics[key] as number)}`)
    .join(", ");
  return `Training is not deterministic: this re-run of the same commit gives different metrics than attempt ${attempt - 1} (${shown}${changed.length > 5 ? `, and ${changed.length - 5} more` : ""}). Differences of this size are noise, not a better or worse model: seed the training (e.g. random_state=0), or write per-example results (per_example in mlops.yml) and gate with a \`significant\` rule (e.g. \`${changed[0]} >= baseline - 0.01 significant\` when higher is better).`;
}
