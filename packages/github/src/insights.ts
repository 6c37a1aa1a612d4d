/**
 * Reads the events `mlops insights` computes from (docs/architecture.md, "Insights") out of a repository's
 * GitHub history, with a bounded number of API calls, all GETs:
 *
 * | what | endpoint | calls |
 * |---|---|---|
 * | workflow runs (events, attempts, PRs, retrains) | `GET /actions/runs?created=>=SINCE` | ⌈runs / 100⌉ |
 * | gate check runs (`mlops gate: <model>`) | `GET /commits/{sha}/check-runs` | 1 per distinct head commit of a non-scheduled run |
 * | pull requests | `GET /pulls?state=all&sort=updated&direction=desc` (stops at the first one updated before SINCE) | ⌈PRs / 100⌉ (+1 to see the stop) |
 * | first commit, reviews | `GET /pulls/{n}/commits`, `GET /pulls/{n}/reviews` | 2 per gated PR (commits only when merged) |
 * | versions | `GET /releases` | ⌈releases / 100⌉ |
 * | deployments, their statuses | `GET /deployments` (`task=deploy:<model>` with --model), `GET /deployments/{id}/statuses` | ⌈deployments / 100⌉ + 1 per deployment in the window + ≤ 5 per (model, environment) before it |
 * | monitoring runs | `GET /issues?labels=mlops-monitoring&state=all&since=SINCE`, `GET /issues/{n}/comments?since=SINCE` | ⌈issues / 100⌉ + ⌈comments / 100⌉ per issue |
 *
 * Every list asks for `per_page=100` (GitHub's maximum). `since`/`created` filters are used where GitHub
 * has them (issues, issue comments, workflow runs); pull requests are read newest-updated first and the
 * reading stops at the window. With a `cache` (the previous run's responses, `ResponseCache`), every GET is
 * conditional (`conditionalGet`): an unchanged answer comes back `304 Not Modified`, which GitHub does not
 * count against the primary rate limit (docs "Best practices for using the REST API"). GitHub's ETags are
 * specific to the token, so this saves only when the token is the same as in the previous run.
 */
import {
  type DeploymentEvent,
  failedRulesInReport,
  type GateEvaluation,
  type InsightsEvents,
  type MonitoringRun,
  type PullRequestEvent,
  parseReleaseMetadata,
  type RetrainRun,
  type UnfinishedRegistration,
  type VersionEvent,
  windowEnd,
} from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { conditionalGet, type ResponseCache } from "./conditional-cache.js";
import { httpStatus, withGitHubErrors } from "./errors.js";
import { type GitHubLog, silentLog } from "./log.js";
import { type MonitoringIssueResult, monitoringMarkerModel, upsertMarkedIssue } from "./monitoring-issue.js";
import { nextPageUrl } from "./paginate.js";
import { parseVersionTagName } from "./registry/names.js";

/** The check-run name prefix of the gate (`mlops gate: <model>`, actions/evaluate-gate). */
export const GATE_CHECK_PREFIX = "mlops gate: ";
/** The label of the monitoring issues (actions/monitor-report, `upsertMonitoringIssue`). */
const MONITORING_LABEL = "mlops-monitoring";
/** Older deployments read per (model, environment) to find what ran before the window. */
const BEFORE_WINDOW = 5;
/** `GET /actions/runs` with a filter answers at most 1,000 runs (OpenAPI description of the endpoint). */
const RUNS_SEARCH_LIMIT = 1000;

export interface CollectInsightsOptions {
  owner: string;
  repo: string;
  /** Only this model (deployments are then listed with `task=deploy:<model>`). */
  model?: string;
  /** Start of the window (ISO time); default: everything. */
  since?: string;
  /** End of the window (default: now, or the newest event read when GitHub's clock is ahead of ours). */
  until?: string;
  /** Progress (one line per page read on long histories) and warnings. */
  log?: GitHubLog;
  /** The previous run's responses: every GET is then conditional (a 304 costs no rate limit). */
  cache?: ResponseCache;
}

/** The API calls a collection made, and how they add up (one term per row of the table above). */
export interface InsightsApiCalls {
  made: number;
  detail: string;
  /**
   * Of `made`, the requests answered `304 Not Modified` from the cache (not counted against the primary
   * rate limit); present when a cache was used.
   */
  notModified?: number;
}

interface WorkflowRun {
  id: number;
  event: string;
  head_sha: string;
  run_attempt?: number;
  /** Start of the latest attempt. */
  run_started_at?: string;
  conclusion: string | null;
  created_at: string;
  pull_requests?: Array<{ number: number }> | null;
}

/**
 * The dataset-drift verdict of one monitoring-issue run comment (packages/monitor `composeIssue`:
 * `### Run <time>` then the change summary: "dataset drift detected" on a first run or when drift started,
 * "Dataset drift continues"; "Drift cleared"/"No drift" otherwise). Undefined for a comment that is no
 * run comment.
 */
export function driftOfRunComment(body: string): boolean | undefined {
  const text = body.replace(/^<!-- mlops-actions:monitoring-run:[^>]*-->\n/, "");
  if (!/^### Run /.test(text)) return undefined;
  return /dataset drift detected|dataset drift continues/i.test(text);
}

export async function collectInsightsEvents(
  client: GitHubClient,
  options: CollectInsightsOptions,
): Promise<{ events: InsightsEvents; apiCalls: InsightsApiCalls }> {
  const { owner, repo, since, model } = options;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const log = options.log ?? silentLog;
  let made = 0;
  const terms: Array<[string, number]> = [];
  const cache = options.cache;
  const get = async (route: string, params: Record<string, unknown>) => {
    made++;
    return conditionalGet(client, cache, { route, params: { owner, repo, ...params } });
  };
  /** Reads pages while `more(page)` says so; returns the items and the number of pages read. */
  const pages = async <T>(
    what: string,
    route: string,
    params: Record<string, unknown>,
    options: { itemsKey?: string; more?: (page: T[]) => boolean } = {},
  ): Promise<{ items: T[]; pages: number }> => {
    const items: T[] = [];
    let count = 0;
    let response = await get(route, { per_page: 100, ...params });
    for (;;) {
      count++;
      const data = response.data as unknown;
      const page = ((options.itemsKey ? (data as Record<string, unknown>)[options.itemsKey] : data) ??
        []) as T[];
      items.push(...page);
      // progress on long histories: a line per page from the second on
      if (count > 1) log.info(`insights: ${items.length} ${what} read (${count} pages)…`);
      const next = nextPageUrl(response.link);
      if (!next || (options.more && !options.more(page))) return { items, pages: count };
      made++;
      response = await conditionalGet(client, cache, { url: next });
    }
  };

  return withGitHubErrors({ operation: "read the history for mlops insights", owner, repo }, async () => {
    // 1. workflow runs: events, attempts, pull requests, retrains
    const runs = await pages<WorkflowRun>(
      "workflow runs",
      "GET /repos/{owner}/{repo}/actions/runs",
      since ? { created: `>=${since}` } : {},
      { itemsKey: "workflow_runs" },
    );
    terms.push(["workflow-run pages", runs.pages]);
    if (since && runs.items.length >= RUNS_SEARCH_LIMIT)
      log.warning(
        `GitHub lists at most ${RUNS_SEARCH_LIMIT} workflow runs for a filtered search and this window has more: gate figures cover the newest ${RUNS_SEARCH_LIMIT}. Use a shorter --since.`,
      );
    log.info(`insights: ${runs.items.length} workflow runs`);

    // 2. gate check runs on the head commit of every run that can gate (not scheduled monitoring)
    const shas = [...new Set(runs.items.filter((r) => r.event !== "schedule").map((r) => r.head_sha))];
    const gates: GateEvaluation[] = [];
    for (const [index, sha] of shas.entries()) {
      if (index > 0 && index % 25 === 0)
        log.info(`insights: check runs of ${index} of ${shas.length} commits read…`);
      let data: unknown;
      try {
        ({ data } = await get("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
          ref: sha,
          per_page: 100,
        }));
      } catch (error) {
        // A run's commit that no longer exists (force-pushed away, garbage collected): 422 "No commit found
        // for SHA" (404 for some refs). Its gate is not counted, and the report says so on stderr.
        const status = httpStatus(error);
        if (status !== 422 && status !== 404) throw error;
        log.warning(
          `insights: commit ${sha.slice(0, 7)} of a workflow run is gone (${status}): its check runs are not counted.`,
        );
        continue;
      }
      for (const check of (data as { check_runs: Array<Record<string, unknown>> }).check_runs) {
        const name = String(check.name ?? "");
        if (!name.startsWith(GATE_CHECK_PREFIX) || check.status !== "completed") continue;
        const gateModel = name.slice(GATE_CHECK_PREFIX.length);
        if (model && gateModel !== model) continue;
        const at = String(check.completed_at ?? check.started_at);
        // The run that evaluated it: the newest run of this commit created before the check completed.
        const run = runs.items
          .filter((r) => r.head_sha === sha && r.event !== "schedule" && r.created_at <= at)
          .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
        const pr = run?.pull_requests?.[0]?.number;
        gates.push({
          model: gateModel,
          sha,
          ...(pr !== undefined ? { pr } : {}),
          event: run?.event ?? "unknown",
          conclusion: String(check.conclusion ?? "unknown"),
          failedRules: failedRulesInReport((check.output as { summary?: string } | undefined)?.summary),
          at,
          attempts: run?.run_attempt ?? 1,
        });
      }
    }
    terms.push(["commits with check runs", shas.length]);

    // 3. pull requests of the window; first commit and reviews of the gated ones
    const pullList = await pages<{
      number: number;
      title: string;
      created_at: string;
      updated_at: string;
      merged_at: string | null;
      merge_commit_sha: string | null;
    }>(
      "pull requests",
      "GET /repos/{owner}/{repo}/pulls",
      { state: "all", sort: "updated", direction: "desc" },
      { more: (page) => !since || page.every((p) => p.updated_at >= since) },
    );
    terms.push(["pull-request pages", pullList.pages]);
    const gatedModels = new Map<number, Set<string>>();
    for (const g of gates)
      if (g.pr !== undefined) gatedModels.set(g.pr, (gatedModels.get(g.pr) ?? new Set()).add(g.model));
    // A PR whose own gate ran before the window but whose merge commit was gated in it (the release
    // workflow's gate) is a model PR too.
    const gatedShas = new Map<string, Set<string>>();
    for (const g of gates) gatedShas.set(g.sha, (gatedShas.get(g.sha) ?? new Set()).add(g.model));
    for (const p of pullList.items) {
      const models = p.merged_at && p.merge_commit_sha ? gatedShas.get(p.merge_commit_sha) : undefined;
      if (models) gatedModels.set(p.number, new Set([...(gatedModels.get(p.number) ?? []), ...models]));
    }
    const pulls: PullRequestEvent[] = [];
    let pullCalls = 0;
    for (const p of pullList.items) {
      if (since && p.updated_at < since) continue;
      const models = gatedModels.get(p.number);
      if (!models) continue;
      let firstCommitAt: string | undefined;
      if (p.merged_at) {
        pullCalls++;
        const { data } = await get("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits", {
          pull_number: p.number,
          per_page: 100,
        });
        const dates = (data as Array<{ commit: { author: { date?: string } | null } }>)
          .map((c) => c.commit.author?.date)
          .filter((d): d is string => typeof d === "string")
          .sort();
        firstCommitAt = dates[0];
      }
      const reviews = await pages<{ state: string; submitted_at?: string }>(
        "reviews",
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        { pull_number: p.number },
      );
      pullCalls += reviews.pages;
      pulls.push({
        number: p.number,
        title: p.title,
        models: [...models].sort(),
        openedAt: p.created_at,
        ...(firstCommitAt ? { firstCommitAt } : {}),
        ...(p.merged_at ? { mergedAt: p.merged_at } : {}),
        ...(p.merge_commit_sha && p.merged_at ? { mergeSha: p.merge_commit_sha } : {}),
        reviews: reviews.items
          .filter((r): r is { state: string; submitted_at: string } => typeof r.submitted_at === "string")
          .map((r) => ({ state: r.state, at: r.submitted_at })),
      });
    }
    terms.push(["gated PRs: commits (merged) + review pages", pullCalls]);

    // 4. versions (releases), with the run that registered each (its idempotency key names the run)
    const releases = await pages<{
      tag_name: string;
      draft: boolean;
      created_at: string;
      published_at: string | null;
      body?: string | null;
    }>("releases", "GET /repos/{owner}/{repo}/releases", {});
    terms.push(["release pages", releases.pages]);
    const runById = new Map(runs.items.map((r) => [r.id, r]));
    const versions: VersionEvent[] = [];
    // Draft releases are listed only to tokens with push access (OpenAPI description of `GET /releases`):
    // a read-only collection cannot see unfinished registrations.
    const unfinishedRegistrations: UnfinishedRegistration[] = [];
    for (const r of releases.items) {
      const parsed = parseVersionTagName(r.tag_name);
      if (!parsed || (model && parsed.model !== model)) continue;
      const key = parseReleaseMetadata(r.body)?.idempotencyKey;
      const runId = Number(key?.split("/").at(-2));
      const run = Number.isFinite(runId) ? runById.get(runId) : undefined;
      if (r.draft) {
        // a registration's draft (its metadata names the run) whose run has ended: it did not finish
        if (key && run?.conclusion)
          unfinishedRegistrations.push({
            model: parsed.model,
            version: parsed.version,
            createdAt: r.created_at,
            conclusion: run.conclusion,
          });
        continue;
      }
      versions.push({
        model: parsed.model,
        version: parsed.version,
        registeredAt: r.published_at ?? r.created_at,
        createdAt: r.created_at,
        ...(run
          ? {
              commitSha: run.head_sha,
              trigger: run.event,
              runAttempt: { number: run.run_attempt ?? 1, startedAt: run.run_started_at ?? run.created_at },
            }
          : {}),
      });
    }

    // 5. deployments and their statuses
    const deploymentList = await pages<{
      id: number;
      task: string;
      environment: string;
      production_environment?: boolean;
      created_at: string;
      payload: unknown;
    }>("deployments", "GET /repos/{owner}/{repo}/deployments", model ? { task: `deploy:${model}` } : {});
    terms.push(["deployment pages", deploymentList.pages]);
    const deployments: DeploymentEvent[] = [];
    const before = new Map<string, number>();
    let statusCalls = 0;
    for (const d of [...deploymentList.items].sort((a, b) => b.created_at.localeCompare(a.created_at))) {
      if (!d.task.startsWith("deploy:")) continue;
      const payload = (typeof d.payload === "string" ? safeJson(d.payload) : d.payload) as
        | { model?: string; version?: unknown; runId?: string }
        | undefined;
      const dModel = payload?.model ?? d.task.slice("deploy:".length);
      if (payload?.version === undefined || (model && dModel !== model)) continue;
      if (since && d.created_at < since) {
        // Before the window: only enough to know what ran when it began.
        const key = `${dModel}\0${d.environment}`;
        const seen = before.get(key) ?? 0;
        if (seen >= BEFORE_WINDOW || seen < 0) continue;
        before.set(key, seen + 1);
      }
      statusCalls++;
      const { data } = await get("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
        deployment_id: d.id,
        per_page: 100,
      });
      // Oldest first; statuses written in one second share a timestamp on GitHub, so ties go by id.
      const statuses = [
        ...(data as Array<{ id: number; state: string; created_at: string; description?: string | null }>),
      ]
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || Number(a.id) - Number(b.id))
        .map((s) => ({
          state: s.state,
          at: s.created_at,
          ...(s.description ? { description: s.description } : {}),
        }));
      if (since && d.created_at < since && statuses.some((s) => s.state === "success"))
        before.set(`${dModel}\0${d.environment}`, -1); // found what ran: no older ones needed
      deployments.push({
        id: Number(d.id),
        model: dModel,
        version: String(payload.version),
        environment: d.environment,
        production: d.production_environment ?? /^prod(uction)?$/i.test(d.environment),
        createdAt: d.created_at,
        automaticRollback: typeof payload.runId === "string" && payload.runId.endsWith(":rollback"),
        statuses,
      });
    }
    terms.push(["deployment statuses", statusCalls]);

    // 6. monitoring runs: the run comments of the monitoring issues
    const issues = await pages<{ number: number; body?: string | null; pull_request?: unknown }>(
      "monitoring issues",
      "GET /repos/{owner}/{repo}/issues",
      { labels: MONITORING_LABEL, state: "all", ...(since ? { since } : {}) },
    );
    terms.push(["monitoring-issue pages", issues.pages]);
    const monitoring: MonitoringRun[] = [];
    let commentPages = 0;
    for (const issue of issues.items) {
      const issueModel = monitoringMarkerModel(issue.body ?? "");
      if (issue.pull_request || !issueModel || (model && issueModel !== model)) continue;
      const comments = await pages<{ body?: string; created_at: string }>(
        "monitoring comments",
        "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
        { issue_number: issue.number, ...(since ? { since } : {}) },
      );
      commentPages += comments.pages;
      for (const c of comments.items) {
        const drift = driftOfRunComment(c.body ?? "");
        if (drift !== undefined)
          monitoring.push({ model: issueModel, at: c.created_at, datasetDrift: drift });
      }
    }
    terms.push(["monitoring-comment pages", commentPages]);

    // 7. retrains: runs started by repository_dispatch (the model when they registered a version)
    const registeredBy = new Map<number, string>();
    for (const r of releases.items) {
      const meta = parseReleaseMetadata(r.body);
      const runId = Number(meta?.idempotencyKey.split("/").at(-2));
      if (meta && Number.isFinite(runId)) registeredBy.set(runId, meta.model);
    }
    const retrains: RetrainRun[] = runs.items
      .filter((r) => r.event === "repository_dispatch")
      .map((r) => {
        const m = registeredBy.get(r.id);
        return { runId: r.id, at: r.created_at, conclusion: r.conclusion, ...(m ? { model: m } : {}) };
      });

    const apiCalls: InsightsApiCalls = {
      made,
      detail: terms.map(([what, n]) => `${n} ${what}`).join(" + "),
      ...(cache ? { notModified: cache.stats.notModified } : {}),
    };
    log.info(`insights: ${made} API calls (${apiCalls.detail})`);
    if (cache) {
      const { conditional, notModified } = cache.stats;
      log.info(
        `insights: ${notModified} of ${made} answered 304 Not Modified from the cache (not counted against the rate limit); ${made - notModified} counted`,
      );
      if (conditional > 0 && notModified === 0)
        log.warning(
          `insights: none of the ${conditional} cached responses was current. Either everything changed, or the token is not the one that stored them: GitHub's ETags are specific to the token, and a workflow's GITHUB_TOKEN is new in every run (give the insights workflow a token that stays the same for the cache to save anything).`,
        );
    }
    return {
      events: {
        repository: `${owner}/${repo}`,
        ...(since ? { since } : {}),
        until:
          options.until ??
          windowEnd(
            { pulls, gates, versions, unfinishedRegistrations, deployments, monitoring, retrains },
            now,
          ),
        pulls,
        gates,
        versions,
        unfinishedRegistrations,
        deployments,
        monitoring,
        retrains,
      },
      apiCalls,
    };
  });
}

/** The label of the one "MLOps insights" issue (one per `--model`, one for all models). */
export const INSIGHTS_LABEL = "mlops-insights";

/** The hidden marker that finds the insights issue (of `model`, or of every model). */
export function insightsMarker(model?: string): string {
  return `<!-- mlops-actions:insights${model ? `:${model}` : ""} -->`;
}

/**
 * Keeps the one open "MLOps insights" issue (label `mlops-insights` + hidden marker) showing `markdown`:
 * created on the first run, edited in place afterwards (not written when unchanged), never a second one.
 */
export function upsertInsightsIssue(
  client: GitHubClient,
  options: {
    owner: string;
    repo: string;
    model?: string;
    markdown: string;
    /** Added as a comment (the issue's history, one per run); with `runId`, once per run however often retried. */
    comment?: string;
    runId?: string;
  },
): Promise<MonitoringIssueResult> {
  return upsertMarkedIssue(client, {
    owner: options.owner,
    repo: options.repo,
    label: INSIGHTS_LABEL,
    marker: insightsMarker(options.model),
    what: "the MLOps insights issue",
    title: `MLOps insights${options.model ? `: ${options.model}` : ""}`,
    body: options.markdown,
    ...(options.comment ? { comment: options.comment } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
