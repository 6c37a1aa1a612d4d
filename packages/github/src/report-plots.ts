/** The gate report's plots that need GitHub: the registry's metric trend, and `plots:` images committed to the plots branch. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  dataChart,
  GitHubError,
  imagesSection,
  joinPlots,
  type MetricSpec,
  type MetricValues,
  type ModelConfig,
  type PlotSection,
  plotFileKind,
  predictionPlotsOf,
  type TrendPoint,
  trendMetrics,
  trendSection,
  vegaLiteChart,
} from "@mlops/core";
import type { Baseline } from "./baseline.js";
import type { GitHubClient } from "./client.js";
import type { GitHubLog } from "./log.js";
import { MAX_IMAGE_BYTES, MAX_IMAGES_BYTES, publishImages } from "./plots-branch.js";
import { versionSelector } from "./registry/names.js";
import { readVersionTrend } from "./registry/trend.js";

/** Registered versions the trend reads by default (mlops.yml `trend.versions`). */
export const DEFAULT_TREND_VERSIONS = 10;

export interface TrendSources {
  model: string;
  config: ModelConfig | undefined;
  candidate: MetricValues;
  specs: Record<string, MetricSpec>;
  ruleMetrics: string[];
  owner: string;
  repo: string;
  client: () => GitHubClient;
  /** The base-branch baseline, shown after the versions (the gate reads no other base-branch runs). */
  baseRun?: { label: string; name: string; metrics: MetricValues; url?: string };
  log: GitHubLog;
}

/**
 * The metric trend section: the newest `trend.versions` (default 10) registered versions read from the
 * registry (2 + 1 request per version), the base-branch baseline when that is the baseline, and this PR.
 * A token that may not read the registry skips the trend with a warning; undefined when there is
 * nothing to compare with.
 */
export async function trendOf(sources: TrendSources): Promise<PlotSection | undefined> {
  const count = sources.config?.trend?.versions ?? DEFAULT_TREND_VERSIONS;
  const metrics = trendMetrics(sources.candidate, {
    ...(sources.config?.trend?.metrics ? { configured: sources.config.trend.metrics } : {}),
    ruleMetrics: sources.ruleMetrics,
    specs: sources.specs,
  });
  if (count === 0 || metrics.length === 0) return undefined;
  let versions: TrendPoint[] = [];
  try {
    const trend = await readVersionTrend(sources.client(), {
      owner: sources.owner,
      repo: sources.repo,
      model: sources.model,
      count,
    });
    versions = trend.versions.map((v) => ({
      label: versionSelector(v.version),
      name: `${versionSelector(v.version)}${v.aliases.length > 0 ? ` (${v.aliases.map((a) => `@${a}`).join(" ")})` : ""}`,
      metrics: v.metrics,
      url: v.releaseUrl,
    }));
    sources.log.info(
      `Trend: ${versions.length} registered versions of ${sources.model} read in ${trend.requests} requests${trend.skipped.length > 0 ? ` (skipped without a published release: ${trend.skipped.map(versionSelector).join(", ")})` : ""}.`,
    );
  } catch (error) {
    if (!(error instanceof GitHubError) || error.reason !== "permission") throw error;
    sources.log.warning(`No metric trend: ${error.message}`);
  }
  return trendSection({
    versions,
    ...(sources.baseRun ? { baseRuns: [sources.baseRun] } : {}),
    candidate: sources.candidate,
    metrics,
    specs: sources.specs,
  });
}

export interface UserPlotSources {
  model: string;
  config: ModelConfig | undefined;
  /** Where the candidate's files are (the train artifact's folder, or the workspace). */
  directory: string | undefined;
  owner: string;
  repo: string;
  serverUrl: string;
  pullRequest: number | undefined;
  runId: number;
  runAttempt: number;
  /** Branch the images are committed to (`plots-branch`). */
  branch: string;
  /** Why images cannot be committed (a fork's read-only token), when they cannot. */
  readOnly?: string;
  client: () => GitHubClient;
  /** The files a `plots:` pattern names in `dir` (relative, `/`-separated); throws when it names none. */
  resolveFiles: (pattern: string, dir: string) => Promise<string[]>;
  log: GitHubLog;
}

/**
 * The `plots:` of mlops.yml as report sections: Vega-Lite specs and data files as Mermaid charts, images
 * committed to the plots branch (one commit per run) and shown by same-repository URLs. What cannot be
 * shown (too big, unsupported, no `contents: write`) is listed with the reason, never dropped silently.
 */
export async function userPlotsOf(sources: UserPlotSources): Promise<PlotSection[]> {
  const declared = sources.config?.plots ?? [];
  if (declared.length === 0 || !sources.directory) return [];
  const dir = sources.directory;
  const sections: PlotSection[] = [];
  const images: { path: string; content: Buffer }[] = [];
  const notShown: { path: string; reason: string }[] = [];
  let imageBytes = 0;
  for (const declaration of declared) {
    const pattern = typeof declaration === "string" ? declaration : declaration.path;
    let files: string[];
    try {
      files = await sources.resolveFiles(pattern, dir);
    } catch (error) {
      notShown.push({ path: pattern, reason: `not in the candidate's files (${(error as Error).message})` });
      continue;
    }
    for (const file of files) {
      const full = join(dir, file);
      const kind = plotFileKind(
        file,
        file.toLowerCase().endsWith(".json") ? readFileSync(full, "utf8") : undefined,
      );
      if (kind === "image") {
        const size = statSync(full).size;
        if (size > MAX_IMAGE_BYTES)
          notShown.push({
            path: file,
            reason: `${size.toLocaleString("en-US")} bytes, more than ${MAX_IMAGE_BYTES.toLocaleString("en-US")}`,
          });
        else if (imageBytes + size > MAX_IMAGES_BYTES)
          notShown.push({
            path: file,
            reason: `the run's images pass ${MAX_IMAGES_BYTES.toLocaleString("en-US")} bytes`,
          });
        else {
          imageBytes += size;
          images.push({ path: file, content: readFileSync(full) });
        }
        continue;
      }
      const text = readFileSync(full, "utf8");
      const title = typeof declaration === "string" ? file : (declaration.title ?? file);
      let chart: { markdown: string } | { unsupported: string };
      if (kind === "vega-lite") {
        try {
          chart = vegaLiteChart(JSON.parse(text), title);
        } catch (error) {
          chart = { unsupported: `not JSON (${(error as Error).message})` };
        }
      } else if (kind === "data")
        chart = dataChart(file, text, {
          title,
          ...(typeof declaration === "object" && declaration.x ? { x: declaration.x } : {}),
          ...(typeof declaration === "object" && declaration.y ? { y: declaration.y } : {}),
        });
      else
        chart = {
          unsupported: "not an image (PNG, SVG, JPEG, GIF, WebP), a Vega-Lite spec or a CSV/JSON data file",
        };
      if ("markdown" in chart) sections.push({ title, markdown: chart.markdown });
      else notShown.push({ path: file, reason: chart.unsupported });
    }
  }
  let shown: { path: string; url: string }[] = [];
  if (images.length > 0 && sources.readOnly) {
    for (const image of images) notShown.push({ path: image.path, reason: sources.readOnly });
  } else if (images.length > 0) {
    const prefix = `${sources.model}/${sources.pullRequest ? `pr-${sources.pullRequest}` : "runs"}/run-${sources.runId}-${sources.runAttempt}`;
    try {
      const published = await publishImages(sources.client(), {
        owner: sources.owner,
        repo: sources.repo,
        branch: sources.branch,
        serverUrl: sources.serverUrl,
        images: images.map((image) => ({ path: `${prefix}/${image.path}`, content: image.content })),
        message: `${sources.model}: plots of run ${sources.runId} (attempt ${sources.runAttempt})`,
      });
      shown = images.map((image, i) => ({ path: image.path, url: published.urls[i] as string }));
      sources.log.info(
        `Images: ${images.length} committed to ${sources.branch} (${published.commit.slice(0, 7)}) in ${published.requests} requests.`,
      );
    } catch (error) {
      if (!(error instanceof GitHubError) || error.reason !== "permission") throw error;
      const reason = `not committed to the \`${sources.branch}\` branch: the token lacks \`contents: write\``;
      sources.log.warning(`Images ${reason} (${error.message}).`);
      for (const image of images) notShown.push({ path: image.path, reason });
    }
  }
  const section = imagesSection(shown, notShown);
  return section ? [...sections, section] : sections;
}

/**
 * Every plot of one model's gate report, in order: the prediction plots (candidate against baseline), the
 * metric trend (registered versions, then the base-branch baseline when that is the baseline) and the
 * `plots:` of mlops.yml; undefined when there is none.
 */
export async function gateReportPlots(
  sources: Omit<TrendSources, "baseRun" | "candidate"> &
    Omit<UserPlotSources, "directory"> & {
      candidate: { metrics: MetricValues; directory: string | undefined; perExample: string | undefined };
      baseline: Baseline | undefined;
    },
): Promise<{ sections: PlotSection[]; notes: string[] } | undefined> {
  const { candidate, baseline } = sources;
  return joinPlots(
    predictionPlotsOf({
      model: sources.config,
      candidate: candidate.perExample,
      baseline: baseline?.perExample,
      baselineLabel: baseline?.label,
      log: sources.log,
    }),
    await trendOf({
      model: sources.model,
      config: sources.config,
      candidate: candidate.metrics,
      specs: sources.specs,
      ruleMetrics: sources.ruleMetrics,
      owner: sources.owner,
      repo: sources.repo,
      client: sources.client,
      ...(baseline?.source.startsWith("run:")
        ? {
            baseRun: {
              label: "base",
              name: baseline.label,
              metrics: baseline.metrics,
              ...(baseline.url ? { url: baseline.url } : {}),
            },
          }
        : {}),
      log: sources.log,
    }),
    await userPlotsOf({
      model: sources.model,
      config: sources.config,
      directory: candidate.directory,
      owner: sources.owner,
      repo: sources.repo,
      serverUrl: sources.serverUrl,
      pullRequest: sources.pullRequest,
      runId: sources.runId,
      runAttempt: sources.runAttempt,
      branch: sources.branch,
      ...(sources.readOnly !== undefined ? { readOnly: sources.readOnly } : {}),
      client: sources.client,
      resolveFiles: sources.resolveFiles,
      log: sources.log,
    }),
  );
}
