import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, type Permissions, startEmulator } from "@mlops/github-emulator";
import { type GitHubClient, type RegisterModelOptions, registerModel } from "../src/index.js";
import { emulatorClient, OWNER } from "../src/testing.js";

export { emulatorClient, OWNER, openForkPullRequest, openPullRequest, pushCommit } from "../src/testing.js";

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
  return { emulator, client: emulatorClient(emulator, token), token };
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
