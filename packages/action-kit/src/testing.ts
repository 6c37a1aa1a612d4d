/**
 * Test support, imported as `@mlops/action-kit/testing` (never by an action's bundle): runs an action's `main`
 * in-process, as a runner would run its step, against `packages/github-emulator` — the memory runtime, a folder
 * artifact store, the `GITHUB_*`/`INPUT_*` environment, and the one emulator client of `@mlops/github/testing`.
 */
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import type { GitHubClient } from "@mlops/github";
import { emulatorClient, emulatorClientFactory } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { type ArtifactStore, createActionsArtifactStore } from "./artifact-store.js";
import type { ActionDeps } from "./deps.js";
import { createMemoryRuntime, type MemoryRuntime } from "./memory-runtime.js";
import { runAction } from "./run-action.js";
import type { ActionRuntime } from "./runtime.js";

/** An emulator, a token for it and a scratch directory, for running actions' `main` in-process. */
export interface Harness {
  emulator: Emulator;
  token: string;
  client: GitHubClient;
  dir: string;
  close(): Promise<void>;
}

export async function startHarness(options: Parameters<typeof startEmulator>[0] = {}): Promise<Harness> {
  const emulator = await startEmulator(options);
  const token = emulator.createToken({ contents: "write", deployments: "write", actions: "read" });
  const dir = await mkdtemp(join(tmpdir(), "mlops-action-test-"));
  return {
    emulator,
    token,
    client: emulatorClient(emulator, token),
    dir,
    close: async () => {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function headSha(client: GitHubClient, owner: string, repo: string): Promise<string> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner,
    repo,
    ref: "heads/main",
  });
  return data.object.sha;
}

/** Writes `files` (relative path → content) under `dir`. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

export interface StepOptions {
  harness: Harness;
  repository: string;
  sha: string;
  runId: number;
  runAttempt?: number;
  inputs: Record<string, string>;
  /** Working directory of the step. */
  cwd: string;
  /** Root of the folder artifact store (default `<harness dir>/artifacts/<runId>`). */
  artifactRoot?: string;
  token?: string;
  deps?: Partial<ActionDeps<GitHubClient>>;
}

/** The `GITHUB_*` and `INPUT_*` environment a runner gives a step. */
export function stepEnv(options: StepOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_SHA: options.sha,
    GITHUB_REF: "refs/heads/main",
    GITHUB_EVENT_NAME: "push",
    GITHUB_RUN_ID: String(options.runId),
    GITHUB_RUN_ATTEMPT: String(options.runAttempt ?? 1),
    GITHUB_WORKFLOW: "release",
    GITHUB_WORKFLOW_REF: `${options.repository}/.github/workflows/release.yml@refs/heads/main`,
    GITHUB_JOB: "release",
    GITHUB_ACTOR: "octocat",
    GITHUB_SERVER_URL: "https://github.localhost",
    GITHUB_API_URL: options.harness.emulator.url,
    GITHUB_WORKSPACE: options.cwd,
  };
  const inputs = { "github-token": options.token ?? options.harness.token, ...options.inputs };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

/** Runs an action's `main` in-process through `runAction`, with the memory runtime and the emulator. */
export async function runStep(
  main: (runtime: ActionRuntime, deps?: Partial<ActionDeps<GitHubClient>>) => Promise<void>,
  options: StepOptions,
): Promise<MemoryRuntime> {
  const runtime = createMemoryRuntime();
  const deps: Partial<ActionDeps<GitHubClient>> = {
    env: stepEnv(options),
    cwd: options.cwd,
    artifacts: createDirectoryArtifactStore(
      options.artifactRoot ?? join(options.harness.dir, "artifacts", String(options.runId)),
    ),
    createClient: emulatorClientFactory(),
    ...options.deps,
  };
  await runAction((rt) => main(rt, deps), runtime);
  return runtime;
}

/**
 * A folder-backed artifact store for tests (the Actions artifact service of a job run in-process): `<root>/<name>/…`. With `runId`, artifacts are kept per
 * run (`<root>/runs/<runId>/<name>/…`) and `download(name, dir, from)` / `list(from)` read another run's,
 * like the cross-run download of the real service.
 */
export function createDirectoryArtifactStore(root: string, options: { runId?: number } = {}): ArtifactStore {
  let nextId = 1;
  const folder = (runId: number | undefined) =>
    runId === undefined ? root : join(root, "runs", String(runId));
  return {
    async upload(name, files, rootDirectory) {
      const target = join(folder(options.runId), name);
      await mkdir(target, { recursive: true });
      let size = 0;
      for (const file of files) {
        const destination = join(target, relative(resolve(rootDirectory), resolve(file)));
        await mkdir(join(destination, ".."), { recursive: true });
        await cp(file, destination);
        size += (await stat(file)).size;
      }
      return { id: nextId++, size };
    },
    async download(name, directory, from) {
      const source = join(folder(from?.runId ?? options.runId), name);
      await readdir(source);
      await cp(source, directory, { recursive: true });
      return { path: directory };
    },
    async list(from) {
      const base = folder(from?.runId ?? options.runId);
      const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
      return entries
        .filter((entry) => entry.isDirectory() && !(base === root && entry.name === "runs"))
        .map((entry, index) => ({ id: index + 1, name: entry.name, size: 0 }));
    },
  };
}

/** A workflow run to register in the emulator (emulator-only routes; see the emulator's README). */
export interface EmulatedRun {
  owner: string;
  repo: string;
  /** e.g. `.github/workflows/mlops-pr-check.yml` */
  workflowPath: string;
  event: string;
  branch: string;
  sha: string;
  /** How the run ends (default `success`). */
  conclusion?: string;
}

/**
 * A completed workflow run in the emulator whose one job uploaded each of `artifacts` (name → files:
 * relative path → content) through the unmodified `@actions/artifact` client, as a `train` job does: real
 * zips in the emulator's artifact service, listed and downloadable over REST afterwards. The client reads
 * the job's `ACTIONS_RUNTIME_TOKEN`/`ACTIONS_RESULTS_URL` from `process.env`, so they are set there (with
 * `GITHUB_SERVER_URL` and `NO_PROXY`, docs/architecture.md "Testing without github.com"). Returns the run's
 * id and each artifact's id.
 */
export async function runWithArtifacts(
  emulator: Emulator,
  run: EmulatedRun,
  artifacts: Record<string, Record<string, string>>,
): Promise<{ runId: number; artifactIds: Record<string, number> }> {
  const admin = emulatorClient(emulator, emulator.createToken({ actions: "write" }));
  const where = { owner: run.owner, repo: run.repo };
  const { data: created } = await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs", {
    ...where,
    workflow_path: run.workflowPath,
    event: run.event,
    head_branch: run.branch,
    head_sha: run.sha,
  });
  const runId = (created as { id: number }).id;
  const { data: job } = await admin.request(
    "POST /_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
    {
      ...where,
      run_id: runId,
      name: "train",
      permissions: { contents: "read" },
    },
  );
  Object.assign(process.env, {
    ACTIONS_RUNTIME_TOKEN: (job as { runtime_token: string }).runtime_token,
    ACTIONS_RESULTS_URL: emulator.url,
    GITHUB_SERVER_URL: "https://github.localhost",
    NO_PROXY: "127.0.0.1,localhost",
  });
  const store = createActionsArtifactStore({ attempts: 1 });
  const artifactIds: Record<string, number> = {};
  for (const [name, files] of Object.entries(artifacts)) {
    const dir = await mkdtemp(join(tmpdir(), "mlops-artifact-src-"));
    try {
      await writeTree(dir, files);
      const paths = Object.keys(files).map((path) => join(dir, path));
      artifactIds[name] = (await store.upload(name, paths, dir)).id;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  await admin.request("POST /_emulator/repos/{owner}/{repo}/actions/runs/{run_id}/complete", {
    ...where,
    run_id: runId,
    conclusion: run.conclusion ?? "success",
  });
  return { runId, artifactIds };
}
