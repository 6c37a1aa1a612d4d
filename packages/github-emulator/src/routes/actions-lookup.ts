/** Lookups shared by the Actions REST and emulator-only routes (404 when missing). */
import { basename } from "node:path";
import { actionsOf } from "../actions-runtime/state.js";
import type { RouteContext } from "../http/context.js";
import { notFound } from "../http/errors.js";
import type { ArtifactData, RepoData, WorkflowData, WorkflowRunData } from "../state/model.js";
import { artifact } from "./actions-render.js";

/** Run conclusions (the `status` filter also accepts these). */
export const CONCLUSIONS = [
  "success",
  "failure",
  "cancelled",
  "skipped",
  "neutral",
  "timed_out",
  "action_required",
  "stale",
];

export function findRun(repo: RepoData, id: string | undefined): WorkflowRunData {
  const run = actionsOf(repo).runs.find((r) => String(r.id) === id);
  if (!run) throw notFound();
  return run;
}

export function workflowOf(repo: RepoData, run: WorkflowRunData): WorkflowData {
  const found = actionsOf(repo).workflows.find((w) => w.id === run.workflowId);
  if (!found) throw notFound();
  return found;
}

/** `workflow_id` is the numeric id or the file name (`ci.yml`). */
export function findWorkflow(repo: RepoData, id: string | undefined): WorkflowData {
  const found = actionsOf(repo).workflows.find(
    (w) => String(w.id) === id || basename(w.path) === id || w.path === id,
  );
  if (!found) throw notFound();
  return found;
}

export function findArtifact(repo: RepoData, id: string | undefined): ArtifactData {
  const found = actionsOf(repo).artifacts.find((a) => String(a.id) === id && a.finalized);
  if (!found) throw notFound();
  return found;
}

export function renderArtifact(ctx: RouteContext, repo: RepoData, data: ArtifactData) {
  return artifact(
    ctx,
    repo,
    data,
    actionsOf(repo).runs.find((r) => r.id === data.runId),
  );
}
