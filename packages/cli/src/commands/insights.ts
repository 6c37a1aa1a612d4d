import { existsSync, statSync } from "node:fs";
import { appendFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import {
  computeInsights,
  fitJobSummary,
  InputError,
  renderInsightsHeadline,
  renderInsightsHtml,
  renderInsightsJson,
  renderInsightsMarkdown,
  validateModelName,
} from "@mlops/core";
import { collectInsightsEvents, createGitHubClient, ResponseCache, upsertInsightsIssue } from "@mlops/github";
import type { Command } from "commander";
import type { CliIo } from "../io.js";

interface InsightsFlags {
  repo?: string;
  model?: string;
  since?: string;
  until?: string;
  format: string;
  output?: string;
  issue?: boolean;
  summary?: boolean;
  apiUrl?: string;
  cache: boolean;
  cacheDir?: string;
}

/**
 * The file that keeps one repository's responses between runs: `<dir>/insights/<owner>+<repo>.json.gz`,
 * `<dir>` = `--cache-dir`, else `$XDG_CACHE_HOME/mlops`, else `~/.cache/mlops`.
 */
export function insightsCacheFile(
  env: Record<string, string | undefined>,
  cwd: string,
  owner: string,
  repo: string,
  cacheDir?: string,
): string {
  for (const part of [owner, repo])
    if (!/^[A-Za-z0-9._-]+$/.test(part) || part === "." || part === "..")
      throw new InputError(`--repo: "${part}" is not a GitHub owner or repository name`);
  const dir = cacheDir
    ? resolve(cwd, cacheDir)
    : join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "mlops");
  return join(dir, "insights", `${owner}+${repo}.json.gz`);
}

/** `2026-11-01`, an ISO time, or `30d` (that many days before now) → ISO time; else an InputError. */
export function parseSince(text: string, now: number, flag = "--since"): string {
  const days = /^(\d+)d$/.exec(text.trim());
  const ms = days ? now - Number(days[1]) * 86_400_000 : Date.parse(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text.trim()) && !days)
    throw new InputError(
      `${flag}: expected a date (2026-11-01), an ISO time or a number of days (30d), got "${text}"`,
    );
  if (!Number.isFinite(ms)) throw new InputError(`${flag}: "${text}" is not a valid date`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function registerInsightsCommand(program: Command, io: CliIo): void {
  program
    .command("insights")
    .description(
      "Delivery metrics for models from the repository's GitHub history: lead time and its parts, deployment frequency, change failure rate, time to restore, rework rate, gate statistics, drift → production, and the phase-revisit matrix",
    )
    .option("--repo <owner/name>", "repository (default: GITHUB_REPOSITORY)")
    .option("--model <name>", "only this model")
    .option("--since <date>", "start of the window: 2026-11-01, an ISO time, or 30d (default: all history)")
    .option("--until <date>", "end of the window (default: now)")
    .option("--format <format>", "markdown, json or html", "markdown")
    .option("--output <file>", "write the report to a file instead of stdout")
    .option(
      "--issue",
      "keep one open 'MLOps insights' issue updated with the Markdown report (needs issues: write)",
    )
    .option("--summary", "also append the Markdown report to the job summary ($GITHUB_STEP_SUMMARY)")
    .option("--api-url <url>", "GitHub REST API URL (default: GITHUB_API_URL or https://api.github.com)")
    .option(
      "--cache-dir <dir>",
      "where the previous run's responses are kept, so unchanged ones are asked conditionally and cost no rate limit (default: $XDG_CACHE_HOME/mlops or ~/.cache/mlops)",
    )
    .option("--no-cache", "send no conditional requests and keep no responses")
    .action(async (flags: InsightsFlags) => {
      const repository = flags.repo ?? io.env.GITHUB_REPOSITORY;
      const [owner, repo, extra] = (repository ?? "").split("/");
      if (!owner || !repo || extra !== undefined)
        throw new InputError("--repo: expected owner/name (or set GITHUB_REPOSITORY)");
      if (!["markdown", "json", "html"].includes(flags.format))
        throw new InputError(`--format: expected markdown, json or html, got "${flags.format}"`);
      const model = flags.model === undefined ? undefined : validateModelName(flags.model);
      const now = Date.now();
      const since = flags.since === undefined ? undefined : parseSince(flags.since, now);
      const until = flags.until === undefined ? undefined : parseSince(flags.until, now, "--until");
      if (since && until && since > until) throw new InputError(`--since ${since} is after --until ${until}`);
      const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
      if (!token)
        throw new InputError(
          "no token: set GITHUB_TOKEN (contents, pull-requests, actions, deployments and issues: read)",
        );
      const log = {
        debug: () => {},
        info: (message: string) => io.stderr(`${message}\n`),
        warning: (message: string) => io.stderr(`warning: ${message}\n`),
      };
      const client = createGitHubClient({
        token,
        apiUrl: flags.apiUrl ?? io.env.GITHUB_API_URL ?? "https://api.github.com",
        log,
      });
      const cacheFile = flags.cache
        ? insightsCacheFile(io.env, io.cwd, owner, repo, flags.cacheDir)
        : undefined;
      let cache: ResponseCache | undefined;
      if (cacheFile) {
        const loaded = await ResponseCache.load(cacheFile);
        if (loaded.problem)
          log.warning(`insights: ${loaded.problem}; every request is paid in full this time.`);
        cache = loaded.cache;
        log.info(`insights: ${cache.size} responses of the previous run in ${cacheFile}`);
      }
      const { events, apiCalls } = await collectInsightsEvents(client, {
        owner,
        repo,
        ...(model ? { model } : {}),
        ...(since ? { since } : {}),
        ...(until ? { until } : {}),
        log,
        ...(cache ? { cache } : {}),
      });
      if (cache && cacheFile) await cache.save(cacheFile);
      const report = { ...computeInsights(events, model ? { model } : {}), apiCalls };
      const markdown = renderInsightsMarkdown(report);
      const text =
        flags.format === "json"
          ? renderInsightsJson(report)
          : flags.format === "html"
            ? renderInsightsHtml(report)
            : markdown;
      if (flags.output) {
        await writeFile(resolve(io.cwd, flags.output), text);
        io.stderr(`wrote ${flags.output}\n`);
      } else io.stdout(text);
      if (flags.summary) {
        const path = io.env.GITHUB_STEP_SUMMARY;
        if (!path)
          throw new InputError("--summary: GITHUB_STEP_SUMMARY is not set (it is, in a GitHub Actions step)");
        const used = existsSync(path) ? statSync(path).size : 0;
        await appendFile(path, `${fitJobSummary(markdown, used)}\n`);
      }
      if (flags.issue) {
        // The body shows this report; a comment per run keeps the headline figures of every run (one per
        // workflow run: GITHUB_RUN_ID makes a retried step comment once).
        const runId = io.env.GITHUB_RUN_ID;
        const issue = await upsertInsightsIssue(client, {
          owner,
          repo,
          ...(model ? { model } : {}),
          markdown,
          comment: renderInsightsHeadline(report),
          ...(runId ? { runId: `insights-${runId}` } : {}),
        });
        io.stderr(`MLOps insights issue ${issue.action}: ${issue.url}\n`);
      }
    });
}
