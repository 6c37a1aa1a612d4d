/**
 * `mlops local …`: the maintainer's side of the local loop against the emulator (`mlops emulator`), without
 * hand-written REST calls: open a pull request from a local git branch (and get the `pull_request` payload
 * for `mlops run-workflow`), create an environment with a required reviewer, approve a waiting deployment.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { InputError } from "@mlops/core";
import {
  branchSha,
  commitFiles,
  createRestClient,
  mergePullRequest,
  openPullRequest,
  type PullRequestInfo,
  pullRequestPayload,
  pushPayload,
  type RestClient,
  RestError,
  reviewPendingDeployment,
  runsWaitingFor,
  treeFiles,
} from "@mlops/local-github";
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";

/** What the local maintainer's token may do (every scope the emulator knows, write). */
const MAINTAINER_PERMISSIONS = Object.fromEntries(
  ["contents", "issues", "pull_requests", "checks", "statuses", "deployments", "actions", "metadata"].map(
    (scope) => [scope, "write"],
  ),
);
const DEFAULT_LOGIN = "local-maintainer";
const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

interface Connection {
  rest: RestClient;
  login: string;
  apiUrl: string;
  repository: string;
}

/** The emulator URL and repository from the flags or MLOPS_API_URL / GITHUB_REPOSITORY, and a token for `--as`. */
async function connect(
  io: CliIo,
  flags: { apiUrl?: string; repo?: string; as?: string },
): Promise<Connection> {
  const apiUrl = (flags.apiUrl ?? io.env.MLOPS_API_URL ?? "").replace(/\/$/, "");
  if (!apiUrl)
    throw new InputError(
      "--api-url: the emulator's URL is needed (what `mlops emulator` printed), or MLOPS_API_URL",
    );
  const repository = flags.repo ?? io.env.GITHUB_REPOSITORY ?? "";
  if (!REPOSITORY.test(repository))
    throw new InputError(
      `--repo: expected owner/name${repository ? `, got "${repository}"` : " (or GITHUB_REPOSITORY)"}`,
    );
  const login = flags.as ?? DEFAULT_LOGIN;
  // The emulator mints tokens for any login (an emulator-only route): the maintainer acts as a user, not as
  // github-actions[bot], so that it can be a required reviewer.
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/_emulator/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ login, permissions: MAINTAINER_PERMISSIONS }),
    });
  } catch (error) {
    throw new InputError(`--api-url: cannot reach the emulator at ${apiUrl} (${(error as Error).message})`);
  }
  if (!response.ok)
    throw new InputError(
      `--api-url: ${apiUrl} is not the emulator (POST /_emulator/tokens → ${response.status})`,
    );
  const { token } = (await response.json()) as { token: string };
  return { rest: createRestClient(apiUrl, token, repository), login, apiUrl, repository };
}

/** The branch's commit on the emulator, or undefined when it has no such branch. */
async function remoteBranch(rest: RestClient, branch: string): Promise<string | undefined> {
  try {
    return await branchSha(rest, branch);
  } catch (error) {
    if (error instanceof RestError && error.status === 404) return undefined;
    throw error;
  }
}

/** The message of the commit `branch` holds on the emulator ("" when there is no such branch). */
async function remoteMessage(rest: RestClient, branch: string): Promise<string> {
  try {
    const commit = await rest.get<{ commit: { message: string } }>(
      rest.repo(`/commits/${encodeURIComponent(branch)}`),
    );
    return commit.commit.message;
  } catch (error) {
    if (error instanceof RestError && (error.status === 404 || error.status === 422)) return "";
    throw error;
  }
}

/** The message of the emulator commit made from `ref` at local commit `commit`: how a push is recognised. */
function pushMessage(ref: string, commit: string): string {
  return `${ref} at ${commit.slice(0, 7)} (mlops local)`;
}

/** Commits `ref`'s files from the git repository `dir` to `branch` on the emulator; returns the new commit. */
async function pushTree(
  io: CliIo,
  conn: Connection,
  dir: string,
  ref: string,
  branch: string,
): Promise<string> {
  const tree = treeFiles(dir, ref);
  if (tree.skipped.length > 0)
    io.stderr(
      `warning: ${tree.skipped.length} file(s) of ${ref} not pushed (the emulator holds text files): ${tree.skipped
        .map((s) => `${s.path} (${s.reason})`)
        .join(", ")}`,
    );
  const sha = await commitFiles(conn.rest, branch, pushMessage(ref, tree.commit), tree.files);
  io.stderr(
    `pushed ${ref} (${tree.commit.slice(0, 7)}, ${Object.keys(tree.files).length} files) → ${conn.repository}@${branch} ${sha.slice(0, 7)}`,
  );
  return sha;
}

/** Writes an event payload to `--payload-out` (saying where) or prints it on stdout. */
function writePayload(io: CliIo, payloadOut: string | undefined, payload: Record<string, unknown>): void {
  const text = JSON.stringify(payload, null, 2);
  if (payloadOut === undefined) {
    io.stdout(text);
    return;
  }
  const out = resolve(io.cwd, payloadOut);
  writeFileSync(out, `${text}\n`);
  io.stderr(`wrote the ${"pull_request" in payload ? "pull_request" : "push"} payload to ${out}`);
}

function connectionOptions(command: Command): Command {
  return command
    .option("--api-url <url>", "the emulator's URL (default: MLOPS_API_URL)")
    .option("--repo <owner/name>", "the repository on the emulator (default: GITHUB_REPOSITORY)")
    .option("--as <login>", "the user acting (a reviewer must be the same user)", DEFAULT_LOGIN);
}

export function registerLocalCommand(program: Command, io: CliIo): void {
  const local = program
    .command("local")
    .description(
      "The local loop against `mlops emulator`: pull requests from git branches, environments, approvals",
    );

  const pr = local.command("pr").description("Pull requests on the emulator");
  connectionOptions(
    pr
      .command("open")
      .description(
        "Push a local git branch to the emulator and open a pull request (or update the open one); writes the pull_request payload for `mlops run-workflow`",
      )
      .requiredOption("--head <branch>", "the local branch with the changes")
      .option(
        "--base <branch>",
        "the branch to merge into (pushed from the local one when the emulator lacks it)",
        "main",
      )
      .option("--title <text>", "the pull request's title (default: the head commit's subject)")
      .option("--dir <dir>", "the git repository (default: the current directory)")
      .option("--payload-out <file>", "write the payload to this file (default: print it on stdout)"),
  ).action(async (flags) => {
    const dir = flags.dir ? existingPath(io.cwd, flags.dir, "--dir directory") : io.cwd;
    const conn = await connect(io, flags);
    const { rest } = conn;
    const base = flags.base as string;
    const head = flags.head as string;
    // The base as the local repository has it (pushed unless the emulator's base already is that commit).
    const localBase = execFileSync("git", ["rev-parse", `${base}^{commit}`], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
    if ((await remoteMessage(rest, base)) !== pushMessage(base, localBase))
      await pushTree(io, conn, dir, base, base);
    const headSha = await pushTree(io, conn, dir, head, head);
    const [owner] = conn.repository.split("/");
    const open = await rest.get<{ number: number; title: string; base: { ref: string; sha: string } }[]>(
      rest.repo(`/pulls?state=open&head=${encodeURIComponent(`${owner}:${head}`)}`),
    );
    let info: PullRequestInfo;
    let action: "opened" | "synchronize";
    const existing = open[0];
    if (existing) {
      info = {
        number: existing.number,
        title: existing.title,
        headRef: head,
        headSha,
        baseRef: existing.base.ref,
        baseSha: existing.base.sha,
      };
      action = "synchronize";
      io.stderr(`updated pull request #${existing.number} (${head} → ${existing.base.ref})`);
    } else {
      const title =
        flags.title ??
        execFileSync("git", ["log", "-1", "--format=%s", head], { cwd: dir, encoding: "utf8" }).trim();
      // openPullRequest commits its changes first: the head is already pushed, so it commits nothing new.
      info = await openPullRequest(
        rest,
        head,
        title,
        {},
        { base, body: `Opened with \`mlops local pr open\`.` },
      );
      info.headSha = (await remoteBranch(rest, head)) ?? headSha;
      action = "opened";
      io.stderr(`opened pull request #${info.number} (${head} → ${base})`);
    }
    writePayload(
      io,
      flags.payloadOut,
      pullRequestPayload(conn.repository, conn.apiUrl, info, action, conn.login),
    );
    const current = execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
    const branchCommit = execFileSync("git", ["rev-parse", `${head}^{commit}`], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
    if (current !== branchCommit)
      io.stderr(
        `note: the working copy in ${dir} is not at ${head}: mlops run-workflow runs the working copy (git switch ${head} first)`,
      );
  });

  connectionOptions(
    local
      .command("push")
      .description(
        "Push a local git branch to the emulator (its last commit's text files); writes the push payload for `mlops run-workflow --event push`",
      )
      .option("--branch <branch>", "the local branch", "main")
      .option("--dir <dir>", "the git repository (default: the current directory)")
      .option("--payload-out <file>", "write the payload to this file (default: print it on stdout)"),
  ).action(async (flags) => {
    const dir = flags.dir ? existingPath(io.cwd, flags.dir, "--dir directory") : io.cwd;
    const conn = await connect(io, flags);
    const branch = flags.branch as string;
    const before = (await remoteBranch(conn.rest, branch)) ?? "0".repeat(40);
    const after = await pushTree(io, conn, dir, branch, branch);
    writePayload(
      io,
      flags.payloadOut,
      pushPayload(conn.repository, conn.apiUrl, branch, before, after, conn.login),
    );
  });

  connectionOptions(
    pr
      .command("merge")
      .description(
        "Merge a pull request on the emulator (a merge commit); writes the push payload of its base branch",
      )
      .argument("<number>", "the pull request")
      .option("--payload-out <file>", "write the push payload to this file (default: print it on stdout)"),
  ).action(async (number: string, flags) => {
    const n = Number(number);
    if (!(Number.isInteger(n) && n > 0))
      throw new InputError(`expected a pull request number, got "${number}"`);
    const conn = await connect(io, flags);
    const pull = await conn.rest.get<{
      title: string;
      head: { ref: string; sha: string };
      base: { ref: string; sha: string };
    }>(conn.rest.repo(`/pulls/${n}`));
    const before = (await remoteBranch(conn.rest, pull.base.ref)) ?? pull.base.sha;
    const merged = await mergePullRequest(conn.rest, {
      number: n,
      title: pull.title,
      headRef: pull.head.ref,
      headSha: pull.head.sha,
      baseRef: pull.base.ref,
      baseSha: pull.base.sha,
    });
    io.stderr(`merged pull request #${n} into ${pull.base.ref} (${merged.sha.slice(0, 7)})`);
    writePayload(
      io,
      flags.payloadOut,
      pushPayload(conn.repository, conn.apiUrl, pull.base.ref, before, merged.sha, conn.login),
    );
  });

  connectionOptions(
    local
      .command("environment")
      .description(
        "Create or update an environment on the emulator (e.g. production with a required reviewer)",
      )
      .argument("<name>", "environment name")
      .option(
        "--required-reviewer",
        "make the acting user (--as) its required reviewer: deployments wait for its approval",
      ),
  ).action(async (name: string, flags) => {
    const conn = await connect(io, flags);
    const me = await conn.rest.get<{ id: number; login: string }>("/user");
    await conn.rest.send("PUT", conn.rest.repo(`/environments/${encodeURIComponent(name)}`), {
      ...(flags.requiredReviewer ? { reviewers: [{ type: "User", id: me.id }] } : {}),
    });
    io.stdout(
      `environment ${name} on ${conn.repository}${flags.requiredReviewer ? ` (required reviewer: ${me.login})` : ""}`,
    );
  });

  connectionOptions(
    local
      .command("approve")
      .description("Approve (or --reject) a run's deployment waiting for an environment's required reviewers")
      .requiredOption("--env <name>", "the environment the run waits for, e.g. production")
      .option("--run <id>", "the run (default: the one run waiting for --env)")
      .option("--wait <seconds>", "wait up to this long for a run to wait for --env", "0")
      .option("--comment <text>", "the review comment", "Approved with mlops local approve")
      .option("--reject", "reject instead of approving"),
  ).action(async (flags) => {
    const runFlag = flags.run === undefined ? undefined : Number(flags.run);
    if (runFlag !== undefined && !(Number.isInteger(runFlag) && runFlag > 0))
      throw new InputError(`--run: expected a run id, got "${flags.run}"`);
    const waitSeconds = Number(flags.wait);
    if (!(Number.isFinite(waitSeconds) && waitSeconds >= 0))
      throw new InputError(`--wait: expected seconds, got "${flags.wait}"`);
    const conn = await connect(io, flags);
    const environment = flags.env as string;
    const deadline = Date.now() + waitSeconds * 1000;
    let runId = runFlag;
    let sawRunsInProgress = false;
    for (;;) {
      if (runFlag === undefined) {
        const waiting = await runsWaitingFor(conn.rest, environment);
        if (waiting.length > 1)
          throw new InputError(
            `${waiting.length} runs wait for ${environment} (${waiting.map((r) => `${r.id} ${r.path}`).join(", ")}): pass --run`,
          );
        runId = waiting[0]?.id;
      }
      if (runId !== undefined) {
        const state = flags.reject ? "rejected" : "approved";
        const given = await reviewPendingDeployment(conn.rest, runId, environment, flags.comment, state);
        if ("runId" in given) {
          io.stdout(`${state} run ${runId}'s deployment to ${environment} as ${conn.login}`);
          return;
        }
        if (Date.now() >= deadline)
          throw new Error(
            `run ${runId} does not wait for a review of ${environment} (${given.waitingFor.length > 0 ? `it waits for ${given.waitingFor.join(", ")}` : "it waits for none"})`,
          );
      } else {
        if (Date.now() >= deadline)
          throw new Error(
            `no run of ${conn.repository} waits for a review of ${environment}${waitSeconds > 0 ? ` after ${waitSeconds} s` : " (--wait SECONDS to wait for one)"}`,
          );
        // Waiting for a run to start is fine; once runs were in progress and all ended, none will wait.
        const inProgress = await conn.rest.get<{ total_count: number }>(
          conn.rest.repo("/actions/runs?status=in_progress&per_page=1"),
        );
        if (inProgress.total_count > 0) sawRunsInProgress = true;
        else if (sawRunsInProgress)
          throw new Error(
            `no run of ${conn.repository} waits for a review of ${environment}: the runs in progress ended without waiting`,
          );
      }
      await sleep(500);
    }
  });
}
