/**
 * Keyless (Sigstore) verification, the part every deploy loads: options, the TUF cache directory, the
 * repository-visibility probe, and `sigstoreBundleOpener`, whose first keyless bundle loads
 * sigstore-verify-impl.ts (@sigstore/verify, @sigstore/tuf, … : about 1 MiB bundled, its own chunk in the
 * action bundles). A key-signed or unsigned version never loads it (test/bundles.test.ts budget).
 */
import { homedir } from "node:os";
import { join } from "node:path";
import type { OpenBundle, SigstoreTrust } from "@mlops/core";
import type { TrustedRoot } from "@sigstore/protobuf-specs";
import type { GitHubClient } from "../client.js";
import { withGitHubErrors } from "../errors.js";

/** Where the public-good root from Sigstore's TUF repository is cached: `$RUNNER_TEMP/mlops-sigstore` or `~/.cache/mlops/sigstore`. */
export function sigstoreCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RUNNER_TEMP
    ? join(env.RUNNER_TEMP, "mlops-sigstore")
    : join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mlops", "sigstore");
}

export interface SigstoreOpenerOptions {
  trust: SigstoreTrust;
  /** Cache of the TUF client (default {@link sigstoreCacheDir}). */
  cacheDir?: string;
  /** Fetches the public-good root (default: @sigstore/tuf `getTrustedRoot`); tests replace it. */
  fetchPublicGoodRoot?: (cacheDir: string) => Promise<TrustedRoot>;
  /**
   * Whether the repository is private (or internal), asked only when `trust.instance` is unset and no
   * trusted root file is given: register signs a private repository with GitHub's instance. Without it,
   * public-good.
   */
  repositoryPrivate?: () => Promise<boolean>;
}

/** `repositoryPrivate` for `sigstoreBundleOpener`: `GET /repos/{owner}/{repo}` (private, or visibility internal). */
export function repositoryVisibility(
  client: GitHubClient,
  owner: string,
  repo: string,
): () => Promise<boolean> {
  return async () => {
    const { data } = await withGitHubErrors(
      { operation: "read the repository's visibility (which Sigstore instance signed)", owner, repo },
      () => client.request("GET /repos/{owner}/{repo}", { owner, repo }),
    );
    return data.private !== false || data.visibility === "internal";
  };
}

/**
 * Core's `OpenBundle` for Sigstore bundles, checked against `trust` (sigstore-verify-impl.ts). The
 * verifier and the trusted root are loaded on the first keyless bundle only (a key-signed version never
 * needs them, nor the network).
 */
export function sigstoreBundleOpener(options: SigstoreOpenerOptions): OpenBundle {
  let opener: Promise<OpenBundle> | undefined;
  return async (bundle, what) => {
    opener ??= import("./sigstore-verify-impl.js").then((impl) => impl.sigstoreBundleOpenerNow(options));
    return (await opener)(bundle, what);
  };
}
