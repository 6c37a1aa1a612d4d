import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GitHubError } from "@mlops/core";

/** The emulator-only routes the runner uses (docs/architecture.md, "Testing without github.com"); no product code depends on the emulator. */
export class EmulatorClient {
  constructor(
    private readonly apiUrl: string,
    private readonly repository: string,
  ) {}

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.request("POST", path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.apiUrl.replace(/\/$/, "")}/_emulator/repos/${this.repository}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { "content-type": "application/json", accept: "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new GitHubError(`cannot reach the emulator at ${this.apiUrl}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new GitHubError(`emulator ${path}: ${response.status} ${text.slice(0, 200)}`, {
        status: response.status,
      });
    }
    return JSON.parse(text) as T;
  }

  /** The commit a branch points at in the emulator (undefined when it does not exist or cannot be read). */
  async branchSha(branch: string): Promise<string | undefined> {
    const url = `${this.apiUrl.replace(/\/$/, "")}/repos/${this.repository}/commits/${encodeURIComponent(branch)}`;
    try {
      const response = await fetch(url, {
        headers: { accept: "application/vnd.github+json", authorization: "Bearer mlops-local-runner" },
      });
      if (!response.ok) return undefined;
      const body = (await response.json()) as { sha?: unknown };
      return typeof body.sha === "string" ? body.sha : undefined;
    } catch {
      return undefined;
    }
  }

  /** A run as `GET /repos/{o}/{r}/actions/runs/{run_id}` shows it (GitHub's workflow-run object). */
  async workflowRun(runId: number): Promise<Record<string, unknown>> {
    const url = `${this.apiUrl.replace(/\/$/, "")}/repos/${this.repository}/actions/runs/${runId}`;
    const response = await fetch(url, {
      headers: { accept: "application/vnd.github+json", authorization: "Bearer mlops-local-runner" },
    });
    const text = await response.text();
    if (!response.ok)
      throw new GitHubError(`emulator GET run ${runId}: ${response.status} ${text.slice(0, 200)}`, {
        status: response.status,
      });
    return JSON.parse(text) as Record<string, unknown>;
  }

  registerRun(body: {
    workflow_path: string;
    name: string;
    event: string;
    head_branch: string;
    head_sha: string;
    actor: string;
    rerun_of?: number;
    pull_request_number?: number;
    head_repository?: string;
  }): Promise<{ id: number; run_number: number; run_attempt: number; html_url: string }> {
    return this.post("/actions/runs", body);
  }

  registerJob(
    runId: number,
    body: {
      name: string;
      permissions: Record<string, string>;
      /** Facts for the OIDC ID token's claims (used when the job has `id-token: write`). */
      oidc?: Record<string, string>;
    },
  ): Promise<{
    job_id: number;
    github_token: string;
    runtime_token: string;
    results_url: string;
    id_token_request_url?: string;
    id_token_request_token?: string;
  }> {
    return this.post(`/actions/runs/${runId}/jobs`, body);
  }

  /** GitHub's own deployment for a job that references an environment (not with `deployment: false`). */
  createJobDeployment(
    runId: number,
    jobId: number,
    body: { environment: string; environment_url?: string },
  ): Promise<{ id: number }> {
    return this.post(`/actions/runs/${runId}/jobs/${jobId}/deployment`, body);
  }

  /** The job ended: its deployment gets the job's result. */
  completeJobDeployment(
    runId: number,
    jobId: number,
    deploymentId: number,
    body: { state: "success" | "failure" | "error"; environment_url?: string },
  ): Promise<unknown> {
    return this.post(`/actions/runs/${runId}/jobs/${jobId}/deployment/${deploymentId}/statuses`, body);
  }

  completeRun(runId: number, conclusion: string): Promise<unknown> {
    return this.post(`/actions/runs/${runId}/complete`, { conclusion });
  }

  /** Registers that a job waits for the environment's required reviewers (`approved` at once without any). */
  waitForEnvironment(runId: number, body: { environment: string; job: string }): Promise<EnvironmentWait> {
    return this.post(`/actions/runs/${runId}/environment-waits`, body);
  }

  environmentWait(runId: number, waitId: number): Promise<EnvironmentWait> {
    return this.request("GET", `/actions/runs/${runId}/environment-waits/${waitId}`);
  }

  /** The job stops waiting (it gave up): reviewers can no longer approve it. */
  withdrawEnvironmentWait(runId: number, waitId: number): Promise<EnvironmentWait> {
    return this.request("DELETE", `/actions/runs/${runId}/environment-waits/${waitId}`);
  }
}

export interface EnvironmentWait {
  id: number;
  environment: string;
  state: "waiting" | "approved" | "rejected" | "withdrawn";
  reviewer: string | null;
  comment: string | null;
  reviewers: string[];
}

/**
 * The `MLOPS_SIGSTORE_*` variables (`SIGSTORE_ENV` in @mlops/core) that point a job's keyless signing and
 * verification at the emulator's Sigstore stand-ins, when it serves them (`GET /_sigstore/trusted_root.json`,
 * packages/github-emulator src/sigstore): its Fulcio (which alone accepts the ID tokens the emulator
 * issues), Rekor, timestamp authority, trusted root (written to `dir`) and OIDC issuer. As on GitHub, where
 * the jobs' tokens go to GitHub's Sigstore, the runner's go to the emulator's. Empty when it serves none.
 */
export async function emulatorSigstoreEnv(apiUrl: string, dir: string): Promise<Record<string, string>> {
  const base = apiUrl.replace(/\/$/, "");
  let root: string;
  try {
    const response = await fetch(`${base}/_sigstore/trusted_root.json`);
    if (!response.ok) return {};
    root = await response.text();
  } catch {
    return {};
  }
  const path = join(dir, "sigstore-trusted-root.json");
  writeFileSync(path, root);
  return {
    MLOPS_SIGSTORE_FULCIO_URL: `${base}/_sigstore/fulcio`,
    MLOPS_SIGSTORE_REKOR_URL: `${base}/_sigstore/rekor`,
    MLOPS_SIGSTORE_TSA_URL: `${base}/_sigstore/tsa/api/v1/timestamp`,
    MLOPS_SIGSTORE_TRUSTED_ROOT: path,
    MLOPS_SIGSTORE_OIDC_ISSUER: `${base}/_emulator/actions/oidc`,
  };
}
