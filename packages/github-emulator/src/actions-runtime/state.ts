/** Access to the Actions part of a repository's state (workflows, runs, jobs, artifacts). */
import type { ActionsData, ArtifactData, RepoData, WorkflowRunData } from "../state/model.js";
import type { Store } from "../state/store.js";

/**
 * The repository's Actions data, created on first use (older state files have none). Artifacts whose
 * `expires_at` has passed are marked expired on the way.
 */
export function actionsOf(repo: RepoData): ActionsData {
  repo.actions ??= { workflows: [], runs: [], jobs: [], artifacts: [] };
  const now = Date.now();
  for (const artifact of repo.actions.artifacts)
    if (!artifact.expired && Date.parse(artifact.expires_at) <= now) artifact.expired = true;
  return repo.actions;
}

/** The run whose results-service backend id is `backendId`, in whichever repository holds it. */
export function findRunByBackendId(
  store: Store,
  backendId: string,
): { repo: RepoData; run: WorkflowRunData } | undefined {
  for (const repo of Object.values(store.data.repos)) {
    const run = repo.actions && actionsOf(repo).runs.find((candidate) => candidate.backendId === backendId);
    if (run) return { repo, run };
  }
  return undefined;
}

/** The artifact stored under blob file `blob`, in whichever repository holds it. */
export function findArtifactByBlob(store: Store, blob: string): ArtifactData | undefined {
  for (const repo of Object.values(store.data.repos)) {
    const found = repo.actions && actionsOf(repo).artifacts.find((artifact) => artifact.blob === blob);
    if (found) return found;
  }
  return undefined;
}

/** Finalized, unexpired artifacts of a run: what the results service lists and serves. */
export function liveArtifacts(repo: RepoData, runId: number): ArtifactData[] {
  return actionsOf(repo).artifacts.filter((a) => a.runId === runId && a.finalized && !a.expired);
}

/** The upload name GitHub validates: no `"` `:` `<` `>` `|` `*` `?` `\r` `\n` `\\` `/`, not empty. */
export function invalidArtifactName(name: string): string | undefined {
  if (name.trim() === "") return "Artifact name is empty";
  const bad = /[":<>|*?\r\n\\/]/.exec(name);
  return bad
    ? `Artifact name is not valid: ${name}. Contains the character ${JSON.stringify(bad[0])}`
    : undefined;
}
