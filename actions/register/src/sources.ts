import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  type ActionRuntime,
  type ArtifactStore,
  downloadTrainArtifact,
  type RunContext,
  resolveFiles,
} from "@mlops/action-kit";
import {
  ConfigError,
  InputError,
  loadMetricsFiles,
  type MetricValues,
  type ModelConfig,
  parseRunManifest,
  type RunManifest,
  trainArtifactBase,
} from "@mlops/core";
import type { RegisterInputs } from "./inputs.js";
import { referenceProfileAsset } from "./reference.js";

/** Everything `registerModel` needs from the workspace or the `train` artifact. */
export interface RegisterSources {
  /** Directory the paths are relative to (the working directory or the downloaded artifact). */
  baseDir: string;
  files: Array<{ path: string; name: string }>;
  metrics: MetricValues;
  run?: RunManifest;
  extraAssets: Array<{ path: string; name: string }>;
}

async function readRun(path: string): Promise<RunManifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new InputError(`manifest: no file at ${path}`);
  }
  return parseRunManifest(text, path);
}

function named(paths: string[], baseDir: string): Array<{ path: string; name: string }> {
  return paths.map((path) => ({ path: resolve(baseDir, path), name: basename(path) }));
}

/**
 * Finds the model files, metrics and run manifest. Order: the `files` input (relative to the working
 * directory); else the `manifest` input's files (relative to the manifest's directory); else the `train` artifact of this run (newest attempt,
 * its `run.json`); else the config's `artifacts` globs in the working directory.
 */
export async function gatherSources(options: {
  inputs: RegisterInputs;
  model: string;
  modelConfig: ModelConfig | undefined;
  cwd: string;
  context: RunContext;
  artifacts: ArtifactStore;
  runtime: ActionRuntime;
}): Promise<RegisterSources> {
  const { inputs, model, modelConfig, cwd, context, runtime } = options;
  let baseDir = cwd;
  let run: RunManifest | undefined;
  let paths: string[] | undefined;
  if (inputs.files.length > 0) {
    paths = await resolveFiles(inputs.files, cwd, "files");
    if (inputs.manifest) run = await readRun(resolve(cwd, inputs.manifest));
  } else if (inputs.manifest) {
    // run.json lists its files relative to the directory it sits in (the train artifact's root).
    const manifestPath = resolve(cwd, inputs.manifest);
    run = await readRun(manifestPath);
    baseDir = dirname(manifestPath);
    paths = run.files.map((f) => f.path);
  } else {
    // Without the artifact service (GHES) there is no train artifact to read: the config's globs remain.
    const found = options.artifacts.unavailable
      ? undefined
      : await downloadTrainArtifact(
          options.artifacts,
          trainArtifactBase(model, inputs["artifact-name"]),
          context.runAttempt,
        );
    const downloaded = found?.path;
    if (found) runtime.log.info(`Using the train artifact ${found.name}.`);
    if (downloaded) {
      baseDir = downloaded;
      const runPath = join(downloaded, "run.json");
      if (existsSync(runPath)) {
        run = await readRun(runPath);
        paths = run.files.map((f) => f.path);
      }
    }
    if (!paths && modelConfig?.artifacts?.length)
      paths = await resolveFiles(modelConfig.artifacts, baseDir, "artifacts");
  }
  if ((!paths || paths.length === 0) && options.artifacts.unavailable)
    throw new ConfigError(
      `register: no model files for ${model}: give 'files' or a 'manifest' (run.json) — the train artifact cannot be read here. ${options.artifacts.unavailable}`,
    );
  if (!paths || paths.length === 0)
    throw new InputError(
      `register: no model files for ${model}: give 'files', a 'manifest' (run.json), run 'train' earlier in this run, or list 'artifacts' in the config`,
    );
  const files = named(paths, baseDir);
  for (const file of files)
    if (!existsSync(file.path)) throw new InputError(`register: model file ${file.path} does not exist`);

  let metrics: MetricValues = run?.metrics ?? {};
  if (inputs.metrics) metrics = loadMetricsFiles([resolve(cwd, inputs.metrics)]).metrics;
  else if (!run && modelConfig?.metrics?.length) {
    const found = await resolveFiles(modelConfig.metrics, baseDir, "metrics").catch(() => []);
    if (found.length > 0) metrics = loadMetricsFiles(found.map((f) => resolve(baseDir, f))).metrics;
  }

  const extraAssets: Array<{ path: string; name: string }> = [];
  const reference = await referenceProfileAsset({
    profile: inputs["reference-profile"],
    data: inputs["reference-data"],
    modelConfig,
    cwd,
    configPath: resolve(cwd, inputs.config),
    log: runtime.log,
  });
  if (reference) extraAssets.push(reference);
  const perExample = inputs["per-example"] ?? modelConfig?.per_example;
  if (perExample) {
    const path = [resolve(baseDir, perExample), resolve(cwd, perExample)].find((p) => existsSync(p));
    if (path) extraAssets.push({ path, name: "per-example.csv" });
    else if (inputs["per-example"])
      throw new InputError(`per-example: no file at ${resolve(cwd, perExample)}`);
  }
  return { baseDir, files, metrics, ...(run ? { run } : {}), extraAssets };
}
