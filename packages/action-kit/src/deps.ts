import { type ArtifactStore, createActionsArtifactStore } from "./artifact-store.js";
import { runCommand } from "./command.js";

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
    artifacts: given.artifacts ?? createActionsArtifactStore(),
    runCommand: given.runCommand ?? runCommand,
    createClient: given.createClient ?? createClient,
  };
}
