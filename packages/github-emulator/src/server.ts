/** The HTTP server: routing, auth, rate limits, faults, logging, validation and persistence. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { cutMidBody, runtimeTemplate, sendRuntimeFault } from "./actions-runtime/faults.js";
import { createActionsRuntime } from "./actions-runtime/index.js";
import { type AuthOptions, authorize, identify } from "./auth.js";
import type { FaultInjector, FaultRule } from "./faults.js";
import { API_VARY, notModified, validatorsOf } from "./http/conditional.js";
import { type Caller, type RouteContext, readJsonBody } from "./http/context.js";
import { ApiError, notFound } from "./http/errors.js";
import type { Reply } from "./http/reply.js";
import type { RouteDefinition, Router } from "./http/router.js";
import { type SchemaViolation, validateResponse } from "./openapi/validator.js";
import { PRIMARY_MESSAGE, type RateLimiter, SECONDARY_MESSAGE } from "./rate-limit.js";
import { SIGSTORE_PREFIX, sendSigstoreFault, serveSigstore } from "./sigstore/index.js";
import type { Store } from "./state/store.js";

/** One served request. */
export interface RequestLogEntry {
  method: string;
  /** Route template (`/repos/{owner}/{repo}/releases`), or the raw path when nothing matched. */
  route: string;
  path: string;
  status: number;
  durationMs: number;
  /** Login of the token's identity (undefined for anonymous/unauthenticated). */
  login: string | undefined;
  /** Fault kind injected into this request, if any. */
  fault?: FaultRule["kind"];
}

export interface ServerParts {
  router: Router;
  store: Store;
  auth: AuthOptions;
  faults: FaultInjector;
  rateLimiter: RateLimiter;
  validate: boolean;
  log: RequestLogEntry[];
  violations: SchemaViolation[];
  /** The jobs' `GITHUB_SERVER_URL` (the Sigstore stand-ins' Fulcio puts it in certificates). */
  serverUrl: string;
}

export async function listen(parts: ServerParts, port: number): Promise<{ server: Server; url: string }> {
  let baseUrl = "";
  const runtime = createActionsRuntime({
    store: parts.store,
    baseUrl: () => baseUrl,
    persist: () => parts.store.persist(),
  });
  const server = createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", baseUrl || "http://127.0.0.1");
    const record = (route: string, status: number, login: string | undefined, fault?: FaultRule["kind"]) => {
      const entry: RequestLogEntry = {
        method: req.method ?? "GET",
        route,
        path: url.pathname + url.search,
        status,
        durationMs: performance.now() - started,
        login,
      };
      if (fault) entry.fault = fault;
      parts.log.push(entry);
    };
    void (async () => {
      if (url.pathname.startsWith(SIGSTORE_PREFIX)) {
        // Fault rules hit the Sigstore stand-ins only when their `route` names the path (as `/_emulator/`).
        const fault = parts.faults.pick(req.method ?? "GET", url.pathname);
        if (fault?.kind === "slow") await sleep(fault.delayMs ?? 200);
        if (fault && fault.kind !== "slow") {
          req.resume();
          record(url.pathname, sendSigstoreFault(res, fault), undefined, fault.kind);
          return;
        }
        const sigstore = { store: parts.store, baseUrl: () => baseUrl, serverUrl: parts.serverUrl };
        record(url.pathname, await serveSigstore(sigstore, req, res, url), undefined, fault?.kind);
        return;
      }
      if (/^\/(twirp|_blob|_emulator\/actions)\//.test(url.pathname)) {
        // The artifact runtime is subject to the same fault rules as the REST API (issue 12).
        const template = runtimeTemplate(url.pathname);
        const fault = template
          ? parts.faults.pick(req.method ?? "GET", template, undefined, "runtime")
          : undefined;
        if (fault?.kind === "slow") await sleep(fault.delayMs ?? 200);
        if (fault && fault.kind !== "slow" && fault.kind !== "reset-mid-body") {
          req.resume();
          record(url.pathname, sendRuntimeFault(res, url.pathname, fault), undefined, fault.kind);
          return;
        }
        if (fault?.kind === "reset-mid-body") cutMidBody(res);
        if (await runtime.handle(req, res, url)) {
          record(url.pathname, res.statusCode, undefined, fault?.kind);
          return;
        }
      }
      await serve(parts, req, res, url, baseUrl, record);
    })().catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ message: `Emulator error: ${String(error)}` }));
      } else res.destroy();
      record(url.pathname, 500, undefined);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url: baseUrl };
}

async function serve(
  parts: ServerParts,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  baseUrl: string,
  record: (route: string, status: number, login: string | undefined, fault?: FaultRule["kind"]) => void,
): Promise<void> {
  const method = req.method ?? "GET";
  const match = parts.router.match(method, url.pathname);
  const rateHeaders = parts.rateLimiter.count();
  const baseHeaders: Record<string, string> = {
    ...rateHeaders,
    "x-github-api-version-selected": "2022-11-28",
    "x-github-request-id": `EMU:${parts.log.length + 1}`,
  };
  if (!match) {
    const error = notFound();
    sendJson(res, error.status, error.toBody(), baseHeaders);
    record(url.pathname, error.status, undefined);
    return;
  }
  const { definition, params } = match;
  let caller: Caller | undefined;
  let fault: FaultRule | undefined;
  let reply: Reply;
  try {
    fault = parts.faults.pick(method, definition.template, identifySoftly(req, parts).login || undefined);
    if (fault?.kind === "slow") await sleep(fault.delayMs ?? 200);
    const faultReply = fault ? faultResponse(fault) : undefined;
    // A 5xx with `starterAsset` on an upload is produced by the upload handler itself (it leaves the asset).
    const handledByRoute = fault?.starterAsset === true && definition.template.startsWith("/uploads/");
    if (faultReply && fault?.kind !== "reset-mid-body" && !handledByRoute) throw faultReply;
    if (definition.permission !== null) {
      caller = identify(req.headers.authorization, parts.store, parts.auth);
      authorize(caller, definition.permission ?? { scope: "metadata", level: "read" });
    } else caller = identifySoftly(req, parts);
    limitCheck(parts.rateLimiter);
    const ctx = makeContext(parts, req, url, params, caller, baseUrl);
    if (fault) ctx.fault = fault;
    reply = await definition.handler(ctx);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    reply = { status: error.status, json: error.toBody(), headers: error.headers };
  }
  const headers = { ...baseHeaders, ...(reply.headers ?? {}) };
  if (!req.complete) req.resume(); // discard an unread body (e.g. a rejected upload)
  if (fault?.kind === "reset-mid-body" && reply.stream && reply.status < 300) {
    // A byte stream (an asset download) cut after some bytes: the connection drops mid-transfer.
    res.writeHead(reply.status, headers);
    const length = Number(reply.headers?.["content-length"] ?? 0);
    await sendPrefix(reply.stream, res, fault.cutAfterBytes ?? Math.floor(length / 2));
    res.destroy();
    record(definition.template, reply.status, caller?.login || undefined, fault.kind);
    return;
  }
  if (fault?.kind === "reset-mid-body") {
    const text = JSON.stringify(reply.json ?? { message: "partial" });
    res.writeHead(reply.status, {
      ...headers,
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(text) + 100),
    });
    res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    await sleep(5);
    res.destroy();
    record(definition.template, reply.status, caller?.login || undefined, fault.kind);
    return;
  }
  if (reply.status < 400 && (definition.mutates ?? method !== "GET")) parts.store.persist();
  let text: string | undefined;
  if (method === "GET" && reply.status === 200 && reply.json !== undefined && !reply.stream) {
    // Conditional requests (http/conditional.ts): validators on every JSON 200, 304 when the client's copy
    // is current — not counted against the rate limit when the request carried a token.
    text = JSON.stringify(reply.json);
    const validators = validatorsOf(text, reply.json, caller?.token);
    const validatorHeaders: Record<string, string> = {
      etag: validators.etag,
      vary: API_VARY,
      ...(validators.lastModified ? { "last-modified": validators.lastModified } : {}),
    };
    if (notModified(req.headers, validators)) {
      const rate = caller?.token ? parts.rateLimiter.refund() : {};
      res.writeHead(304, { ...headers, ...rate, ...validatorHeaders });
      res.end();
      record(definition.template, 304, caller?.login || undefined, fault?.kind);
      return;
    }
    Object.assign(headers, validatorHeaders);
  }
  if (reply.stream) {
    res.writeHead(reply.status, headers);
    reply.stream.pipe(res);
    await new Promise<void>((resolve) => {
      res.on("close", resolve);
    });
  } else if (reply.json !== undefined) sendJson(res, reply.status, reply.json, headers, text);
  else {
    res.writeHead(reply.status, headers);
    res.end();
  }
  if (parts.validate && definition.openapiPath !== false && !fault) {
    const openapiPath = definition.openapiPath ?? openapiPathOf(definition);
    let errors: string[];
    try {
      errors = validateResponse(method, openapiPath, reply.status, reply.stream ? undefined : reply.json);
    } catch (error) {
      // A schema the validator cannot compile is a violation too: a silent skip would hide the route.
      errors = [`validator failed: ${(error as Error).message}`];
    }
    if (errors.length > 0)
      parts.violations.push({
        method,
        path: url.pathname,
        operation: openapiPath,
        status: reply.status,
        errors,
      });
  }
  record(definition.template, reply.status, caller?.login || undefined, fault?.kind);
}

/** Writes the first `limit` bytes of `stream` to `res` (then stops reading it). */
async function sendPrefix(stream: Readable, res: ServerResponse, limit: number): Promise<void> {
  let sent = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      const take = Math.min(buffer.length, limit - sent);
      if (take > 0 && !res.write(buffer.subarray(0, take)))
        await new Promise<void>((resolve) => res.once("drain", resolve));
      sent += take;
      if (sent >= limit) break;
    }
  } finally {
    stream.destroy();
  }
  await sleep(5);
}

function makeContext(
  parts: ServerParts,
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  caller: Caller,
  baseUrl: string,
): RouteContext {
  return {
    req,
    url,
    params,
    query: url.searchParams,
    caller,
    store: parts.store,
    baseUrl,
    uploadsUrl: `${baseUrl}/uploads`,
    body: <T>() => readJsonBody<T>(req),
    repo: () => {
      const { owner, repo } = params;
      if (!owner || !repo) throw notFound();
      return parts.store.repo(owner, repo);
    },
  };
}

/** Anonymous routes: the caller when the token is known, else an anonymous identity (never 401). */
function identifySoftly(req: IncomingMessage, parts: ServerParts): Caller {
  try {
    return identify(req.headers.authorization, parts.store, parts.auth);
  } catch {
    return { login: "", permissions: {}, token: undefined };
  }
}

function limitCheck(limiter: RateLimiter): void {
  const exceeded = limiter.options.exceeded ?? (limiter.overLimit() ? "primary" : undefined);
  if (!exceeded) return;
  if (exceeded === "secondary" || exceeded === "secondary-429") {
    const retryAfter = limiter.options.retryAfterSeconds;
    throw new ApiError(exceeded === "secondary" ? 403 : 429, SECONDARY_MESSAGE, {
      headers: retryAfter === null ? {} : { "retry-after": String(retryAfter ?? 60) },
      documentationUrl:
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    });
  }
  throw new ApiError(exceeded === "primary-429" ? 429 : 403, PRIMARY_MESSAGE, {
    headers: { "x-ratelimit-remaining": "0" },
    documentationUrl:
      "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits",
  });
}

function faultResponse(rule: FaultRule): ApiError | undefined {
  switch (rule.kind) {
    case "5xx":
      return new ApiError(rule.status ?? 502, "Server Error");
    case "429":
      // A transient limit: `x-ratelimit-reset` says when to retry, as GitHub's docs tell clients to read it
      // ("you should not retry your request until after the time specified by the x-ratelimit-reset header",
      // https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately).
      // The limiter's own reset (an hour away) would make it a limit no run can wait out.
      return new ApiError(429, PRIMARY_MESSAGE, {
        headers: {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 1),
          "retry-after": "1",
        },
      });
    case "secondary-rate-limit":
      return new ApiError(403, SECONDARY_MESSAGE, { headers: { "retry-after": "1" } });
    case "reset-mid-body":
      return new ApiError(200, "reset");
    case "slow":
      return undefined;
  }
}

/** `/uploads/repos/...` → `/repos/...`; `{ref+}` → `{ref}`. */
export function openapiPathOf(definition: RouteDefinition): string {
  return definition.template.replace(/^\/uploads/, "").replace(/\{(\w+)\+\}/g, "{$1}");
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
  serialized?: string,
): void {
  const text = serialized ?? JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}
