/** Everything a route handler gets: the request, decoded params, the caller's identity and the store. */
import type { IncomingMessage } from "node:http";
import type { FaultRule } from "../faults.js";
import type { RepoData } from "../state/model.js";
import type { Store } from "../state/store.js";
import { badRequest } from "./errors.js";

/** The identity behind the request's token. */
export interface Caller {
  login: string;
  /** scope → "read" | "write" (missing = none). */
  permissions: Record<string, string>;
  token: string | undefined;
}

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  /** Decoded template parameters (`{ref+}` keeps its slashes). */
  params: Record<string, string>;
  query: URLSearchParams;
  caller: Caller;
  store: Store;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** `http://127.0.0.1:PORT/uploads` */
  uploadsUrl: string;
  /** Parsed JSON body (`{}` when empty); 400 "Problems parsing JSON" when invalid. */
  body<T = Record<string, unknown>>(): Promise<T>;
  /** The repo named by `{owner}`/`{repo}` params (created on first use). */
  repo(): RepoData;
  /** The fault injected into this request when the route itself must act it out (`starterAsset`). */
  fault?: FaultRule;
}

/** Reads a whole (small) request body as text. */
export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON body the way GitHub does (400 on garbage). */
export async function readJsonBody<T>(req: IncomingMessage): Promise<T> {
  const text = await readText(req);
  if (text.trim() === "") return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw badRequest("Problems parsing JSON");
  }
}
