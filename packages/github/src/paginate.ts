import type { GitHubClient } from "./client.js";

/** The `rel="next"` URL of a `Link` header, if any. */
export function nextPageUrl(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (match?.[2]?.split(/\s+/).includes("next")) return match[1];
  }
  return undefined;
}

/**
 * GETs `route` and every following page by its `Link: rel="next"` header; returns all items.
 * `per_page` defaults to 100 (GitHub's maximum). For list endpoints that answer an object
 * (`{total_count, artifacts: […]}`), pass `itemsKey`.
 */
export async function listAllPages<T>(
  client: GitHubClient,
  route: string,
  params: Record<string, unknown>,
  itemsKey?: string,
): Promise<T[]> {
  const items: T[] = [];
  let response = await client.request(route, { per_page: 100, ...params });
  for (;;) {
    const data = response.data as unknown;
    const page = (itemsKey ? (data as Record<string, unknown>)[itemsKey] : data) as T[] | undefined;
    if (Array.isArray(page)) items.push(...page);
    const next = nextPageUrl(response.headers.link);
    if (!next) return items;
    response = await client.request({ method: "GET", url: next });
  }
}
