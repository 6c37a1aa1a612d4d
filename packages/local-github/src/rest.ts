/**
 * A small REST client for a maintainer's own calls to a local GitHub (the emulator): setup, pull requests,
 * approvals, outcome checks. Plain `fetch` with the maintainer's token, so the emulator's request log can
 * tell these calls apart from the workflows' calls (they carry another login).
 */

export class RestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} → ${status}: ${body.slice(0, 300)}`);
    this.name = "RestError";
  }
}

export interface RestClient {
  readonly baseUrl: string;
  readonly repository: string;
  /** Every request sent, as `METHOD /path?query` (to tell the demo's calls apart in the request log). */
  readonly sent: string[];
  get<T>(path: string): Promise<T>;
  /** GETs every page of a list (`per_page=100`, following `Link: rel="next"`). */
  list<T>(path: string, key?: string): Promise<T[]>;
  send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T>;
  /** `/repos/{owner}/{repo}` + `path`. */
  repo(path: string): string;
}

export function createRestClient(baseUrl: string, token: string, repository: string): RestClient {
  const headers = {
    authorization: `Bearer ${token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
  };

  const sent: string[] = [];

  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    const url = path.startsWith("http") ? path : `${baseUrl}${path}`;
    const parsed = new URL(url);
    sent.push(`${method} ${parsed.pathname}${parsed.search}`);
    const response = await fetch(url, {
      method,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new RestError(method, path, response.status, await response.text());
    return response;
  }

  async function parse<T>(response: Response): Promise<T> {
    const text = await response.text();
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  return {
    baseUrl,
    repository,
    sent,
    repo: (path) => `/repos/${repository}${path}`,
    get: async <T>(path: string) => parse<T>(await request("GET", path)),
    send: async <T>(method: string, path: string, body?: unknown) =>
      parse<T>(await request(method, path, body)),
    async list<T>(path: string, key?: string): Promise<T[]> {
      const items: T[] = [];
      let next: string | undefined = `${path}${path.includes("?") ? "&" : "?"}per_page=100`;
      while (next) {
        const response = await request("GET", next);
        const page = await parse<unknown>(response);
        const values = key ? (page as Record<string, T[]>)[key] : (page as T[]);
        items.push(...(values ?? []));
        next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
      }
      return items;
    },
  };
}
