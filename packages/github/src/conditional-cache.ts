/**
 * Conditional GET requests with responses kept between runs (docs/architecture.md, "Insights" → "Conditional
 * requests"). GitHub: "Making a conditional request does not count against your primary rate limit if a 304
 * response is returned and the request was made while correctly authorized with an Authorization header"
 * (docs "Best practices for using the REST API" → "Use conditional requests if appropriate",
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
 *
 * A response with a `Last-Modified` is asked again with `If-Modified-Since` (it does not depend on the
 * token); one with only an `ETag` with `If-None-Match`. GitHub's ETags are specific to the token (GitHub
 * Support in eclipse-csi/otterdog#201, github/docs#34689): a saved ETag pays off only under the same token —
 * not under a workflow's `GITHUB_TOKEN`, which is new in every run.
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { GitHubClient } from "./client.js";
import { httpStatus } from "./errors.js";

/** One stored answer: its validators, its `Link` header (pagination) and its body. */
export interface CachedResponse {
  etag?: string;
  lastModified?: string;
  link?: string;
  data: unknown;
}

const FORMAT_VERSION = 1;

/**
 * Responses by request URL. `save` keeps only what this run read (so the file holds one run's answers and
 * does not grow); `stats` counts the conditional requests sent and the 304s received.
 */
export class ResponseCache {
  private readonly stored: Map<string, CachedResponse>;
  private readonly used = new Map<string, CachedResponse>();
  readonly stats = { conditional: 0, notModified: 0 };

  constructor(entries: Record<string, CachedResponse> = {}) {
    this.stored = new Map(Object.entries(entries));
  }

  /** Entries loaded (from the previous run). */
  get size(): number {
    return this.stored.size;
  }

  lookup(url: string): CachedResponse | undefined {
    return this.stored.get(url);
  }

  remember(url: string, response: CachedResponse): void {
    this.used.set(url, response);
  }

  /**
   * Reads a cache file (gzip'd JSON). A missing file is an empty cache; an unreadable one too, with the
   * reason in `problem` (the run then pays every request, and says so).
   */
  static async load(file: string): Promise<{ cache: ResponseCache; problem?: string }> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { cache: new ResponseCache() };
      return { cache: new ResponseCache(), problem: `cannot read ${file}: ${(error as Error).message}` };
    }
    try {
      const parsed = JSON.parse(gunzipSync(bytes).toString("utf8")) as {
        version?: unknown;
        entries?: Record<string, CachedResponse>;
      };
      if (parsed.version !== FORMAT_VERSION || typeof parsed.entries !== "object" || !parsed.entries)
        return { cache: new ResponseCache(), problem: `${file} is not a response cache of this version` };
      return { cache: new ResponseCache(parsed.entries) };
    } catch (error) {
      return { cache: new ResponseCache(), problem: `${file} is damaged: ${(error as Error).message}` };
    }
  }

  /** Writes the responses this run read (owner-only permissions: they are the repository's data). */
  async save(file: string): Promise<void> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const text = JSON.stringify({ version: FORMAT_VERSION, entries: Object.fromEntries(this.used) });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, gzipSync(text), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  }
}

/**
 * GET `route` (or an absolute `url`, e.g. the next page) — conditionally when `cache` holds an earlier answer
 * to the same URL. A 304 gives the stored body back (`notModified: true`); a 200 replaces the entry.
 */
export async function conditionalGet(
  client: GitHubClient,
  cache: ResponseCache | undefined,
  request: { route: string; params: Record<string, unknown> } | { url: string },
): Promise<{ data: unknown; link?: string; notModified: boolean }> {
  const options =
    "url" in request
      ? client.request.endpoint({ method: "GET", url: request.url })
      : client.request.endpoint(request.route, request.params);
  const url = options.url;
  const send = (headers: Record<string, string>) =>
    "url" in request
      ? client.request({ method: "GET", url: request.url, headers })
      : client.request(request.route, { ...request.params, headers });
  const stored = cache?.lookup(url);
  const conditions: Record<string, string> = stored?.lastModified
    ? { "if-modified-since": stored.lastModified }
    : stored?.etag
      ? { "if-none-match": stored.etag }
      : {};
  const conditional = Object.keys(conditions).length > 0;
  if (cache && conditional) cache.stats.conditional++;
  try {
    const response = await send(conditions);
    const headers = response.headers as Record<string, string | undefined>;
    const entry: CachedResponse = {
      data: response.data,
      ...(headers.etag ? { etag: headers.etag } : {}),
      ...(headers["last-modified"] ? { lastModified: headers["last-modified"] } : {}),
      ...(headers.link ? { link: headers.link } : {}),
    };
    cache?.remember(url, entry);
    return { data: response.data, ...(entry.link ? { link: entry.link } : {}), notModified: false };
  } catch (error) {
    if (!(cache && stored && conditional && httpStatus(error) === 304)) throw error;
    cache.stats.notModified++;
    cache.remember(url, stored);
    return { data: stored.data, ...(stored.link ? { link: stored.link } : {}), notModified: true };
  }
}
