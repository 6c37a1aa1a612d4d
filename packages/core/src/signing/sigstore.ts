/**
 * Which Sigstore keyless signing talks to (docs/architecture.md, "Signed model versions", keyless): chosen
 * from `registry.signing.sigstore` and the repository's visibility, never from the network.
 *
 * - `public-good` (Sigstore's public instance): Fulcio https://fulcio.sigstore.dev, Rekor
 *   https://rekor.sigstore.dev; every entry is public (it names the repository and workflow).
 * - `github` (GitHub's instance, what artifact attestations of private repositories use): Fulcio
 *   https://fulcio.githubapp.com and the timestamp authority https://timestamp.githubapp.com; no public log
 *   (https://docs.github.com/en/actions/security-for-github-actions/using-artifact-attestations/using-artifact-attestations-to-establish-provenance-for-builds).
 *
 * Default: `public-good` for a public repository, `github` for a private (or internal) one, so a private
 * repository's identity never goes to the public log unless the config says `public-good`. A URL in the
 * config overrides the instance's; `rekor_url` / `tsa_url` also add that witness to an instance without one.
 */
import type { SigstoreConfig } from "../config/schema.js";

export const PUBLIC_GOOD_FULCIO_URL = "https://fulcio.sigstore.dev";
export const PUBLIC_GOOD_REKOR_URL = "https://rekor.sigstore.dev";
export const GITHUB_FULCIO_URL = "https://fulcio.githubapp.com";
export const GITHUB_TSA_URL = "https://timestamp.githubapp.com/api/v1/timestamp";

export type SigstoreInstance = "public-good" | "github";

export interface SigstoreEndpoints {
  instance: SigstoreInstance;
  /** Why this instance: `registry.signing.sigstore.instance`, or the repository's visibility. */
  instanceFrom: "config" | "public repository" | "private repository";
  fulcioUrl: string;
  /** Rekor base URL, when entries go to a transparency log. */
  rekorUrl?: string;
  /** RFC 3161 timestamp URL (`…/api/v1/timestamp`), when a timestamp authority witnesses the signature. */
  tsaUrl?: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * The endpoints for `config` (`registry.signing.sigstore`) and a repository that is private or not
 * (`undefined` only when the config names the instance: the caller asks GitHub otherwise).
 */
export function sigstoreEndpoints(
  config: SigstoreConfig | undefined,
  repositoryPrivate: boolean | undefined,
): SigstoreEndpoints {
  const instance: SigstoreInstance =
    config?.instance ?? (repositoryPrivate === false ? "public-good" : "github");
  const instanceFrom = config?.instance
    ? "config"
    : repositoryPrivate === false
      ? "public repository"
      : "private repository";
  const rekor = config?.rekor_url ?? (instance === "public-good" ? PUBLIC_GOOD_REKOR_URL : undefined);
  const tsa = config?.tsa_url ?? (instance === "github" ? GITHUB_TSA_URL : undefined);
  return {
    instance,
    instanceFrom,
    fulcioUrl: trimSlash(
      config?.fulcio_url ?? (instance === "public-good" ? PUBLIC_GOOD_FULCIO_URL : GITHUB_FULCIO_URL),
    ),
    ...(rekor ? { rekorUrl: trimSlash(rekor) } : {}),
    ...(tsa ? { tsaUrl: trimSlash(tsa) } : {}),
  };
}
