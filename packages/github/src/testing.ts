/**
 * Test support, imported as `@mlops/github/testing` (never by the actions or the CLI): the one client every test
 * uses against `packages/github-emulator`, and the emulator seeding steps tests share (a commit, a pull request,
 * a fork pull request). The client is this package's own `createGitHubClient`, so tests exercise the retries,
 * timeouts and rate-limit handling the actions ship with — only tuned for a local server: no client-side
 * pacing, millisecond back-off, a 10 s request timeout.
 */
import {
  buildModelSigningStatement,
  buildProvenanceStatement,
  IN_TOTO_PAYLOAD_TYPE,
  type InTotoStatement,
  MODEL_SIGNATURE_ASSET,
  type ModelVersion,
  SIGSTORE_PROVENANCE_ASSET,
  type VersionSigner,
  validateModelName,
} from "@mlops/core";
import { bundleToJSON } from "@sigstore/bundle";
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness } from "@sigstore/sign";
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
 * A keyless `VersionSigner` for tests: `provenance.sigstore.json` and `model.sig` as Sigstore bundles made
 * by @sigstore/sign (FulcioSigner with `idToken`, then RekorWitness and/or TSAWitness) against the given
 * Fulcio/Rekor/TSA base URLs — the emulator's stand-ins. Only what verification tests need; register's own
 * keyless signer is product code.
 */
export function keylessTestSigner(options: {
  fulcioUrl: string;
  rekorUrl?: string;
  tsaUrl?: string;
  /** The Rekor entry kind (default `dsse`). */
  entryType?: "dsse" | "intoto";
  idToken: () => Promise<string>;
}): VersionSigner {
  const entryType = options.entryType ?? "dsse";
  const witnesses = [
    ...(options.rekorUrl ? [new RekorWitness({ rekorBaseURL: options.rekorUrl, entryType })] : []),
    ...(options.tsaUrl ? [new TSAWitness({ tsaBaseURL: options.tsaUrl })] : []),
  ];
  const sign = async (statement: InTotoStatement) => {
    const signer = new FulcioSigner({
      fulcioBaseURL: options.fulcioUrl,
      identityProvider: { getToken: options.idToken },
    });
    const bundle = await new DSSEBundleBuilder({ signer, witnesses }).create({
      data: Buffer.from(JSON.stringify(statement), "utf8"),
      type: IN_TOTO_PAYLOAD_TYPE,
    });
    return `${JSON.stringify(bundleToJSON(bundle))}\n`;
  };
  return {
    description: "Sigstore (test)",
    sign: async (files, facts) => [
      {
        name: SIGSTORE_PROVENANCE_ASSET,
        content: await sign(buildProvenanceStatement(files, facts)),
        contentType: "application/json",
      },
      {
        name: MODEL_SIGNATURE_ASSET,
        content: await sign(buildModelSigningStatement(facts.model, files)),
        contentType: "application/json",
      },
    ],
  };
}
