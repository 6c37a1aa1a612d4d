/**
 * `@mlops/github-emulator`: a local, stateful stand-in for the GitHub REST API (and, via the Actions
 * runtime plug-in, the artifact service) for tests and the demo. Start it with `startEmulator()`.
 */
import type { Server } from "node:http";
import { mintToken, type Permissions, type TokenSpec } from "./auth.js";
import { FaultInjector, type FaultRule } from "./faults.js";
import type { SchemaViolation } from "./openapi/validator.js";
import { RateLimiter, type RateLimitOptions } from "./rate-limit.js";
import { buildRouter } from "./routes/index.js";
import { listen, type RequestLogEntry, type ServerParts } from "./server.js";
import { DEFAULT_SERVER_URL, sigstoreUrls } from "./sigstore/index.js";
import { Store } from "./state/store.js";

export type { PermissionLevel, Permissions, TokenSpec } from "./auth.js";
export type { FaultKind, FaultRule } from "./faults.js";
export type { SchemaViolation } from "./openapi/validator.js";
export type { RateLimitOptions } from "./rate-limit.js";
export type { RequestLogEntry } from "./server.js";

export interface EmulatorOptions {
  /** Port to listen on (default 0 = any free port). Always binds 127.0.0.1. */
  port?: number;
  /** Directory for `state.json` + `blobs/`; loaded on start, written after each mutating request. */
  stateDir?: string;
  /** Seed for fault injection (default 1). */
  seed?: number;
  /** Known tokens. When given, any other (non-minted) token gets 401 "Bad credentials". */
  tokens?: Record<string, TokenSpec>;
  /** Permissions of tokens that do not declare their own (default: every scope `write`). */
  defaultPermissions?: Permissions;
  faults?: FaultRule[];
  rateLimit?: RateLimitOptions;
  /** Validate every response against GitHub's OpenAPI description; see `Emulator.violations`. */
  validateResponses?: boolean;
  /**
   * The emulator's clock in epoch milliseconds (default `Date.now`): every timestamp it writes
   * (`created_at`, `submitted_at`, statuses …) comes from it, to the second (equal in one second, as on
   * GitHub; never going back).
   * Tests move it forward to build a history with known durations.
   */
  clock?: () => number;
  /**
   * The jobs' `GITHUB_SERVER_URL` (default `https://github.localhost`, what the local runner gives its jobs):
   * the Sigstore stand-ins' Fulcio puts `${serverUrl}/${job_workflow_ref}` in certificates, as GitHub's
   * Fulcio mapping puts `https://github.com/…`.
   */
  serverUrl?: string;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`: use as Octokit's `baseUrl` / `GITHUB_API_URL`. */
  url: string;
  /** `${url}/uploads`: the uploads host (release `upload_url`s point here). */
  uploadsUrl: string;
  /** The jobs' `GITHUB_SERVER_URL` the Sigstore stand-ins use (see `EmulatorOptions.serverUrl`). */
  serverUrl: string;
  /**
   * The Sigstore stand-ins (Sigstore's own `@sigstore/mock` Fulcio, Rekor and TSA behind the emulator): base
   * URLs as `@sigstore/sign` takes them, the trusted root's URL, and the OIDC issuer Fulcio trusts.
   */
  sigstore: {
    fulcioUrl: string;
    rekorUrl: string;
    tsaUrl: string;
    trustedRootUrl: string;
    oidcIssuer: string;
    /** The TrustedRoot JSON (what `GET trustedRootUrl` answers; `TrustedRoot.fromJSON` takes it). */
    trustedRoot(): Promise<Record<string, unknown>>;
  };
  /** Every request served, in order. */
  requestLog: RequestLogEntry[];
  /** OpenAPI violations collected when `validateResponses` is on. */
  violations: SchemaViolation[];
  clearLog(): void;
  setFaults(rules: FaultRule[]): void;
  setRateLimit(options: RateLimitOptions): void;
  /** The primary rate limit's counters now (what `GET /rate_limit` answers, without a request). */
  rateLimit(): { limit: number; remaining: number; used: number; reset: number };
  /** Mints a token holding exactly `permissions` (default login `github-actions[bot]`). */
  createToken(permissions: Permissions, login?: string): string;
  close(): Promise<void>;
}

/** Starts an emulator on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const store = new Store(options.stateDir, options.clock);
  const log: RequestLogEntry[] = [];
  const rateLimiter = new RateLimiter(options.rateLimit ?? {});
  const parts: ServerParts = {
    router: buildRouter({ log, rateLimiter }),
    store,
    auth: {
      ...(options.tokens ? { tokens: options.tokens } : {}),
      ...(options.defaultPermissions ? { defaultPermissions: options.defaultPermissions } : {}),
    },
    faults: new FaultInjector(options.seed ?? 1, options.faults ?? []),
    rateLimiter,
    validate: options.validateResponses ?? false,
    log,
    violations: [],
    serverUrl: options.serverUrl ?? DEFAULT_SERVER_URL,
  };
  const { server, url } = await listen(parts, options.port ?? 0);
  return {
    url,
    uploadsUrl: `${url}/uploads`,
    serverUrl: parts.serverUrl,
    sigstore: sigstoreApi(url),
    requestLog: parts.log,
    violations: parts.violations,
    clearLog: () => {
      parts.log.length = 0;
    },
    setFaults: (rules) => parts.faults.set(rules),
    setRateLimit: (rateLimit) => {
      parts.rateLimiter.options = rateLimit;
    },
    rateLimit: () => parts.rateLimiter.snapshot(),
    createToken: (permissions, login) => {
      const token = mintToken(store, permissions, login);
      store.persist();
      return token;
    },
    close: () => closeServer(server, store),
  };
}

function sigstoreApi(url: string): Emulator["sigstore"] {
  const urls = sigstoreUrls(url);
  return {
    fulcioUrl: urls.fulcio,
    rekorUrl: urls.rekor,
    tsaUrl: urls.tsa,
    trustedRootUrl: urls.trustedRoot,
    oidcIssuer: urls.oidcIssuer,
    trustedRoot: async () => {
      const response = await fetch(urls.trustedRoot);
      if (!response.ok) throw new Error(`GET ${urls.trustedRoot} → ${response.status}`);
      return (await response.json()) as Record<string, unknown>;
    },
  };
}

async function closeServer(server: Server, store: Store): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  store.persist();
  store.dispose();
}
