import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, type Permissions, startEmulator } from "@mlops/github-emulator";
import {
  createGitHubClient,
  type GitHubClient,
  type RegisterModelOptions,
  registerModel,
} from "../src/index.js";

export const OWNER = "acme";

/** A client for the emulator without client-side pacing and with millisecond back-off. */
export function clientFor(emulator: Emulator, token: string): GitHubClient {
  return createGitHubClient({
    token,
    apiUrl: emulator.url,
    pacing: { writeIntervalMs: 0, notificationIntervalMs: 0 },
    retryBaseMs: 1,
    retries: 4,
    requestTimeoutMs: 10_000,
  });
}

/** A commit on `owner/repo`'s `branch` (created from main when new) through the emulator's seeding route. */
export async function pushCommit(
  admin: GitHubClient,
  repo: string,
  branch: string,
  message: string,
  files: Record<string, string>,
  owner = OWNER,
): Promise<void> {
  await admin.request("POST /_emulator/repos/{owner}/{repo}/commits", {
    owner,
    repo,
    branch,
    message,
    files,
  });
}

/** A branch `feature` changing one file, and an open PR from it into main. */
export async function openPullRequest(
  admin: GitHubClient,
  repo: string,
): Promise<{ repo: string; number: number; headSha: string }> {
  await pushCommit(admin, repo, "feature", "Tune the model", { "params.yaml": "depth: 5\n" });
  const { data } = await admin.request("POST /repos/{owner}/{repo}/pulls", {
    owner: OWNER,
    repo,
    title: "Tune the model",
    head: "feature",
    base: "main",
  });
  return { repo, number: data.number, headSha: data.head.sha };
}

/**
 * `forkOwner`'s fork of `repo` with a commit on the fork's `main`, and an open PR from it
 * (`head: "<forkOwner>:main"`) into the repository's main: a fork PR named like the base branch.
 */
export async function openForkPullRequest(
  admin: GitHubClient,
  repo: string,
  forkOwner = "mallory",
): Promise<{ repo: string; number: number; headSha: string; headBranch: string; headRepository: string }> {
  await admin.request("POST /_emulator/repos/{owner}/{repo}/forks", {
    owner: OWNER,
    repo,
    organization: forkOwner,
  });
  await pushCommit(
    admin,
    repo,
    "main",
    "Tune the model in a fork",
    { "params.yaml": "depth: 7\n" },
    forkOwner,
  );
  const { data } = await admin.request("POST /repos/{owner}/{repo}/pulls", {
    owner: OWNER,
    repo,
    title: `From ${forkOwner}'s fork`,
    head: `${forkOwner}:main`,
    base: "main",
  });
  return {
    repo,
    number: data.number,
    headSha: data.head.sha,
    headBranch: "main",
    headRepository: `${forkOwner}/${repo}`,
  };
}

export async function emulatorWithClient(
  permissions?: Permissions,
  login?: string,
): Promise<{ emulator: Emulator; client: GitHubClient; token: string }> {
  const emulator = await startEmulator();
  const token = emulator.createToken(
    permissions ?? {
      contents: "write",
      issues: "write",
      pull_requests: "write",
      checks: "write",
      statuses: "write",
      deployments: "write",
      actions: "read",
    },
    login,
  );
  return { emulator, client: clientFor(emulator, token), token };
}

/** Requests in the log, optionally only those matching `method` and a path fragment. */
export function countRequests(emulator: Emulator, method?: string, pathIncludes?: string): number {
  return emulator.requestLog.filter(
    (r) => (!method || r.method === method) && (!pathIncludes || r.path.includes(pathIncludes)),
  ).length;
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "mlops-github-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeModelFiles(
  dir: string,
  files: Record<string, string>,
): Promise<Array<{ path: string; name: string }>> {
  const out: Array<{ path: string; name: string }> = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, content);
    out.push({ path, name });
  }
  return out;
}

export async function headSha(client: GitHubClient, repo: string): Promise<string> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner: OWNER,
    repo,
    ref: "heads/main",
  });
  return data.object.sha;
}

/**
 * Registers model `fraud` of run `runId` in `repo` at main's head: `files` (by default one model.bin) written to
 * `<workDir>/<repo>-<runId>`, accuracy 0.9, the run's idempotency key; `extra` adds or overrides fields.
 */
export async function registerRun(
  client: GitHubClient,
  workDir: string,
  repo: string,
  runId: string,
  extra: Partial<RegisterModelOptions> = {},
  files: Record<string, string> = { "model.bin": `weights of ${runId}` },
) {
  const dir = join(workDir, `${repo}-${runId}`);
  await mkdir(dir, { recursive: true });
  return registerModel(client, {
    owner: OWNER,
    repo,
    model: "fraud",
    commitSha: await headSha(client, repo),
    files: await writeModelFiles(dir, files),
    metrics: { accuracy: 0.9 },
    idempotencyKey: `${OWNER}/${repo}/${runId}/fraud`,
    ...extra,
  });
}
