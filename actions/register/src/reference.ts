import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type ActionRuntime, resolveFiles } from "@mlops/action-kit";
import { InputError, type ModelConfig } from "@mlops/core";
import { monitorOptionsFromConfig, profileFiles, REFERENCE_PROFILE_ASSET } from "@mlops/monitor";

/**
 * The reference profile attached to the version, so that monitoring with `reference: registry` finds the
 * data this version was trained on. In order: the `reference-profile` input (a profile file, attached as
 * is); the `reference-data` input (data globs relative to the working directory, profiled here); the
 * config's `monitoring.reference` when it names data (globs relative to the config's folder, profiled
 * with the config's column declarations) or a profile `.json`. `registry` there names no data: without
 * one of the inputs, the version gets no profile, and that is said as a warning.
 */
export async function referenceProfileAsset(options: {
  profile: string | undefined;
  data: readonly string[];
  modelConfig: ModelConfig | undefined;
  cwd: string;
  /** Path of the config file (its folder is what `monitoring.reference` is relative to). */
  configPath: string;
  log: ActionRuntime["log"];
}): Promise<{ path: string; name: string } | undefined> {
  const { cwd, log, modelConfig } = options;
  if (options.profile) {
    const path = resolve(cwd, options.profile);
    if (!existsSync(path)) throw new InputError(`reference-profile: no file at ${path}`);
    return { path, name: REFERENCE_PROFILE_ASSET };
  }
  let patterns: readonly string[] = options.data;
  let base = cwd;
  let what = "reference-data";
  const configured = modelConfig?.monitoring?.reference;
  if (patterns.length === 0 && configured && configured !== "registry") {
    base = dirname(options.configPath);
    what = "monitoring.reference";
    if (configured.toLowerCase().endsWith(".json")) {
      const path = resolve(base, configured);
      if (!existsSync(path)) throw new InputError(`${what}: no profile at ${path}`);
      return { path, name: REFERENCE_PROFILE_ASSET };
    }
    patterns = [configured];
  }
  if (patterns.length === 0) {
    if (configured === "registry")
      log.warning(
        "monitoring.reference is `registry`, but this version gets no reference profile: give register the `reference-data` input (the reusable release workflow's `reference-data`) or name the reference data in monitoring.reference, or monitoring of this version will find nothing to compare with.",
      );
    return undefined;
  }
  const files = (await resolveFiles([...patterns], base, what)).map((file) => resolve(base, file));
  const profile = await profileFiles(files, monitorOptionsFromConfig(modelConfig?.monitoring));
  const columns = Object.keys(profile.columns).length;
  if (columns === 0)
    throw new InputError(
      `${what}: profiling ${files.join(", ")} found no columns, so monitoring would compare nothing`,
    );
  const path = join(await mkdtemp(join(tmpdir(), "mlops-reference-")), REFERENCE_PROFILE_ASSET);
  await writeFile(path, `${JSON.stringify(profile)}\n`);
  log.info(
    `Reference profile from ${files.length} file${files.length === 1 ? "" : "s"} (${profile.rows} rows, ${columns} columns) attached as ${REFERENCE_PROFILE_ASSET}.`,
  );
  return { path, name: REFERENCE_PROFILE_ASSET };
}
