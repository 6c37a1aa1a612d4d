/**
 * Test support, imported as `@mlops/github/testing` (never by the actions or the CLI): the one client every test
 * uses against `packages/github-emulator`, and the emulator seeding steps tests share (a commit, a pull request,
 * a fork pull request). The client is this package's own `createGitHubClient`, so tests exercise the retries,
 * timeouts and rate-limit handling the actions ship with — only tuned for a local server: no client-side
 * pacing, millisecond back-off, a 10 s request timeout.
 */
import { type ModelVersion, validateModelName } from "@mlops/core";
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from "./client.js";
import { versionOfAlias, versionTagName } from "./registry/names.js";
import { readModelRefs } from "./registry/refs.js";

/** The owner of the repositories the emulator seeds. */
export const OWNER = "acme";

/** What tests tune per client: more retries under injected faults, a captured log, an injected clock. */
export type EmulatorClientOptions = Partial<Omit<GitHubClientOptions, "token" | "apiUrl">>;

const EMULATOR_DEFAULTS: EmulatorClientOptions = {
  pacing: { writeIntervalMs: 0, notificationIntervalMs: 0 },
  retryBaseMs: 1,
  retries: 4,
  requestTimeoutMs: 10_000,
};

/**
 * A client for the emulator at `emulator.url` (or a URL string) with `token` (mint one with
 * `emulator.createToken(permissions)`); `options` override the local-server defaults.
 */
export function emulatorClient(
  emulator: { url: string } | string,
  token: string,
  options: EmulatorClientOptions = {},
): GitHubClient {
  const apiUrl = typeof emulator === "string" ? emulator : emulator.url;
  return createGitHubClient({ ...EMULATOR_DEFAULTS, ...options, token, apiUrl });
}

/** The same client as an action's `createClient` dependency (the action passes its token and `GITHUB_API_URL`). */
export function emulatorClientFactory(
  options: EmulatorClientOptions = {},
): (given: { token: string; apiUrl: string }) => GitHubClient {
  return ({ token, apiUrl }) => emulatorClient(apiUrl, token, options);
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

/**
 * The version `@alias` points at, read from the model's refs in one call (no release fetched), or undefined:
 * what tests check after a deploy or a promotion. (The product resolves aliases with `resolveModel`.)
 */
export async function aliasVersion(
  client: GitHubClient,
  options: { owner: string; repo: string; model: string; alias: string },
): Promise<{ version: ModelVersion; tag: string } | undefined> {
  const model = validateModelName(options.model);
  const refs = await readModelRefs(client, options.owner, options.repo, model);
  const version = versionOfAlias(refs, options.alias);
  return version === undefined ? undefined : { version, tag: versionTagName(model, version) };
}

/**
 * A GitHub Actions OIDC ID token from the emulator for a job of `repository` whose workflow is
 * `jobWorkflowRef` (`owner/repo/.github/workflows/f.yml@ref`), as a job with `id-token: write` gets it
 * (`ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with its request token). Registers a run and a job through the
 * emulator-only routes; the emulator's Fulcio stand-in certifies `${emulator.serverUrl}/${jobWorkflowRef}`.
 */
export async function emulatorIdToken(
  emulator: { url: string } | string,
  options: {
    repository: string;
    jobWorkflowRef: string;
    /** The top-level workflow (`workflow_ref`); default `jobWorkflowRef` (no reusable workflow). */
    workflowRef?: string;
    sha?: string;
    audience?: string;
  },
): Promise<string> {
  const base = typeof emulator === "string" ? emulator : emulator.url;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`POST ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const sha = options.sha ?? "1".repeat(40);
  const workflowRef = options.workflowRef ?? options.jobWorkflowRef;
  const ref = workflowRef.slice(workflowRef.indexOf("@") + 1);
  const workflowPath = workflowRef.slice(workflowRef.indexOf("/.github/") + 1, workflowRef.indexOf("@"));
  const run = await post(`/_emulator/repos/${options.repository}/actions/runs`, {
    workflow_path: workflowPath,
    event: "push",
    head_branch: ref.replace(/^refs\/heads\//, ""),
    head_sha: sha,
  });
  const job = await post(`/_emulator/repos/${options.repository}/actions/runs/${run.id}/jobs`, {
    name: "register",
    permissions: { contents: "write", "id-token": "write" },
    oidc: { ref, sha, workflow_ref: workflowRef, job_workflow_ref: options.jobWorkflowRef },
  });
  const response = await fetch(
    `${job.id_token_request_url}&audience=${encodeURIComponent(options.audience ?? "sigstore")}`,
    { headers: { authorization: `bearer ${job.id_token_request_token}` } },
  );
  if (response.status !== 200)
    throw new Error(`ID token request → ${response.status} ${await response.text()}`);
  return ((await response.json()) as { value: string }).value;
}
