import * as core from "@actions/core";
import { InputError } from "@mlops/core";
import type { z } from "zod";
import { type ArtifactStore, createActionsArtifactStore } from "./artifact-store.js";
import { runCommand } from "./command.js";
import { type RunContext, readRunContext } from "./context.js";
import { environmentInputs, type InputSchema, readInputs } from "./inputs.js";
import { ghesLimits, githubPlatform, unavailableArtifactStore } from "./platform.js";
import type { ActionRuntime } from "./runtime.js";

/**
 * What an action's `main(runtime, deps)` talks to besides the runtime: the environment it reads inputs
 * and `GITHUB_*` from, the working directory, the artifact store, the command runner and a GitHub client
 * factory. Real defaults in the action; tests pass the emulator's URL, a folder store, etc.
 * `Client` is the GitHub client type (action-kit does not depend on the GitHub adapter).
 */
export interface ActionDeps<Client = unknown> {
  env: NodeJS.ProcessEnv;
  cwd: string;
  artifacts: ArtifactStore;
  runCommand: typeof runCommand;
  createClient: (options: { token: string; apiUrl: string }) => Client;
}

/** Fills the deps an action did not get with the real ones (process env and cwd, `@actions/artifact`, bash). */
export function withDefaultDeps<Client>(
  createClient: ActionDeps<Client>["createClient"],
  given: Partial<ActionDeps<Client>> = {},
): ActionDeps<Client> {
  const env = given.env ?? process.env;
  return {
    env,
    cwd: given.cwd ?? env.GITHUB_WORKSPACE ?? process.cwd(),
    artifacts:
      given.artifacts ??
      (githubPlatform(env.GITHUB_SERVER_URL) === "ghes"
        ? unavailableArtifactStore(env.GITHUB_SERVER_URL ?? "")
        : createActionsArtifactStore({ warn: (message) => core.warning(message) })),
    runCommand: given.runCommand ?? runCommand,
    createClient: given.createClient ?? createClient,
  };
}

/**
 * The start every action shares: the deps (real defaults for what the caller did not give), the inputs
 * read and validated against the action's schema (all problems at once), the `github-token` input masked
 * when the action has one, and the run context.
 */
export function startAction<S extends InputSchema, Client>(
  runtime: ActionRuntime,
  schema: S,
  given: Partial<ActionDeps<Client>>,
  createClient: ActionDeps<Client>["createClient"],
): { deps: ActionDeps<Client>; inputs: z.output<S>; context: RunContext } {
  const deps = withDefaultDeps(createClient, given);
  const inputs = readInputs(schema, environmentInputs(deps.env));
  const token = (inputs as Record<string, unknown>)["github-token"];
  if (typeof token === "string" && token) runtime.mask(token);
  // Said once at the start of every action, before any work: what cannot work on this server.
  if (githubPlatform(deps.env.GITHUB_SERVER_URL) === "ghes")
    runtime.log.warning(ghesLimits(deps.env.GITHUB_SERVER_URL ?? ""));
  return { deps, inputs, context: readRunContext(deps.env) };
}

/** `owner` and `repo` of the run; one clear error when `GITHUB_REPOSITORY` is not set. */
export function requireRepository(context: RunContext): { owner: string; repo: string } {
  if (!context.owner || !context.repo) throw new InputError("GITHUB_REPOSITORY is not set (owner/name)");
  return { owner: context.owner, repo: context.repo };
}
