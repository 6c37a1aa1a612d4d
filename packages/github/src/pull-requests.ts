import type { GitHubClient } from "./client.js";
import { httpStatus, withGitHubErrors } from "./errors.js";
import type { GitHubLog } from "./log.js";
import { listAllPages } from "./paginate.js";

/** A pull request as the report needs it. */
export interface PullRequestRef {
  number: number;
  url: string;
  state: string;
  baseRef: string;
  headRef: string;
  headSha: string;
  /** `owner/name` of the head's repository (a fork's for a fork PR); absent when GitHub gives none. */
  headRepository?: string;
}

/** What a `workflow_run` event says about the run whose report is to be posted. */
export interface RunPullRequestQuery {
  owner: string;
  repo: string;
  /** `workflow_run.head_sha`: the commit the run tested. */
  headSha: string;
  /** `workflow_run.head_branch`. */
  headBranch?: string;
  /** `workflow_run.head_repository.full_name` (`owner/name`; the fork for a fork PR). */
  headRepository?: string;
  /** `workflow_run.pull_requests[].number`: GitHub fills it for same-repository PRs only. */
  pullRequests?: number[];
  /**
   * A PR number that came with the run's artifact: untrusted data (the fork wrote it). Used only when
   * that PR's head is this run's head repository, branch and commit.
   */
  claimed?: number;
}

export type RunPullRequest =
  | { found: PullRequestRef; via: "workflow_run" | "artifact" | "head" }
  /** The run's PR, found, but its head has moved on since the run: the report is stale. */
  | { moved: PullRequestRef; reason: string }
  | { reason: string };

interface PullJson {
  number: number;
  html_url: string;
  state: string;
  base: { ref: string };
  head: { ref: string; sha: string; repo: { full_name: string } | null };
}

function toRef(pull: PullJson): PullRequestRef {
  const headRepository = pull.head.repo?.full_name;
  return {
    number: pull.number,
    url: pull.html_url,
    state: pull.state,
    baseRef: pull.base.ref,
    headRef: pull.head.ref,
    headSha: pull.head.sha,
    ...(headRepository ? { headRepository } : {}),
  };
}

async function readPullRequest(
  client: GitHubClient,
  owner: string,
  repo: string,
  number: number,
): Promise<PullRequestRef> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    owner,
    repo,
    pull_number: number,
  });
  return toRef(data as PullJson);
}

/** One pull request (one GET); a 404 or a refusal is a GitHubError naming the PR and the permission. */
export async function getPullRequest(
  client: GitHubClient,
  options: { owner: string; repo: string; number: number },
): Promise<PullRequestRef> {
  const { owner, repo, number } = options;
  return withGitHubErrors({ operation: `read pull request #${number}`, owner, repo }, () =>
    readPullRequest(client, owner, repo, number),
  );
}

const sameName = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined || a.toLowerCase() === b.toLowerCase();

/**
 * The open pull request a completed run belongs to, found the ways GitHub allows:
 *
 * 1. `workflow_run.pull_requests` (GitHub fills it for same-repository PRs; it is empty for forks,
 *    github/docs#22501);
 * 2. the number the run's artifact claims, accepted only when that PR is open and its head is the run's
 *    head repository, branch and commit (so a fork cannot aim the report at another PR);
 * 3. the open PRs whose head is `<head owner>:<head branch>` (`GET /pulls?head=`), else all open PRs,
 *    matched on the head commit.
 *
 * Not `GET /commits/{sha}/pulls`: it returns nothing for a fork's head commit (pulumi/registry#12160).
 * A PR whose head is the run's branch but another commit is returned as `moved`; otherwise `reason` says
 * what was looked at. Costs: one GET per candidate, plus one list (or the pages of all open PRs).
 */
export async function findRunPullRequest(
  client: GitHubClient,
  query: RunPullRequestQuery,
): Promise<RunPullRequest> {
  const { owner, repo, headSha, headBranch, headRepository } = query;
  return withGitHubErrors(
    { operation: `find the pull request of ${headSha.slice(0, 7)}`, owner, repo },
    async () => {
      const get = async (number: number): Promise<PullRequestRef | undefined> => {
        try {
          return await readPullRequest(client, owner, repo, number);
        } catch (error) {
          if (httpStatus(error) === 404) return undefined;
          throw error;
        }
      };
      /** This run's branch: same head repository and branch (whatever commit it is at now). */
      const sameBranch = (pr: PullRequestRef) =>
        sameName(pr.headRepository, headRepository) &&
        (headBranch === undefined || pr.headRef === headBranch);
      const notes: string[] = [];
      let moved: PullRequestRef | undefined;

      for (const number of query.pullRequests ?? []) {
        const pr = await get(number);
        if (pr?.state === "open" && pr.headSha === headSha) return { found: pr, via: "workflow_run" };
        if (pr?.state === "open" && sameBranch(pr)) moved ??= pr;
      }

      if (query.claimed !== undefined) {
        const pr = await get(query.claimed);
        if (!pr) notes.push(`the artifact names PR #${query.claimed}, which does not exist`);
        else if (pr.state !== "open") notes.push(`the artifact names PR #${pr.number}, which is ${pr.state}`);
        else if (!sameBranch(pr))
          notes.push(
            `the artifact names PR #${pr.number}, whose head is ${pr.headRepository ?? "?"}:${pr.headRef}, not ${headRepository ?? "?"}:${headBranch ?? "?"} (ignored: the artifact is not trusted)`,
          );
        else if (pr.headSha === headSha) return { found: pr, via: "artifact" };
        else moved ??= pr;
      }

      const headOwner = headRepository?.split("/")[0];
      const label = headOwner && headBranch ? `${headOwner}:${headBranch}` : undefined;
      const open = (
        await listAllPages<PullJson>(client, "GET /repos/{owner}/{repo}/pulls", {
          owner,
          repo,
          state: "open",
          ...(label ? { head: label } : {}),
        })
      ).map(toRef);
      const match = open.find((pr) => pr.headSha === headSha && sameName(pr.headRepository, headRepository));
      if (match) return { found: match, via: "head" };
      if (label) moved ??= open.find(sameBranch); // the list holds this branch's PRs only
      notes.push(
        label
          ? `no open pull request has head ${label} at ${headSha.slice(0, 7)}`
          : `no open pull request has head commit ${headSha.slice(0, 7)}`,
      );
      if (moved)
        return {
          moved,
          reason: `PR #${moved.number} has moved on to ${moved.headSha.slice(0, 7)} since ${headSha.slice(0, 7)} was evaluated`,
        };
      return { reason: notes.join("; ") };
    },
  );
}

/** The PR a report goes to, as the run context gives it. */
export interface PullRequestTarget {
  number: number;
  baseRef: string;
  headSha: string;
  fromFork: boolean;
}

export interface PullRequestLookup {
  pr?: PullRequestTarget;
  /**
   * Why the report is not posted on a PR (companion runs, or a `pull-request` input whose head moved):
   * `stale` = the PR has moved on since the evaluated commit (nothing is posted at all); otherwise no PR
   * was found (the check run still goes on the commit).
   */
  skip?: { reason: string; stale: boolean };
}

/**
 * The PR the report is about: the event's own; with a `pull-request` input outside a companion, that PR
 * (one GET; its head must still be `head-sha`); in a `workflow_run` companion, the triggering run's PR
 * found as GitHub allows (`findRunPullRequest`: the event's `pull_requests`, the number the fork's
 * artifact claims, re-checked against the API, else the open PRs with the run's head), never through
 * `GET /commits/{sha}/pulls`, which returns nothing for a fork's head commit.
 */
export async function reportPullRequest(
  client: () => GitHubClient,
  query: {
    owner: string;
    repo: string;
    /** `owner/name` of this repository (a PR whose head is elsewhere is from a fork). */
    repository: string;
    /** The event's own PR (`pull_request` events). */
    eventPullRequest?: PullRequestTarget;
    /** What the `workflow_run` event says about the triggering run (companions only). */
    trigger?: { headSha?: string; headBranch?: string; headRepository?: string; pullRequests: number[] };
    /** The `pull-request` input. */
    number?: number;
    /** The `head-sha` input: the evaluated commit. */
    headSha?: string;
  },
  log: GitHubLog,
): Promise<PullRequestLookup> {
  const { owner, repo, repository, number, headSha } = query;
  const target = (pr: PullRequestRef): PullRequestTarget => ({
    number: pr.number,
    baseRef: pr.baseRef,
    headSha: pr.headSha,
    fromFork: (pr.headRepository ?? repository).toLowerCase() !== repository.toLowerCase(),
  });
  if (query.eventPullRequest && (number === undefined || query.eventPullRequest.number === number))
    return { pr: query.eventPullRequest };
  const run = query.trigger;
  if (!run) {
    if (number === undefined) return {};
    const pr = target(await getPullRequest(client(), { owner, repo, number }));
    if (headSha && pr.headSha !== headSha)
      return {
        pr,
        skip: {
          stale: true,
          reason: `PR #${number} has moved on to ${pr.headSha.slice(0, 7)} since ${headSha.slice(0, 7)} was evaluated`,
        },
      };
    return { pr };
  }
  const sha = headSha ?? run.headSha;
  if (!sha)
    return {
      skip: { stale: false, reason: "neither `head-sha` nor the workflow_run event names the commit" },
    };
  const found = await findRunPullRequest(client(), {
    owner,
    repo,
    headSha: sha,
    ...(run.headBranch ? { headBranch: run.headBranch } : {}),
    ...(run.headRepository ? { headRepository: run.headRepository } : {}),
    pullRequests: run.pullRequests,
    ...(number !== undefined ? { claimed: number } : {}),
  });
  if ("found" in found) {
    const via = {
      workflow_run: "the workflow_run event's pull_requests",
      artifact: "the number in the fork's report, checked against the API",
      head:
        run.headRepository && run.headBranch
          ? `the open pull requests with head ${run.headRepository.split("/")[0]}:${run.headBranch}`
          : "the open pull requests' head commits",
    }[found.via];
    log.info(`Reporting on PR #${found.found.number} (found from ${via}).`);
    return { pr: target(found.found) };
  }
  if ("moved" in found) return { pr: target(found.moved), skip: { stale: true, reason: found.reason } };
  return { skip: { stale: false, reason: found.reason } };
}
