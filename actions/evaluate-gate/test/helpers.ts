import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ArtifactStore, createMemoryRuntime, type MemoryRuntime, runAction } from "@mlops/action-kit";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { buildRunManifest, type SweepCell } from "@mlops/core";
import { type GitHubClient, stickyMarker } from "@mlops/github";
import {
  emulatorClient,
  emulatorClientFactory,
  OWNER,
  openForkPullRequest,
  openPullRequest,
} from "@mlops/github/testing";
import { type Emulator, type EmulatorOptions, type Permissions, startEmulator } from "@mlops/github-emulator";
import { afterAll, afterEach, beforeAll } from "vitest";
import { main } from "../src/main.js";

export { emulatorClient, OWNER, openForkPullRequest, openPullRequest };

export const WRITE: Permissions = {
  contents: "read",
  actions: "read",
  checks: "write",
  statuses: "write",
  pull_requests: "write",
};

export const CONFIG = `version: 1
models:
  - name: churn
    metrics: [metrics.json]
    per_example: predictions.csv
    metric_specs:
      accuracy: { goal: maximize, precision: 4 }
      f1: { goal: maximize, precision: 4 }
    gate:
      rules:
        - "accuracy >= 0.80"
        - "f1 >= baseline - 0.01"
`;

/** What `useGateEmulator` gives a test file: read its fields inside tests (they are set in `beforeAll`). */
export interface GateEmulator {
  readonly emulator: Emulator;
  /** A client of `octocat` with `adminPermissions`, to set up PRs and read back what the gate wrote. */
  readonly admin: GitHubClient;
  /** The gate's token (`WRITE` unless told otherwise). */
  readonly token: string;
}

/**
 * One emulator for a test file: started in `beforeAll`, closed in `afterAll`, temp dirs removed after each
 * test. Spread it into `runGate({ ...gh, pr, … })` (the getters are read at that moment).
 */
export function useGateEmulator(
  adminPermissions: Permissions,
  options: { token?: Permissions; emulator?: EmulatorOptions } = {},
): GateEmulator {
  let emulator: Emulator | undefined;
  let admin: GitHubClient | undefined;
  let token: string | undefined;
  beforeAll(async () => {
    emulator = await startEmulator(options.emulator);
    admin = emulatorClient(emulator, emulator.createToken(adminPermissions, "octocat"));
    token = emulator.createToken(options.token ?? WRITE);
  });
  afterAll(() => emulator?.close());
  afterEach(removeTempDirs);
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useGateEmulator: read its fields inside tests, not at load");
    return value;
  };
  return {
    get emulator() {
      return ready(emulator);
    },
    get admin() {
      return ready(admin);
    },
    get token() {
      return ready(token);
    },
  };
}

const cleanups: string[] = [];
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}
export async function removeTempDirs(): Promise<void> {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true });
}

export type PullRequest = Awaited<ReturnType<typeof openPullRequest>>;

export interface GateRunOptions {
  emulator: Emulator;
  token: string;
  pr: PullRequest;
  workspace: string;
  inputs: Record<string, string>;
  store?: ArtifactStore;
  runId?: number;
  attempt?: number;
  fork?: boolean;
  eventName?: string;
  ref?: string;
  /** Fields of the `workflow_run` payload (companion runs), over the defaults. */
  workflowRun?: Record<string, unknown>;
}

/** A workspace with mlops.yml and the candidate's metrics (and per-example results). */
export async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await tempDir("gate-work-");
  await writeFile(join(dir, "mlops.yml"), CONFIG);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** Runs the action in-process, as the runner would for a `pull_request` event. */
export async function runGate(options: GateRunOptions): Promise<MemoryRuntime> {
  const { emulator, pr } = options;
  const eventPath = join(await tempDir("gate-event-"), "event.json");
  const full = `${OWNER}/${pr.repo}`;
  const companion = options.eventName === "workflow_run";
  await writeFile(
    eventPath,
    JSON.stringify(
      companion
        ? {
            workflow_run: {
              id: 1,
              head_sha: pr.headSha,
              event: "pull_request",
              path: ".github/workflows/pr.yml",
              ...options.workflowRun,
            },
          }
        : {
            pull_request: {
              number: pr.number,
              head: {
                sha: pr.headSha,
                ref: "feature",
                repo: { full_name: options.fork ? "mallory/fork" : full },
              },
              base: { ref: "main", repo: { full_name: full } },
            },
          },
    ),
  );
  const runId = options.runId ?? 500;
  const env: NodeJS.ProcessEnv = {
    GITHUB_REPOSITORY: full,
    GITHUB_EVENT_NAME: options.eventName ?? "pull_request",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SHA: pr.headSha,
    GITHUB_REF: options.ref ?? `refs/pull/${pr.number}/merge`,
    GITHUB_RUN_ID: String(runId),
    GITHUB_RUN_ATTEMPT: String(options.attempt ?? 1),
    GITHUB_WORKFLOW: "PR check",
    // A companion runs as its own workflow; the triggering run's file comes from the payload.
    GITHUB_WORKFLOW_REF: companion
      ? `${full}/.github/workflows/fork-report.yml@refs/heads/main`
      : `${full}/.github/workflows/pr.yml@refs/pull/${pr.number}/merge`,
    GITHUB_API_URL: emulator.url,
    GITHUB_SERVER_URL: "https://github.localhost",
    GITHUB_WORKSPACE: options.workspace,
    RUNNER_TEMP: await tempDir("gate-runner-temp-"),
    INPUT_METRICS: "metrics.json",
    "INPUT_GITHUB-TOKEN": options.token,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const runtime = createMemoryRuntime();
  await runAction(
    (rt) =>
      main(rt, {
        env,
        cwd: options.workspace,
        artifacts:
          options.store ?? createDirectoryArtifactStore(join(options.workspace, ".artifacts"), { runId }),
        createClient: emulatorClientFactory(),
      }),
    runtime,
  );
  return runtime;
}

/** The sticky comments of the gate on a PR (any author). */
export async function gateComments(client: GitHubClient, pr: PullRequest, key = "churn/pr.yml") {
  const all = await client.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: OWNER,
    repo: pr.repo,
    issue_number: pr.number,
    per_page: 100,
  });
  return all.filter((c) => c.body?.includes(stickyMarker(key)));
}

export async function checkRuns(client: GitHubClient, pr: PullRequest) {
  const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: OWNER,
    repo: pr.repo,
    ref: pr.headSha,
  });
  return data.check_runs;
}

/** Requests in the log that change something. */
export function writeRequests(emulator: Emulator) {
  return emulator.requestLog.filter((r) => r.method !== "GET" && r.method !== "HEAD");
}

export const metrics = (accuracy: number, f1: number) => JSON.stringify({ accuracy, f1 });

/** A `run.json` as `train` writes it, with these metrics (and, for a sweep, its cell as `sweep-cell` gives it). */
export function runManifest(values: Record<string, number>, attempt = 1, cell?: SweepCell): string {
  return buildRunManifest({
    model: "churn",
    commit: "c".repeat(40),
    ref: "refs/pull/1/merge",
    repository: `${OWNER}/fork`,
    run: { id: 9, attempt, url: "https://github.localhost/run/9", workflow: "pr.yml" },
    command: { exit_code: 0, duration_ms: 1 },
    params: {},
    metrics: values,
    files: [],
    data: [],
    runner: { os: "Linux", arch: "x64", node: "v20", name: "runner" },
    ...(cell ? { sweep: { cell: cell.id, values: cell.values } } : {}),
    created_at: new Date().toISOString(),
  });
}
