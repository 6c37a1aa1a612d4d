/**
 * The end-to-end tests' production model: a release of the Node example registered straight through the
 * registry adapter, with the metrics of `examples/metrics/base.json` (the example's default params) and
 * `@production` pointing at it, so a PR check has a registry baseline to compare with.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadMetricsFile } from "@mlops/core";
import { type GitHubClient, registerModel } from "@mlops/github";

const root = join(import.meta.dirname, "..", "..");

export async function registerProductionBaseline(
  admin: GitHubClient,
  target: { owner: string; repo: string; model: string; scratchDir: string },
): Promise<void> {
  const { owner, repo, model } = target;
  const { data: main } = await admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner,
    repo,
    ref: "heads/main",
  });
  const modelFile = join(target.scratchDir, "classifier.json");
  writeFileSync(modelFile, "{}");
  await registerModel(admin, {
    owner,
    repo,
    model,
    commitSha: main.object.sha,
    files: [{ path: modelFile }],
    metrics: loadMetricsFile(join(root, "examples", "metrics", "base.json")).metrics,
    idempotencyKey: `${owner}/${repo}/0/${model}`,
    aliases: ["production"],
  });
}
