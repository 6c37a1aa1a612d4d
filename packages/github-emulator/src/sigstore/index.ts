/**
 * The Sigstore stand-ins under `/_sigstore/` (not GitHub's API, so outside the REST router: no GitHub
 * headers, rate limit or OpenAPI validation). Fulcio, Rekor and the TSA are `@sigstore/mock`'s components,
 * wrapped with Fulcio's GitHub identity mapping (fulcio.ts) and Rekor's `dsse` canonicalisation (rekor.ts):
 * - `POST /_sigstore/fulcio/api/v2/signingCert` — Fulcio v2;
 * - `POST /_sigstore/rekor/api/v1/log/entries` — Rekor v1;
 * - `POST /_sigstore/tsa/api/v1/timestamp` — RFC 3161 timestamps (sigstore/timestamp-authority's JSON request);
 * - `GET /_sigstore/trusted_root.json` — the TrustedRoot naming all three.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { tsaHandler } from "@sigstore/mock/dist/timestamp/handler.js";
import { OIDC_PATH, oidcPublicKey } from "../actions-runtime/oidc.js";
import type { FaultRule } from "../faults.js";
import { readText } from "../http/context.js";
import type { Store } from "../state/store.js";
import { createSigningCertificate } from "./fulcio.js";
import { createLogEntry } from "./rekor.js";
import { sigstoreServices } from "./services.js";
import { type SigstoreUrls, TRUSTED_ROOT_MEDIA_TYPE, trustedRoot } from "./trusted-root.js";

export const SIGSTORE_PREFIX = "/_sigstore/";
export const DEFAULT_SERVER_URL = "https://github.localhost";

/**
 * Where the stand-ins live for an emulator at `baseUrl`: `fulcio`, `rekor` and `tsa` are base URLs as
 * `@sigstore/sign` takes them (`fulcioBaseURL`, `rekorBaseURL`, `tsaBaseURL`; the clients append
 * `/api/v2/signingCert`, `/api/v1/log/entries`, `/api/v1/timestamp`).
 */
export function sigstoreUrls(baseUrl: string): SigstoreUrls & { trustedRoot: string; oidcIssuer: string } {
  return {
    fulcio: `${baseUrl}/_sigstore/fulcio`,
    rekor: `${baseUrl}/_sigstore/rekor`,
    tsa: `${baseUrl}/_sigstore/tsa`,
    ctlog: `${baseUrl}/_sigstore/ctlog`,
    trustedRoot: `${baseUrl}/_sigstore/trusted_root.json`,
    oidcIssuer: `${baseUrl}${OIDC_PATH}`,
  };
}

export interface SigstoreContext {
  store: Store;
  baseUrl(): string;
  /** The jobs' `GITHUB_SERVER_URL` (Fulcio's `url` for GitHub certificates). */
  serverUrl: string;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra = {}): number {
  res.writeHead(status, {
    "content-type": type,
    "content-length": String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
  return status;
}

const JSON_TYPE = "application/json";

/**
 * A fault rule naming a stand-in's path (`{route: "/_sigstore/rekor/api/v1/log/entries", kind: "5xx"}`):
 * `5xx` → that status (default 502), `429`/`secondary-rate-limit` → 429, `reset-mid-body` → the connection is
 * dropped before any answer. `@sigstore/sign`'s clients retry 5xx and 429 (`external/fetch.js` `retryable`).
 */
export function sendSigstoreFault(res: ServerResponse, rule: FaultRule): number {
  if (rule.kind === "reset-mid-body") {
    res.destroy();
    return 0;
  }
  const status = rule.kind === "5xx" ? (rule.status ?? 502) : 429;
  return send(res, status, JSON.stringify({ code: status, message: "injected fault" }), JSON_TYPE);
}

/** Serves a `/_sigstore/…` request; resolves the status sent. */
export async function serveSigstore(
  ctx: SigstoreContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<number> {
  const base = ctx.baseUrl();
  const urls = sigstoreUrls(base);
  const services = await sigstoreServices(ctx.store, urls.rekor);
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  switch (route) {
    case "GET /_sigstore/trusted_root.json":
      return send(res, 200, JSON.stringify(trustedRoot(services, urls)), TRUSTED_ROOT_MEDIA_TYPE);
    case "POST /_sigstore/fulcio/api/v2/signingCert": {
      const reply = await createSigningCertificate(
        {
          ca: services.ca,
          caRoot: services.caRoot,
          issuer: urls.oidcIssuer,
          issuerKey: oidcPublicKey(ctx.store),
          serverUrl: ctx.serverUrl,
        },
        await readText(req),
        req.headers.authorization,
      );
      const extra = reply.detail ? { "x-emulator-detail": reply.detail } : {};
      return send(res, reply.status, JSON.stringify(reply.json), JSON_TYPE, extra);
    }
    case "POST /_sigstore/rekor/api/v1/log/entries": {
      const reply = await createLogEntry(services.tlog, await readText(req));
      return send(res, reply.status, reply.body, JSON_TYPE);
    }
    case "POST /_sigstore/tsa/api/v1/timestamp": {
      const reply = await tsaHandler(services.tsa).fn(await readText(req));
      if (reply.statusCode >= 300)
        return send(res, 400, JSON.stringify({ code: 400, message: String(reply.response) }), JSON_TYPE);
      return send(
        res,
        200, // sigstore/timestamp-authority's default (`--use-http-201` is opt-in, cmd/timestamp-server/app/root.go)
        Buffer.from(reply.response as Uint8Array),
        "application/timestamp-reply",
      );
    }
    default:
      req.resume();
      return send(res, 404, JSON.stringify({ code: 5, message: "Not Found", details: [] }), JSON_TYPE);
  }
}
