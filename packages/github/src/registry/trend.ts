import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ModelVersion, parseModelManifest, parseReleaseMetadata, validateModelName } from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { withGitHubErrors } from "../errors.js";
import { downloadAsset } from "./download.js";
import { aliasesOf, versionsDescending, versionTagName } from "./names.js";
import { readModelRefs } from "./refs.js";
import { getPublishedRelease } from "./release.js";

/** Most versions a trend reads (each costs one request, two for versions registered before metrics were in the metadata). */
export const MAX_TREND_VERSIONS = 50;

export interface VersionMetrics {
  version: ModelVersion;
  tag: string;
  aliases: string[];
  metrics: Record<string, number>;
  releaseUrl: string;
  /** Where the metrics were read: the release's metadata block, or its `model.json` asset. */
  from: "metadata" | "model.json";
}

export interface VersionTrend {
  /** Oldest first. */
  versions: VersionMetrics[];
  /** Versions among the newest `count` without a published release (unfinished registrations), skipped. */
  skipped: ModelVersion[];
  /** API requests made: 2 matching-refs + 1 per version (+1 per `model.json` read). */
  requests: number;
}

/**
 * The metrics of the newest `count` registered versions of `model` (at most {@link MAX_TREND_VERSIONS}):
 * `GET /git/matching-refs` for the versions (2 requests), then ONE `GET /releases/tags/{tag}` per version,
 * whose metadata block carries the metrics; a version registered before that (or with metrics too long for
 * the block) costs one more request, for its `model.json` asset. A version tag without a published release
 * is skipped and reported.
 */
export async function readVersionTrend(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; count: number },
): Promise<VersionTrend> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  const count = Math.max(0, Math.min(MAX_TREND_VERSIONS, Math.floor(options.count)));
  return withGitHubErrors(
    { operation: `read the last ${count} versions of ${model}`, owner, repo },
    async () => {
      const refs = await readModelRefs(client, owner, repo, model);
      let requests = refs.requests;
      const newest = versionsDescending(refs).slice(0, count);
      const versions: VersionMetrics[] = [];
      const skipped: ModelVersion[] = [];
      let dir: string | undefined;
      try {
        for (const version of newest) {
          const tag = versionTagName(model, version);
          const release = await getPublishedRelease(client, owner, repo, tag);
          requests += 1;
          if (!release) {
            skipped.push(version);
            continue;
          }
          const common = { version, tag, aliases: aliasesOf(refs, version), releaseUrl: release.htmlUrl };
          const meta = parseReleaseMetadata(release.body);
          if (meta?.metrics) {
            versions.push({ ...common, metrics: meta.metrics, from: "metadata" });
            continue;
          }
          const asset = release.assets.find((a) => a.name === "model.json");
          if (!asset) {
            skipped.push(version);
            continue;
          }
          dir ??= await mkdtemp(join(tmpdir(), "mlops-trend-"));
          const path = join(dir, `${versions.length}-model.json`);
          await downloadAsset(client, owner, repo, asset, path);
          requests += 1;
          const manifest = parseModelManifest(await readFile(path, "utf8"));
          versions.push({ ...common, metrics: manifest.metrics, from: "model.json" });
        }
      } finally {
        if (dir) await rm(dir, { recursive: true, force: true });
      }
      return { versions: versions.reverse(), skipped, requests };
    },
  );
}
