import {
  type Budget,
  fitsBudget,
  formatNumber,
  InputError,
  type ModelManifest,
  measure,
  NO_BUDGET,
  RELEASE_BODY_BUDGET,
  type ReleaseMetadata,
  ReportBuilder,
  renderReleaseBody,
  reserveBudget,
} from "@mlops/core";
import { versionSelector } from "./names.js";

/** The release asset that holds the whole model card when the release body had to be shortened. */
export const MODEL_CARD_ASSET = "MODEL_CARD.md";
/** Parameter and file tables longer than this are collapsed into a `<details>` block. */
export const COLLAPSE_ROWS = 25;
/** Room the card must have in a release body besides the metadata block. */
const MIN_CARD_CHARS = 2_000;

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
 * renderer for both). Metrics, parameters, lineage (commit, run, parent version, data), files with
 * digests, links. Parameter and file tables longer than `COLLAPSE_ROWS` are collapsed. With `budget`,
 * the card fits it (in the budget's unit): long tables lose rows from the end, then the least important
 * sections go, each cut stated in the card, which then points at the full card in `MODEL_CARD.md`.
 */
export function renderModelCard(input: ModelCardInput, budget?: Budget): string {
  const { manifest } = input;
  const lineage = manifest.lineage;
  const server = (input.serverUrl ?? "https://github.com").replace(/\/+$/, "");
  const card = new ReportBuilder();
  card.heading(`${manifest.model} ${versionSelector(manifest.version)}`, 2, 10);
  if (input.description) card.markdown(input.description, 9);
  const facts: string[] = [];
  if (input.gate) facts.push(`Gate: **${input.gate}**`);
  // Aliases move after registration (deploys move `@staging`/`@production`), and this card is written
  // once: it says which aliases the version was registered with, and where the current ones are read.
  if (input.aliases && input.aliases.length > 0)
    facts.push(
      `Registered as ${input.aliases.map((a) => `\`@${a}\``).join(" ")} (aliases move: \`mlops registry list ${manifest.model}\` and the refs \`refs/mlops/${manifest.model}/@<alias>\` show where each points now)`,
    );
  if (input.tags && input.tags.length > 0) facts.push(`Tags: ${input.tags.map((t) => `\`${t}\``).join(" ")}`);
  if (facts.length > 0) card.markdown(facts.join(" · "), 9);

  const metrics = Object.entries(manifest.metrics);
  if (metrics.length > 0) {
    card.heading("Metrics", 3, 8);
    card.table(
      ["Metric", "Value"],
      metrics.map(([name, value]) => [name, formatNumber(value)]),
      { align: ["l", "r"], priority: 8 },
    );
  }
  const params = Object.entries(manifest.params);
  if (params.length > 0) {
    card.heading("Parameters", 3, 4);
    const rows = params.map(([name, value]) => [name, String(value)]);
    if (rows.length > COLLAPSE_ROWS)
      card.details(
        `${rows.length.toLocaleString("en-US")} parameters`,
        (d) => d.table(["Parameter", "Value"], rows),
        {
          priority: 3,
        },
      );
    else card.table(["Parameter", "Value"], rows, { priority: 4 });
  }

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
  card.heading("Lineage", 3, 7);
  card.table(["", ""], lineageRows, { priority: 7 });

  card.heading("Files", 3, 6);
  const files = manifest.files.map((f) => [f.name, humanSize(f.size), `\`${f.sha256}\``]);
  const fileTable = (b: ReportBuilder) =>
    b.table(["File", "Size", "sha256"], files, { align: ["l", "r", "l"], priority: 5 });
  if (files.length > COLLAPSE_ROWS)
    card.details(`${files.length.toLocaleString("en-US")} files`, fileTable, { priority: 5 });
  else fileTable(card);
  if (input.releaseUrl) card.markdown(`Release: ${input.releaseUrl}`, 9);
  return card.build({
    budget: budget ?? NO_BUDGET,
    truncationNote: `the full model card is the release asset ${MODEL_CARD_ASSET}`,
  });
}

/**
 * Throws InputError when the metadata block of a release body (which repeats the description and tags)
 * leaves less than 2,000 characters for the model card; returns the block's size otherwise. Called
 * before anything is written, with the longest version label the registration can get.
 */
export function checkReleaseMetadataFits(meta: ReleaseMetadata): number {
  const reserve = measure(renderReleaseBody(meta, ""), RELEASE_BODY_BUDGET.unit);
  if (RELEASE_BODY_BUDGET.limit - reserve < MIN_CARD_CHARS)
    throw new InputError(
      `${meta.model}: the release metadata (description, tags) takes ${reserve.toLocaleString("en-US")} characters; a GitHub release body holds ${RELEASE_BODY_BUDGET.limit.toLocaleString("en-US")} (measured in characters). Shorten the description.`,
    );
  return reserve;
}

/**
 * The release body of a version (model card + metadata block) within GitHub's 125,000-character
 * limit. When the whole card does not fit, the body carries a shortened card that says so and
 * `fullCard` is the whole card, to attach as `MODEL_CARD.md`. Throws InputError (before anything is
 * written, when called with the version's metadata) when the metadata alone — a very long description
 * or tag list — leaves no room for a card.
 */
export function renderReleaseCard(
  meta: ReleaseMetadata,
  input: ModelCardInput,
): { body: string; fullCard?: string } {
  const full = renderModelCard(input);
  const body = renderReleaseBody(meta, full);
  if (fitsBudget(body, RELEASE_BODY_BUDGET)) return { body };
  const reserve = checkReleaseMetadataFits(meta);
  const card = renderModelCard(input, reserveBudget(RELEASE_BODY_BUDGET, reserve));
  return { body: renderReleaseBody(meta, card), fullCard: full };
}
