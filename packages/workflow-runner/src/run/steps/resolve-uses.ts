import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@mlops/core";

/** The external actions that have a local stand-in (see the README). */
export const STAND_INS = [
  "actions/checkout",
  "actions/setup-node",
  "actions/setup-python",
  "actions/upload-artifact",
  "actions/download-artifact",
] as const;
export type StandInName = (typeof STAND_INS)[number];

export const TOOLKIT_REPOSITORY = "mlops-actions/mlops-actions";

export type ResolvedUses =
  | { kind: "stand-in"; name: StandInName; ref: string }
  | { kind: "local"; dir: string };

/**
 * Maps a step's `uses:` to something runnable: a stand-in, or a directory holding an action.yml
 * (`./path` in the job's workspace, `mlops-actions/mlops-actions/path@ref` in the toolkit root, the
 * run's own repository in the working copy). Anything else is an error naming the action.
 */
export function resolveActionUses(
  uses: string,
  context: {
    jobWorkspace: string;
    workspace: string;
    toolkitRoot: string;
    repository: string;
    where: string;
  },
): ResolvedUses {
  if (uses.startsWith("./") || uses === ".") {
    const dir = join(context.jobWorkspace, uses);
    if (!existsSync(dir)) {
      throw new ConfigError(
        `${context.where}: local action '${uses}' not found in the job's workspace (is there an actions/checkout step before it?)`,
      );
    }
    return { kind: "local", dir };
  }
  if (uses.startsWith("docker://")) {
    throw new ConfigError(
      `${context.where}: Docker actions are not supported by the local runner: '${uses}'`,
    );
  }
  const at = uses.lastIndexOf("@");
  const path = at > 0 ? uses.slice(0, at) : uses;
  const ref = at > 0 ? uses.slice(at + 1) : "";
  const [owner = "", repo = "", ...rest] = path.split("/");
  const repository = `${owner}/${repo}`;
  const standIn = STAND_INS.find((name) => name === repository && rest.length === 0);
  if (standIn) return { kind: "stand-in", name: standIn, ref };
  const base =
    repository.toLowerCase() === TOOLKIT_REPOSITORY
      ? context.toolkitRoot
      : repository.toLowerCase() === context.repository.toLowerCase()
        ? context.workspace
        : undefined;
  if (base === undefined || at < 0) {
    throw new ConfigError(
      `${context.where}: remote action '${uses}' is not available to the local runner (stand-ins exist for ${STAND_INS.join(", ")}; ${TOOLKIT_REPOSITORY}/… is mapped to the toolkit)`,
    );
  }
  const dir = join(base, ...rest);
  if (!existsSync(dir)) throw new ConfigError(`${context.where}: action '${uses}' not found at ${dir}`);
  return { kind: "local", dir };
}

/** Maps a reusable workflow's `uses:` to a file path. */
/**
 * The `job_workflow_ref` of the jobs of a workflow called with `uses` (docs "About security hardening with
 * OpenID Connect": `octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main`): a local
 * `./path` is the caller's repository at the run's ref; `owner/repo/path@ref` keeps its repository and
 * path, with a full ref (`refs/…`) or commit SHA as given and any other name read as a tag (`@v1` →
 * `@refs/tags/v1`: the toolkit is called at its release tags).
 */
export function calledWorkflowRef(uses: string, context: { repository: string; ref: string }): string {
  if (uses.startsWith("./")) return `${context.repository}/${uses.slice(2)}@${context.ref}`;
  const at = uses.lastIndexOf("@");
  const ref = uses.slice(at + 1);
  const full = ref.startsWith("refs/") || /^[0-9a-f]{40}$/.test(ref) ? ref : `refs/tags/${ref}`;
  return `${uses.slice(0, at)}@${full}`;
}

export function resolveWorkflowUses(
  uses: string,
  context: { workspace: string; toolkitRoot: string; repository: string; where: string },
): string {
  if (uses.startsWith("./")) return join(context.workspace, uses);
  const at = uses.lastIndexOf("@");
  const path = at > 0 ? uses.slice(0, at) : uses;
  const [owner = "", repo = "", ...rest] = path.split("/");
  const repository = `${owner}/${repo}`.toLowerCase();
  const base =
    repository === TOOLKIT_REPOSITORY
      ? context.toolkitRoot
      : repository === context.repository.toLowerCase()
        ? context.workspace
        : undefined;
  if (base === undefined || at < 0) {
    throw new ConfigError(
      `${context.where}: reusable workflow '${uses}' is not available to the local runner (only ./… and ${TOOLKIT_REPOSITORY}/…@ref are)`,
    );
  }
  return join(base, ...rest);
}
