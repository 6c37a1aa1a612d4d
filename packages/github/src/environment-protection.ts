import { ConfigError } from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { githubErrorReason, withGitHubErrors } from "./errors.js";

/** What protects a GitHub environment, as `GET /repos/{owner}/{repo}/environments/{environment_name}` reports it. */
export interface EnvironmentProtection {
  environment: string;
  exists: boolean;
  /** Logins (and team slugs) of the required reviewers. */
  reviewers: string[];
  /** Minutes a deployment waits (0: none). */
  waitTimer: number;
  /** Protection rule types present (`required_reviewers`, `wait_timer`, `branch_policy`, custom rules). */
  rules: string[];
}

interface EnvironmentData {
  protection_rules?: Array<{
    type: string;
    wait_timer?: number;
    reviewers?: Array<{ type?: string; reviewer?: { login?: string; slug?: string } | null }>;
  }>;
}

/**
 * Reads an environment's protection rules (`GET /repos/{owner}/{repo}/environments/{environment_name}`,
 * docs "REST API endpoints for deployment environments", https://docs.github.com/en/rest/deployments/environments#get-an-environment;
 * fine-grained and `GITHUB_TOKEN` permission: actions: read). 1 call; `exists: false` on 404.
 */
export async function readEnvironmentProtection(
  client: GitHubClient,
  options: { owner: string; repo: string; environment: string },
): Promise<EnvironmentProtection> {
  const { owner, repo, environment } = options;
  let data: EnvironmentData;
  try {
    ({ data } = (await client.request("GET /repos/{owner}/{repo}/environments/{environment_name}", {
      owner,
      repo,
      environment_name: environment,
    })) as { data: EnvironmentData });
  } catch (error) {
    if (githubErrorReason(error) === "not-found")
      return { environment, exists: false, reviewers: [], waitTimer: 0, rules: [] };
    throw error;
  }
  const rules = data.protection_rules ?? [];
  return {
    environment,
    exists: true,
    reviewers: rules
      .filter((r) => r.type === "required_reviewers")
      .flatMap((r) => r.reviewers ?? [])
      .map((r) => r.reviewer?.login ?? r.reviewer?.slug ?? "")
      .filter((name) => name !== ""),
    waitTimer: rules.find((r) => r.type === "wait_timer")?.wait_timer ?? 0,
    rules: rules.map((r) => r.type),
  };
}

/**
 * Refuses (ConfigError, before anything is written) when the config requires `environment` to be
 * protected and its GitHub environment has no required reviewers: then anyone whose workflow can reach the
 * deploy step could move `@<environment>` without an approval.
 */
export async function requireEnvironmentProtection(
  client: GitHubClient,
  options: { owner: string; repo: string; environment: string; model: string },
): Promise<EnvironmentProtection> {
  const { owner, repo, environment, model } = options;
  const protection = await withGitHubErrors(
    { operation: `read the protection rules of environment ${environment}`, owner, repo },
    () => readEnvironmentProtection(client, options),
  );
  const where = `the config requires environment '${environment}' of ${model} to be protected (require_protection: true)`;
  if (!protection.exists)
    throw new ConfigError(
      `Not deploying: ${where}, but ${owner}/${repo} has no environment '${environment}'. Create it with required reviewers (Settings → Environments); @${environment} was not moved.`,
    );
  if (protection.reviewers.length === 0)
    throw new ConfigError(
      `Not deploying: ${where}, but its GitHub environment has no required reviewers (rules: ${protection.rules.join(", ") || "none"}). Add required reviewers in Settings → Environments → ${environment}; @${environment} was not moved.`,
    );
  return protection;
}
