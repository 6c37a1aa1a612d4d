import { mermaidText } from "../format/mermaid.js";
import type { ModelVersion } from "../manifest/model-version.js";
import { renderTable } from "./table.js";

/** One move of an alias (`@production`) by a successful deployment, with who and what was behind it. */
export interface AliasMove {
  model: string;
  alias: string;
  environment: string;
  version: ModelVersion;
  /** The version the alias named before this move (null for the first move in the history read). */
  previousVersion: ModelVersion | null;
  /** When the alias moved: the deployment's `success` status. */
  movedAt: string;
  deploymentId: number;
  /** A rollback deployment (a failed deploy put the previous version back). */
  rollback: boolean;
  /** Who triggered it: the workflow run's triggering actor, else the deployment's creator. */
  triggeredBy: string | null;
  /** The deployment's creator (the token: `github-actions[bot]` in a workflow). */
  creator: string | null;
  /** Environment approvals of the run for this environment (required reviewers). */
  approvals: Array<{ user: string; state: string; comment: string }>;
  /** The workflow run that deployed, when it was one. */
  run: { id: number; url: string | null } | null;
  /** The commit the version was trained from (the version tag's commit). */
  commit: string | null;
  /** The pull request that brought the commit (`GET /commits/{sha}/pulls`), if any. */
  pullRequest: { number: number; title: string; url: string } | null;
  /** The run that registered the version (from the release's idempotency key). */
  registeredByRun: string | null;
}

function approvers(move: AliasMove): string {
  const approved = move.approvals.filter((a) => a.state === "approved").map((a) => a.user);
  return approved.length > 0 ? approved.join(", ") : "—";
}

/** Newest first, one row per move. */
export function renderAliasHistoryTable(moves: AliasMove[]): string {
  const rows = [...moves]
    .reverse()
    .map((m) => [
      m.movedAt.replace("T", " ").replace(/:\d\dZ$/, "Z"),
      `@${m.alias}`,
      `v${m.version}${m.rollback ? " (rollback)" : ""}`,
      m.previousVersion === null ? "—" : `v${m.previousVersion}`,
      m.triggeredBy ?? "—",
      approvers(m),
      m.run ? `#${m.run.id}` : "—",
      m.pullRequest ? `#${m.pullRequest.number}` : "—",
    ]);
  return renderTable(
    ["Moved (UTC)", "Alias", "Version", "Was", "Triggered by", "Approved by", "Run", "PR"],
    rows,
  );
}

/**
 * A Mermaid `timeline`: one period per move (date and time, oldest first), its events the version, who
 * triggered and who approved. Colons separate events in a timeline, so times are written `09.12`.
 */
export function renderAliasHistoryMermaid(model: string, moves: AliasMove[], alias?: string): string {
  const lines = [
    "```mermaid",
    "timeline",
    `    title ${plain(`${model}${alias ? `@${alias}` : ""} alias moves`)}`,
  ];
  for (const m of moves) {
    const when = m.movedAt.replace("T", " ").replace(/:(\d\d):\d\dZ$/, ".$1 UTC");
    const events = [
      `@${m.alias} → v${m.version}${m.rollback ? " (rollback)" : ""}`,
      `by ${m.triggeredBy ?? "unknown"}`,
      `approved by ${approvers(m)}`,
      ...(m.pullRequest ? [`PR #${m.pullRequest.number}`] : []),
    ];
    lines.push(`    ${plain(when)} : ${events.map(plain).join(" : ")}`);
  }
  if (moves.length === 0) lines.push(`    ${plain("no moves")} : ${plain("no deployment moved an alias")}`);
  lines.push("```");
  return lines.join("\n");
}

/** Timeline text: no `:` (the event separator), no `#` entity look-alikes, no newlines; quoted strings are not supported there. */
function plain(text: string): string {
  return mermaidText(text)
    .slice(1, -1)
    .replace(/:/g, "#58;")
    .replace(/#quot;/g, "'");
}
