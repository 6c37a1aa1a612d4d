import {
  type AliasMove,
  environmentAlias,
  type ModelVersion,
  parseReleaseMetadata,
  validateModelName,
} from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { githubErrorReason, withGitHubErrors } from "../errors.js";
import { type GitHubLog, silentLog } from "../log.js";
import { listAllPages } from "../paginate.js";
import { versionOfAlias, versionTagName } from "./names.js";
import { readModelRefs } from "./refs.js";

export interface AliasHistoryOptions {
  owner: string;
  repo: string;
  model: string;
  /** Only this alias (`production`); default every alias a deployment moved. */
  alias?: string;
  /** Only moves at or after this time (every deployment's statuses are still read: a move is dated by its success). */
  since?: Date;
  log?: GitHubLog;
}

export interface AliasHistory {
  moves: AliasMove[];
  /** API requests made, for the stated bound. */
  calls: number;
  /** What could not be read (e.g. no `actions: read`: approvals unknown), said rather than hidden. */
  gaps: string[];
}

interface DeploymentData {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  created_at: string;
  payload: unknown;
  creator: { login: string } | null;
}

interface StatusData {
  state: string;
  created_at: string;
}

function payloadOf(deployment: DeploymentData): { version?: ModelVersion; runId?: string } {
  let payload = deployment.payload;
  if (typeof payload === "string") {
    try {
      payload = JSON.parse(payload) as unknown;
    } catch {
      return {};
    }
  }
  const { version, runId } = (payload ?? {}) as { version?: unknown; runId?: unknown };
  return {
    ...(version !== undefined && version !== null ? { version: String(version) } : {}),
    ...(typeof runId === "string" ? { runId } : {}),
  };
}

/**
 * Every move of the model's aliases by a deployment, oldest first: when (the `success` status), which
 * version (and the one before), who triggered it (the workflow run's triggering actor, else the
 * deployment's creator), who approved it (the run's environment approvals,
 * `GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`), the run, the commit and its pull request
 * (`GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls`) and the run that registered the version (the
 * release's metadata block).
 *
 * Calls: ⌈D/100⌉ deployment pages + D status lists (one per deployment of the model, of the alias's environment with `alias`) +
 * 2 per distinct workflow run (run, approvals) + 2 per distinct version (release by tag, commit → pulls) +
 * 2 (the model's refs: an alias that no longer names its last deployment's version is reported in `gaps`).
 *
 * Only deployments move environment aliases through GitHub's record: an alias moved with
 * `registry promote --alias` or `register --aliases` is a ref update, and GitHub keeps no history of refs.
 */
export async function aliasHistory(
  client: GitHubClient,
  options: AliasHistoryOptions,
): Promise<AliasHistory> {
  const { owner, repo } = options;
  const model = validateModelName(options.model);
  const log = options.log ?? silentLog;
  let calls = 0;
  const gaps = new Set<string>();
  const counted = async <T>(request: () => Promise<T>): Promise<T> => {
    calls += 1;
    return request();
  };
  /** undefined when the object is gone (404) or not readable with this token (403: said in gaps). */
  const optional = async <T>(what: string, request: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await counted(request);
    } catch (error) {
      const reason = githubErrorReason(error);
      if (reason === "not-found") return undefined;
      if (reason === "permission") {
        gaps.add(`${what}: not readable with this token (${(error as Error).message.split("\n")[0]})`);
        return undefined;
      }
      throw error;
    }
  };
  return withGitHubErrors({ operation: `history of ${model}`, owner, repo }, async () => {
    const pagesBefore = calls;
    const all = await counted(() =>
      listAllPages<DeploymentData>(client, "GET /repos/{owner}/{repo}/deployments", {
        owner,
        repo,
        task: `deploy:${model}`,
      }),
    );
    calls = pagesBefore + Math.max(1, Math.ceil(all.length / 100));
    const since = options.since?.getTime();
    const deployments = all
      .map((d) => ({ ...d, id: Number(d.id) }))
      .filter((d) => options.alias === undefined || environmentAlias(d.environment) === options.alias)
      .sort((a, b) => a.id - b.id);

    const runs = new Map<
      string,
      Promise<
        | {
            actor: string | null;
            url: string | null;
            approvals: Array<{ user: string; state: string; comment: string; environments: string[] }>;
          }
        | undefined
      >
    >();
    const runOf = (runId: string) => {
      let found = runs.get(runId);
      if (!found) {
        found = (async () => {
          const run = await optional("workflow runs (actions: read)", () =>
            client.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
              owner,
              repo,
              run_id: Number(runId),
            }),
          );
          if (!run) return undefined;
          const data = run.data as {
            triggering_actor?: { login: string } | null;
            actor?: { login: string } | null;
            html_url?: string;
          };
          const approvals = await optional("environment approvals (actions: read)", () =>
            client.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals", {
              owner,
              repo,
              run_id: Number(runId),
            }),
          );
          return {
            actor: data.triggering_actor?.login ?? data.actor?.login ?? null,
            url: data.html_url ?? null,
            approvals: (
              (approvals?.data ?? []) as Array<{
                state: string;
                comment: string;
                user: { login: string };
                environments: Array<{ name?: string }>;
              }>
            ).map((a) => ({
              user: a.user.login,
              state: a.state,
              comment: a.comment,
              environments: a.environments.map((e) => e.name ?? ""),
            })),
          };
        })();
        runs.set(runId, found);
      }
      return found;
    };
    const versions = new Map<
      string,
      Promise<{ registeredByRun: string | null; pullRequest: AliasMove["pullRequest"] }>
    >();
    const versionOf = (version: ModelVersion, sha: string) => {
      let found = versions.get(version);
      if (!found) {
        found = (async () => {
          const release = await optional("releases", () =>
            client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
              owner,
              repo,
              tag: versionTagName(model, version),
            }),
          );
          const key = parseReleaseMetadata(release?.data.body)?.idempotencyKey;
          // `<owner>/<repo>/<run_id>/<model>` (the register action's key).
          const registeredByRun = key?.split("/").at(-2) ?? null;
          const pulls = sha
            ? await optional("pull requests", () =>
                client.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
                  owner,
                  repo,
                  commit_sha: sha,
                }),
              )
            : undefined;
          const pull = (pulls?.data ?? [])[0] as
            | { number: number; title: string; html_url: string }
            | undefined;
          return {
            registeredByRun,
            pullRequest: pull ? { number: pull.number, title: pull.title, url: pull.html_url } : null,
          };
        })();
        versions.set(version, found);
      }
      return found;
    };

    const moves: AliasMove[] = [];
    for (const deployment of deployments) {
      const { version, runId } = payloadOf(deployment);
      if (version === undefined) continue;
      const statuses = (
        await counted(() =>
          client.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
            owner,
            repo,
            deployment_id: deployment.id,
            per_page: 100,
          }),
        )
      ).data as StatusData[];
      const success = statuses.find((s) => s.state === "success");
      if (!success) continue; // aliases move only after success
      const rollback = runId?.endsWith(":rollback") ?? false;
      const numericRun = /^\d+/.exec(runId ?? "")?.[0];
      const run = numericRun ? await runOf(numericRun) : undefined;
      const facts = await versionOf(version, deployment.sha);
      moves.push({
        model,
        alias: environmentAlias(deployment.environment),
        environment: deployment.environment,
        version,
        previousVersion: null,
        movedAt: success.created_at,
        deploymentId: deployment.id,
        rollback,
        triggeredBy: run?.actor ?? deployment.creator?.login ?? null,
        creator: deployment.creator?.login ?? null,
        approvals: (run?.approvals ?? [])
          .filter((a) => a.environments.includes(deployment.environment))
          .map(({ user, state, comment }) => ({ user, state, comment })),
        run: numericRun ? { id: Number(numericRun), url: run?.url ?? null } : null,
        commit: deployment.sha || null,
        pullRequest: facts.pullRequest,
        registeredByRun: facts.registeredByRun,
      });
    }
    // The alias each move replaced is known from the moves before `since` too; then those are dropped.
    moves.sort((a, b) => Date.parse(a.movedAt) - Date.parse(b.movedAt) || a.deploymentId - b.deploymentId);
    const last = new Map<string, ModelVersion>();
    for (const move of moves) {
      move.previousVersion = last.get(move.alias) ?? null;
      last.set(move.alias, move.version);
    }
    // An alias that does not name what its last deployment put there was moved outside a deployment.
    calls += 2; // matching-refs of the version tags and of the aliases
    const refs = await readModelRefs(client, owner, repo, model);
    for (const [alias, version] of last) {
      const now = versionOfAlias(refs, alias);
      if (now !== version)
        gaps.add(
          `@${alias} names ${now === undefined ? "no version" : `v${now}`}, but the last deployment moved it to v${version}: it was moved outside a deployment (registry promote --alias, register --aliases or a direct ref write), which GitHub keeps no record of`,
        );
    }
    for (const gap of gaps) log.warning(gap);
    const kept = since === undefined ? moves : moves.filter((m) => Date.parse(m.movedAt) >= since);
    return { moves: kept, calls, gaps: [...gaps] };
  });
}
