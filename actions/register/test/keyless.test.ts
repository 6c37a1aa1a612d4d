/**
 * The register action signs keyless (issue 17 item 3): `signing: auto` with no `signing-key` and a job that
 * can get an OIDC ID token (`id-token: write`: ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN) signs through the
 * Sigstore instance `registry.signing.sigstore` names (here the emulator's stand-ins), stores the artifact
 * attestation and says who signed (`signed-by`, `attestation-id`); without an ID token a required signature
 * is refused before anything is written.
 */
import { join } from "node:path";
import {
  type Harness,
  headSha,
  runStep,
  type StepOptions,
  startHarness,
  stepEnv,
  writeTree,
} from "@mlops/action-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as register } from "../src/main.js";

const OWNER = "acme";
let harness: Harness;
let token: string;

beforeAll(async () => {
  harness = await startHarness();
  token = harness.emulator.createToken({ contents: "write", attestations: "write" });
});
afterAll(async () => {
  await harness.close();
});

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${harness.emulator.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** What the runner gives a job with `id-token: write`: the ID-token request URL and token. */
async function idTokenEnv(repo: string, sha: string): Promise<NodeJS.ProcessEnv> {
  const workflowRef = `${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main`;
  const run = await post(`/_emulator/repos/${OWNER}/${repo}/actions/runs`, {
    workflow_path: ".github/workflows/release.yml",
    name: "release",
    event: "push",
    head_branch: "main",
    head_sha: sha,
  });
  const job = await post(`/_emulator/repos/${OWNER}/${repo}/actions/runs/${run.id}/jobs`, {
    name: "register",
    permissions: { contents: "write", "id-token": "write", attestations: "write" },
    oidc: { ref: "refs/heads/main", sha, workflow_ref: workflowRef, job_workflow_ref: workflowRef },
  });
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: String(job.id_token_request_url),
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: String(job.id_token_request_token),
  };
}

let runIds = 7000;
async function registerStep(
  repo: string,
  options: { idToken: boolean; config: string; inputs?: Record<string, string> },
) {
  const cwd = join(harness.dir, repo, `register-${runIds}`);
  await writeTree(cwd, {
    "model.bin": "weights",
    "metrics.json": '{"accuracy": 0.9}',
    "mlops.yml": options.config,
  });
  const sha = await headSha(harness.client, OWNER, repo);
  const step: StepOptions = {
    harness,
    repository: `${OWNER}/${repo}`,
    sha,
    runId: runIds++,
    cwd,
    token,
    inputs: {
      "model-name": "fraud",
      files: "model.bin",
      metrics: "metrics.json",
      dispatch: "false",
      ...options.inputs,
    },
  };
  const env = { ...stepEnv(step), ...(options.idToken ? await idTokenEnv(repo, sha) : {}) };
  return runStep(register, { ...step, deps: { env } });
}

const config = () =>
  [
    "version: 1",
    "models:",
    "  - name: fraud",
    "    metrics: [metrics.json]",
    "registry:",
    "  signing:",
    "    required: true",
    "    sigstore:",
    `      fulcio_url: ${harness.emulator.sigstore.fulcioUrl}`,
    `      rekor_url: ${harness.emulator.sigstore.rekorUrl}`,
    "",
  ].join("\n");

async function releases(repo: string) {
  const { data } = await harness.client.request("GET /repos/{owner}/{repo}/releases", { owner: OWNER, repo });
  return data;
}

describe("register: keyless signing", () => {
  it("auto signs keyless in a job with id-token: write: bundles on the release, attestation stored, signer named", async () => {
    const repo = "keyless-action";
    const step = await registerStep(repo, { idToken: true, config: config() });
    expect(step.failure).toBeUndefined();
    const san = `https://github.localhost/${OWNER}/${repo}/.github/workflows/release.yml@refs/heads/main`;
    expect(step.outputs["signed-by"]).toBe(san);
    expect(step.outputs["attestation-id"]).toMatch(/^\d+$/);
    const [release] = await releases(repo);
    expect(release?.draft).toBe(false);
    expect(release?.assets.map((a) => a.name).sort()).toEqual(
      ["SHA256SUMS", "model.bin", "model.json", "model.sig", "provenance.sigstore.json"].sort(),
    );
    const text = step.lines.map((l) => l.message).join("\n");
    expect(text).toContain(`gh attestation verify <file> --repo ${OWNER}/${repo}`);
    // The ID token never reaches the log in clear.
    expect(step.masked.some((m) => m.split(".").length === 3)).toBe(true);
  });

  it("without an ID token and no key, a required signature is refused before anything is written", async () => {
    const repo = "keyless-no-token";
    const step = await registerStep(repo, { idToken: false, config: config() });
    expect(step.failure).toMatch(
      /^mlops\.yml: registry\.signing\.required is true, but the version cannot be signed: no signing-key was given, and this job cannot sign keyless \(no OIDC ID token: grant the job `permissions: id-token: write`/,
    );
    expect(await releases(repo)).toEqual([]);
    const keyless = await registerStep(repo, {
      idToken: false,
      config: config(),
      inputs: { signing: "keyless" },
    });
    expect(keyless.failure).toMatch(/^signing: keyless, but this job cannot get a GitHub OIDC ID token/);
    expect(await releases(repo)).toEqual([]);
  });
});
