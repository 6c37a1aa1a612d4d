import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  findModel,
  InputError,
  loadConfig,
  type MetricSpec,
  type ModelConfig,
  metricSpecsOf,
} from "@mlops/core";
import { createGitHubClient, type GitHubClient } from "@mlops/github";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";

/** The model entry and metric specs from `--config` (optional unless given explicitly). */
export function loadModelConfig(
  cwd: string,
  configPath: string | undefined,
  model: string | undefined,
): { model?: ModelConfig; specs: Record<string, MetricSpec> } {
  if (configPath === undefined && !existsSync(resolve(cwd, "mlops.yml"))) return { specs: {} };
  const path = existingPath(cwd, configPath ?? "mlops.yml", "config file");
  const config = loadConfig(path);
  const entry = findModel(config, model, path);
  return { model: entry, specs: metricSpecsOf(config, entry) };
}

/** The token of `gh auth token` (the GitHub CLI's login), when `gh` is installed and logged in. */
function ghAuthToken(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const token = execFileSync("gh", ["auth", "token"], {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The repository and a client for the commands that talk to GitHub (`registry`, `gate` with a registry or
 * base-branch baseline): `--repo` (else `GITHUB_REPOSITORY`), `--api-url` (else `GITHUB_API_URL`), the token
 * from `GITHUB_TOKEN`, `GH_TOKEN`, else `gh auth token`.
 */
export function connectRepository(
  flags: { repo?: string; apiUrl?: string },
  io: CliIo,
): { client: GitHubClient; owner: string; repo: string; token: string } {
  const repository = flags.repo ?? io.env.GITHUB_REPOSITORY;
  const [owner, repo, extra] = (repository ?? "").split("/");
  if (!owner || !repo || extra !== undefined)
    throw new InputError("--repo: expected owner/name (or set GITHUB_REPOSITORY)");
  const token = io.env.GITHUB_TOKEN || io.env.GH_TOKEN || ghAuthToken(io.env);
  if (!token)
    throw new InputError(
      "no token: set GITHUB_TOKEN (a token with contents: read) or log in with `gh auth login`",
    );
  // MLOPS_WRITE_PACING_MS: the gap between content-creating requests (default: GitHub's guidance, about 1 s;
  // 0 is for the local emulator only — github.com answers a burst of writes with secondary rate limits).
  const pacingText = io.env.MLOPS_WRITE_PACING_MS;
  const pacingMs = pacingText === undefined ? undefined : Number(pacingText);
  if (pacingMs !== undefined && !(Number.isFinite(pacingMs) && pacingMs >= 0))
    throw new InputError(`MLOPS_WRITE_PACING_MS: expected a number of milliseconds, got "${pacingText}"`);
  const client = createGitHubClient({
    token,
    apiUrl: flags.apiUrl ?? io.env.GITHUB_API_URL ?? "https://api.github.com",
    ...(pacingMs !== undefined
      ? { pacing: { writeIntervalMs: pacingMs, notificationIntervalMs: pacingMs } }
      : {}),
  });
  return { client, owner, repo, token };
}
