import { formatNumber, type ModelManifest, renderTable } from "@mlops/core";
import { versionSelector } from "./names.js";

export interface ModelCardInput {
  manifest: ModelManifest;
  description?: string;
  tags?: string[];
  gate?: string;
  aliases?: string[];
  /** `https://github.com` (links to commit and run are built from it). */
  serverUrl?: string;
  releaseUrl?: string;
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The human model card: the release body of a version AND the register step's job summary (one
 * renderer for both). Metrics, lineage (commit, run, parent version, data), files with digests, links.
 */
export function renderModelCard(input: ModelCardInput): string {
  const { manifest } = input;
  const lineage = manifest.lineage;
  const server = (input.serverUrl ?? "https://github.com").replace(/\/+$/, "");
  const lines = [`## ${manifest.model} ${versionSelector(manifest.version)}`];
  if (input.description) lines.push("", input.description);
  const facts: string[] = [];
  if (input.gate) facts.push(`Gate: **${input.gate}**`);
  if (input.aliases && input.aliases.length > 0)
    facts.push(`Aliases: ${input.aliases.map((a) => `\`@${a}\``).join(" ")}`);
  if (input.tags && input.tags.length > 0) facts.push(`Tags: ${input.tags.map((t) => `\`${t}\``).join(" ")}`);
  if (facts.length > 0) lines.push("", facts.join(" · "));

  const metrics = Object.entries(manifest.metrics);
  if (metrics.length > 0)
    lines.push(
      "",
      "### Metrics",
      "",
      renderTable(
        ["Metric", "Value"],
        metrics.map(([name, value]) => [name, formatNumber(value)]),
        ["l", "r"],
      ),
    );
  const params = Object.entries(manifest.params);
  if (params.length > 0)
    lines.push(
      "",
      "### Parameters",
      "",
      renderTable(
        ["Parameter", "Value"],
        params.map(([name, value]) => [name, String(value)]),
      ),
    );

  const commit = lineage.commit;
  const commitLink = lineage.repository
    ? `[\`${commit.slice(0, 7)}\`](${server}/${lineage.repository}/commit/${commit})`
    : `\`${commit.slice(0, 7)}\``;
  const lineageRows: string[][] = [
    ["Commit", commitLink],
    ["Parent version", lineage.parent_version === null ? "none" : versionSelector(lineage.parent_version)],
  ];
  if (lineage.run.id > 0)
    lineageRows.push([
      "Run",
      lineage.run.url
        ? `[#${lineage.run.id} attempt ${lineage.run.attempt}](${lineage.run.url})`
        : `#${lineage.run.id}`,
    ]);
  if (lineage.workflow_ref) lineageRows.push(["Workflow", `\`${lineage.workflow_ref}\``]);
  for (const data of lineage.data)
    lineageRows.push([
      `Data \`${data.path}\``,
      `sha256 \`${data.sha256.slice(0, 12)}…\` (${humanSize(data.size)})`,
    ]);
  if (manifest.actor) lineageRows.push(["Registered by", `@${manifest.actor}`]);
  lines.push("", "### Lineage", "", renderTable(["", ""], lineageRows));

  lines.push(
    "",
    "### Files",
    "",
    renderTable(
      ["File", "Size", "sha256"],
      manifest.files.map((f) => [f.name, humanSize(f.size), `\`${f.sha256}\``]),
      ["l", "r", "l"],
    ),
  );
  if (input.releaseUrl) lines.push("", `Release: ${input.releaseUrl}`);
  return lines.join("\n");
}
