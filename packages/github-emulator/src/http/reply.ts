/** What a route handler returns: JSON, an empty body, a redirect or a byte stream. */
import type { Readable } from "node:stream";

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON body (serialised by the server, validated against OpenAPI in test mode). */
  json?: unknown;
  /** Raw body streamed as-is (asset downloads). */
  stream?: Readable;
}

/** 200/201 JSON reply. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  json: body,
  headers,
});

/** 201 Created. */
export const created = (body: unknown, headers: Record<string, string> = {}): Reply =>
  json(body, 201, headers);

/** 204 No Content. */
export const noContent = (): Reply => ({ status: 204 });

/** 302 redirect. */
export const redirect = (location: string): Reply => ({ status: 302, headers: { location } });
