import { ConfigError } from "@mlops/core";
import type { ArtifactStore } from "./artifact-store.js";

/** Where the run happens: github.com, GHE.com (GitHub Enterprise Cloud with data residency), or a GHES. */
export type GitHubPlatform = "github.com" | "ghe.com" | "ghes";

/**
 * The platform of `GITHUB_SERVER_URL`, by the rule `@actions/artifact` itself applies (`isGhes()` in
 * `lib/internal/shared/config.js`): host `github.com`, `*.ghe.com` (GHE.com) and `*.localhost` (GitHub's
 * and this project's local stand-ins) are not GitHub Enterprise Server; any other host is.
 */
export function githubPlatform(serverUrl: string | undefined): GitHubPlatform {
  let host: string;
  try {
    host = new URL(serverUrl || "https://github.com").hostname.trim().toLowerCase();
  } catch {
    return "ghes";
  }
  if (host === "github.com" || host.endsWith(".localhost")) return "github.com";
  if (host.endsWith(".ghe.com")) return "ghe.com";
  return "ghes";
}

/** What does not work on GitHub Enterprise Server, with the sources (root README, same section). */
export function ghesLimits(serverUrl: string): string {
  return (
    `GitHub Enterprise Server detected (GITHUB_SERVER_URL=${serverUrl}). Not available there: ` +
    "the Actions artifact service that @actions/artifact ≥ 2 and upload/download-artifact@v4 use " +
    "(GHESNotSupportedError; github/roadmap#930), so the train → gate → register hand-over by artifact " +
    "does not work — pass files and run.json within one job instead; `environment: {deployment: false}` " +
    "(github.com and GHE.com only: remove it, and expect a second, job-level deployment per deploy). " +
    "See the README section " +
    '"Deployments, concurrency and GitHub Enterprise Server".'
  );
}

/**
 * The artifact store on GitHub Enterprise Server: every use fails with one clear line at once, instead of
 * `GHESNotSupportedError` deep in a run. `unavailable` lets an action refuse before it does any work.
 */
export function unavailableArtifactStore(serverUrl: string): ArtifactStore {
  const reason =
    `The Actions artifact service is not available on GitHub Enterprise Server (${serverUrl}): ` +
    "@actions/artifact ≥ 2 refuses it (GHESNotSupportedError; github/roadmap#930). Pass the files " +
    "directly (train with upload-artifact: false, then register with files: or manifest: in the same job).";
  const refuse = async (): Promise<never> => {
    throw new ConfigError(reason);
  };
  return { unavailable: reason, upload: refuse, download: refuse, list: refuse };
}
