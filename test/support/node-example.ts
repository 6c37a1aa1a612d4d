/**
 * What the end-to-end tests of the Node example share: where it is, the repository it plays in the emulator,
 * its working copies, and a REST client for checking the emulator.
 */
import { join } from "node:path";
import { installToolchainStandIns, WorkingCopies } from "@mlops/demo";
import type { GitHubClient } from "@mlops/github";
import { emulatorClient as clientWithToken } from "@mlops/github/testing";
import type { Emulator, Permissions } from "@mlops/github-emulator";
import { runWorkflow, type WorkflowResult } from "@mlops/workflow-runner";

export const root = join(import.meta.dirname, "..", "..");
export const example = join(root, "examples", "node-classifier");
export const OWNER = "acme";
export const REPO = "node-classifier";
export const MODEL = "node-classifier";

/** Working copies of the example: its committed files, plus the reusable workflows it calls by local path. */
export function exampleCopies(): WorkingCopies {
  return new WorkingCopies(example, root);
}

/** A client for the emulator with a token of `permissions` (as `login`), without client-side pacing. */
export function emulatorClient(emulator: Emulator, permissions: Permissions, login?: string): GitHubClient {
  return clientWithToken(emulator, emulator.createToken(permissions, login));
}

/**
 * A commit of `files` on `branch` and a pull request from it into the example repository's main. With `fork`
 * (`owner/name`, already forked) the commit lands on the fork and the PR's head is `<fork owner>:<branch>`.
 */
export async function openExamplePullRequest(
  admin: GitHubClient,
  change: { branch: string; message: string; title: string; files: Record<string, string>; fork?: string },
): Promise<{ number: number; headSha: string }> {
  const [owner = OWNER, repo = REPO] = change.fork?.split("/") ?? [];
  await admin.request("POST /_emulator/repos/{owner}/{repo}/commits", {
    owner,
    repo,
    branch: change.branch,
    message: change.message,
    files: change.files,
  });
  const { data } = await admin.request("POST /repos/{owner}/{repo}/pulls", {
    owner: OWNER,
    repo: REPO,
    title: change.title,
    head: change.fork ? `${owner}:${change.branch}` : change.branch,
    base: "main",
  });
  return { number: data.number, headSha: data.head.sha };
}

/**
 * The example's release workflow (`mlops-release.yml`) on a push, run by the local runner against `emulator`:
 * deploys land in `<workspace>/deployed`; the example's setup runs `corepack enable && pnpm install`, so the
 * offline stand-ins in `toolchain` replace them (a real `corepack enable` would rewrite this machine's pnpm).
 */
export function runRelease(
  emulator: Emulator,
  run: {
    workspace: string;
    toolchain: string;
    log: (line: string) => void;
    env?: Record<string, string>;
    secrets?: Record<string, string>;
  },
): Promise<WorkflowResult> {
  return runWorkflow({
    workflow: ".github/workflows/mlops-release.yml",
    workspace: run.workspace,
    event: "push",
    repository: `${OWNER}/${REPO}`,
    apiUrl: emulator.url,
    toolkitRoot: root,
    log: run.log,
    ...(run.secrets ? { secrets: run.secrets } : {}),
    env: {
      ...installToolchainStandIns(run.toolchain),
      DEPLOY_ROOT: join(run.workspace, "deployed"),
      ...run.env,
    },
  });
}
