/** Signing a DSSE bundle against the emulator's Sigstore stand-ins, as a job with `id-token: write` would. */
import { type Bundle, bundleFromJSON, bundleToJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { DSSEBundleBuilder, FulcioSigner, type IdentityProvider, type Witness } from "@sigstore/sign";
import { toTrustMaterial, Verifier } from "@sigstore/verify";
import { expect } from "vitest";
import type { Emulator } from "../../src/index.js";
import { registerRun } from "./actions-jobs.js";

export const REPO = "acme/models";
export const SHA = "1111111111111111111111111111111111111111";
export const WORKFLOW_REF = `${REPO}/.github/workflows/release.yml@refs/heads/main`;

export interface SigningJob {
  runId: number;
  idTokenUrl: string;
  idTokenRequest: string;
}

/** A run and a job with `id-token: write`, as the local runner registers them. */
export async function signingJob(target: Emulator, environment?: string): Promise<SigningJob> {
  const run = await registerRun(target.url, REPO, {
    workflow_path: ".github/workflows/release.yml",
    name: "release",
    head_sha: SHA,
  });
  const response = await fetch(`${target.url}/_emulator/repos/${REPO}/actions/runs/${run.id}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name: "register",
      permissions: { contents: "write", "id-token": "write" },
      oidc: {
        ref: "refs/heads/main",
        sha: SHA,
        workflow_ref: WORKFLOW_REF,
        job_workflow_ref: WORKFLOW_REF,
        ...(environment ? { environment } : {}),
      },
    }),
  });
  const job = (await response.json()) as { id_token_request_url: string; id_token_request_token: string };
  return { runId: run.id, idTokenUrl: job.id_token_request_url, idTokenRequest: job.id_token_request_token };
}

/** What `@actions/core`'s getIDToken does: `GET <url>&audience=…` with the request token. */
export async function idToken(job: SigningJob, audience = "sigstore"): Promise<string> {
  const response = await fetch(`${job.idTokenUrl}&audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `bearer ${job.idTokenRequest}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { value: string }).value;
}

const provider = (token: () => Promise<string>): IdentityProvider => ({ getToken: token });

export const STATEMENT = Buffer.from(
  JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "model.onnx", digest: { sha256: "a".repeat(64) } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: { buildDefinition: { buildType: "https://mlops.example/register/v1" } },
  }),
);

export async function signStatement(
  target: Emulator,
  token: () => Promise<string>,
  witness: Witness,
  statement: Buffer = STATEMENT,
): Promise<Bundle> {
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({
      fulcioBaseURL: target.sigstore.fulcioUrl,
      identityProvider: provider(token),
      retry: 0,
    }),
    witnesses: [witness],
  });
  // Through JSON and back, as a bundle stored in a release asset would travel.
  const bundle = await builder.create({ data: statement, type: "application/vnd.in-toto+json" });
  return bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(bundle))));
}

export async function verifier(target: Emulator, options: ConstructorParameters<typeof Verifier>[1]) {
  const root = TrustedRoot.fromJSON(await target.sigstore.trustedRoot());
  return new Verifier(toTrustMaterial(root), options);
}
