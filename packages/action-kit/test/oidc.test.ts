// The job's OIDC ID token for keyless signing (issue 17 item 3): requested as @actions/core's getIDToken
// does, from the env the action was given, against the emulator's Actions OIDC endpoint.
import { startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idTokenAvailable, idTokenRequester } from "../src/oidc.js";

let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** A job of a run in acme/oidc with `permissions`; its ID-token request URL and token when it has id-token: write. */
async function job(permissions: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const run = await post("/_emulator/repos/acme/oidc/actions/runs", {
    workflow_path: ".github/workflows/release.yml",
    event: "push",
    head_branch: "main",
    head_sha: "0000000000000000000000000000000000000001",
  });
  const registered = await post(`/_emulator/repos/acme/oidc/actions/runs/${run.id}/jobs`, {
    name: "register",
    permissions,
    oidc: { job_workflow_ref: "acme/oidc/.github/workflows/release.yml@refs/heads/main" },
  });
  return {
    ...(typeof registered.id_token_request_url === "string"
      ? { ACTIONS_ID_TOKEN_REQUEST_URL: registered.id_token_request_url }
      : {}),
    ...(typeof registered.id_token_request_token === "string"
      ? { ACTIONS_ID_TOKEN_REQUEST_TOKEN: registered.id_token_request_token }
      : {}),
  };
}

const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;

describe("idTokenRequester", () => {
  it("gets an ID token for the asked audience in a job with id-token: write", async () => {
    const env = await job({ contents: "write", "id-token": "write" });
    expect(idTokenAvailable(env)).toBe(true);
    const token = await idTokenRequester(env)?.("sigstore");
    expect(claims(token ?? "")).toMatchObject({
      aud: "sigstore",
      repository: "acme/oidc",
      job_workflow_ref: "acme/oidc/.github/workflows/release.yml@refs/heads/main",
    });
  });

  it("is absent without id-token: write, and a refused request is one error with the status", async () => {
    const env = await job({ contents: "write" });
    expect(idTokenAvailable(env)).toBe(false);
    expect(idTokenRequester(env)).toBeUndefined();
    const forged = idTokenRequester({
      ACTIONS_ID_TOKEN_REQUEST_URL: `${emulator.url}/_emulator/actions/oidc/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "not-a-request-token",
    });
    await expect(forged?.("sigstore")).rejects.toThrow(/the ID token request answered 401/);
  });
});
