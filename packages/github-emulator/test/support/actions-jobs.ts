/** Registers runs and jobs through the emulator-only routes and runs `@actions/artifact` as a job would. */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const CLIENT = fileURLToPath(new URL("./artifact-client.mjs", import.meta.url));

export interface RegisteredRun {
  id: number;
  run_number: number;
  run_attempt: number;
  html_url: string;
}

export interface RegisteredJob {
  job_id: number;
  github_token: string;
  runtime_token: string;
  results_url: string;
}

async function post<T>(baseUrl: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`POST ${path} → ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export function registerRun(
  baseUrl: string,
  repo: string,
  body: Record<string, unknown> = {},
): Promise<RegisteredRun> {
  return post(baseUrl, `/_emulator/repos/${repo}/actions/runs`, {
    workflow_path: ".github/workflows/ci.yml",
    event: "push",
    head_branch: "main",
    head_sha: "0000000000000000000000000000000000000001",
    ...body,
  });
}

export function registerJob(
  baseUrl: string,
  repo: string,
  runId: number,
  name: string,
  permissions: Record<string, string> = { actions: "read" },
): Promise<RegisteredJob> {
  return post(baseUrl, `/_emulator/repos/${repo}/actions/runs/${runId}/jobs`, { name, permissions });
}

export function completeRun(
  baseUrl: string,
  repo: string,
  runId: number,
  conclusion: string,
): Promise<unknown> {
  return post(baseUrl, `/_emulator/repos/${repo}/actions/runs/${runId}/complete`, { conclusion });
}

/** The environment a runner gives a step (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, …; see docs/architecture.md, "Testing without github.com"). */
export function jobEnv(baseUrl: string, job: RegisteredJob): Record<string, string> {
  return {
    ACTIONS_RUNTIME_TOKEN: job.runtime_token,
    ACTIONS_RESULTS_URL: job.results_url,
    GITHUB_API_URL: baseUrl,
    GITHUB_SERVER_URL: "https://github.localhost",
    NO_PROXY: "127.0.0.1,localhost",
  };
}

export type ClientOutcome<T> =
  | { ok: true; result: T }
  | { ok: false; error: { name: string; message: string } };

/** Runs one `@actions/artifact` operation in a fresh `node` process with the job's environment. */
export function runArtifactClient<T = Record<string, unknown>>(
  env: Record<string, string>,
  operation: Record<string, unknown>,
): Promise<ClientOutcome<T>> {
  const { PATH, HOME, TMPDIR } = process.env;
  const childEnv = { PATH: PATH ?? "", HOME: HOME ?? "", ...(TMPDIR ? { TMPDIR } : {}), ...env };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLIENT, JSON.stringify(operation)],
      { env: childEnv, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout, stderr) => {
        const line = stdout
          .split("\n")
          .findLast((l) => l.startsWith("@@RESULT ") || l.startsWith("@@ERROR "));
        if (!line) return reject(new Error(`artifact client printed no result:\n${stdout}\n${stderr}`));
        const payload = JSON.parse(line.slice(line.indexOf(" ") + 1)) as never;
        resolve(line.startsWith("@@RESULT ") ? { ok: true, result: payload } : { ok: false, error: payload });
      },
    );
  });
}

/** The `Actions.Results:<run>:<job>` backend ids inside a runtime token. */
export function backendIds(runtimeToken: string): { run: string; job: string } {
  const payload = JSON.parse(Buffer.from(runtimeToken.split(".")[1] ?? "", "base64url").toString("utf8")) as {
    scp: string;
  };
  const scope = payload.scp.split(" ").find((s) => s.startsWith("Actions.Results:")) ?? "";
  const [, run = "", job = ""] = scope.split(":");
  return { run, job };
}

/**
 * Uploads `content` the way the client does, with plain fetch (CreateArtifact → one staged block → block
 * list → FinalizeArtifact): quick, for tests that need many artifacts.
 */
export async function uploadWithProtocol(job: RegisteredJob, name: string, content: string): Promise<number> {
  const ids = backendIds(job.runtime_token);
  const twirp = async (method: string, body: Record<string, unknown>) => {
    const response = await fetch(
      `${job.results_url}/twirp/github.actions.results.api.v1.ArtifactService/${method}`,
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${job.runtime_token}` },
        body: JSON.stringify({
          workflow_run_backend_id: ids.run,
          workflow_job_run_backend_id: ids.job,
          ...body,
        }),
      },
    );
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status !== 200) throw new Error(`${method} → ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const { signed_upload_url } = await twirp("CreateArtifact", {
    name,
    version: 7,
    mime_type: "application/zip",
  });
  const blockId = Buffer.from("block-0000").toString("base64");
  const block = new URL(String(signed_upload_url));
  block.searchParams.set("comp", "block");
  block.searchParams.set("blockid", blockId);
  if ((await fetch(block, { method: "PUT", body: content })).status !== 201) throw new Error("block refused");
  const list = new URL(String(signed_upload_url));
  list.searchParams.set("comp", "blocklist");
  const xml = `<?xml version="1.0" encoding="UTF-8"?><BlockList><Latest>${blockId}</Latest></BlockList>`;
  if ((await fetch(list, { method: "PUT", body: xml })).status !== 201) throw new Error("block list refused");
  const hash = createHash("sha256").update(content).digest("hex");
  const size = String(Buffer.byteLength(content));
  const { artifact_id } = await twirp("FinalizeArtifact", { name, size, hash: `sha256:${hash}` });
  return Number(artifact_id);
}
