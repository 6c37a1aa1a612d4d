/**
 * The results service's `github.actions.results.api.v1.ArtifactService`, twirp over JSON, as the
 * `@actions/artifact` client (v6) speaks it: snake_case fields, int64 as strings, every reply JSON (the
 * client parses error bodies too; a non-JSON body would make it retry for half a minute).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ActionsRuntimeContext as RuntimeContext } from "../runtime-contract.js";
import type { ArtifactData, RepoData, WorkflowRunData } from "../state/model.js";
import { discardBlob } from "./blob.js";
import { type RuntimeScope, signBlobUrl, verifyRuntimeToken } from "./signing.js";
import { actionsOf, findRunByBackendId, invalidArtifactName, liveArtifacts } from "./state.js";

export const TWIRP_PREFIX = "/twirp/github.actions.results.api.v1.ArtifactService/";
/** Default retention when CreateArtifact sends no `expires_at` (GitHub's default: 90 days). */
const DEFAULT_RETENTION_DAYS = 90;
/** Signed upload URLs must outlive a slow multi-GiB upload; download URLs are short-lived. */
const UPLOAD_URL_SECONDS = 6 * 3600;
const DOWNLOAD_URL_SECONDS = 3600;
/** The exact message GitHub's service sends for a duplicate name (the client shows it). */
export const DUPLICATE_MESSAGE = "an artifact with this name already exists on the workflow run";

const STATUS: Record<string, number> = {
  invalid_argument: 400,
  malformed: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
};

/** A twirp error: `{code, msg}` with the code's HTTP status. */
class TwirpError extends Error {
  constructor(
    readonly code: keyof typeof STATUS,
    message: string,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;

interface Call {
  runtime: RuntimeContext;
  scope: RuntimeScope;
  repo: RepoData;
  run: WorkflowRunData;
  body: Body;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Body;
  } catch {
    // fall through
  }
  throw new TwirpError("malformed", "the request body is not a JSON object");
}

const text = (body: Body, field: string): string | undefined => {
  const value = body[field];
  return typeof value === "string" && value !== "" ? value : undefined;
};

function requireText(body: Body, field: string): string {
  const value = text(body, field);
  if (value === undefined) throw new TwirpError("invalid_argument", `${field} is required`);
  return value;
}

/** int64 fields arrive as strings (protobuf JSON) or numbers. */
function int64(body: Body, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0)
    throw new TwirpError("invalid_argument", `${field} must be a non-negative integer`);
  return number;
}

/** The token decides the run: a body naming another run is refused. */
function authenticate(runtime: RuntimeContext, req: IncomingMessage, body: Body): Call {
  const header = req.headers.authorization ?? "";
  const token = /^bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (!token) throw new TwirpError("unauthenticated", "missing bearer token");
  const scope = verifyRuntimeToken(runtime.store, token);
  if ("error" in scope) throw new TwirpError("unauthenticated", scope.error);
  const claimed = requireText(body, "workflow_run_backend_id");
  if (claimed !== scope.runBackendId)
    throw new TwirpError("permission_denied", "the token does not grant access to this workflow run");
  const found = findRunByBackendId(runtime.store, scope.runBackendId);
  if (!found) throw new TwirpError("not_found", "workflow run not found");
  return { runtime, scope, body, repo: found.repo, run: found.run };
}

function blobNameFor(mimeType: string): string {
  return `actions-${randomUUID()}${mimeType === "application/zip" ? ".zip" : ".bin"}`;
}

function createArtifact(call: Call): Body {
  const { body, runtime, repo, run } = call;
  const name = requireText(body, "name");
  const invalid = invalidArtifactName(name);
  if (invalid) throw new TwirpError("invalid_argument", invalid);
  const version = int64(body, "version") ?? 0;
  if (version < 4) throw new TwirpError("invalid_argument", `unsupported artifact version ${version}`);
  const actions = actionsOf(repo);
  const existing = actions.artifacts.find((a) => a.runId === run.id && a.name === name);
  if (existing?.finalized) throw new TwirpError("already_exists", DUPLICATE_MESSAGE);
  if (existing) {
    // An upload that never finalized (a crashed job) is replaced.
    discardBlob(runtime, existing.blob).catch(() => undefined);
    actions.artifacts = actions.artifacts.filter((a) => a !== existing);
  }
  const expiresAt = text(body, "expires_at");
  if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt)))
    throw new TwirpError("invalid_argument", "expires_at is not a timestamp");
  const mimeType = text(body, "mime_type") ?? "application/zip";
  const now = runtime.store.now();
  const data: ArtifactData = {
    id: runtime.store.nextId(),
    runId: run.id,
    jobBackendId: call.scope.jobBackendId,
    name,
    mime_type: mimeType,
    finalized: false,
    size: 0,
    digest: null,
    blob: blobNameFor(mimeType),
    blobSha256: null,
    blobSize: null,
    expired: false,
    created_at: now,
    updated_at: now,
    expires_at: githubTime(
      expiresAt !== undefined
        ? new Date(expiresAt)
        : new Date(Date.now() + DEFAULT_RETENTION_DAYS * 24 * 3600 * 1000),
    ),
  };
  actions.artifacts.push(data);
  return {
    ok: true,
    signed_upload_url: signBlobUrl(runtime.store, runtime.baseUrl(), data.blob, "cw", UPLOAD_URL_SECONDS),
  };
}

/** GitHub's REST timestamps have second precision. */
function githubTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function finalizeArtifact(call: Call): Body {
  const { body, runtime, repo, run } = call;
  const name = requireText(body, "name");
  const data = actionsOf(repo).artifacts.find((a) => a.runId === run.id && a.name === name && !a.finalized);
  if (!data) throw new TwirpError("not_found", `no artifact named ${name} is being uploaded in this run`);
  if (data.blobSize === null || data.blobSha256 === null)
    throw new TwirpError(
      "failed_precondition",
      "the artifact's blob was not uploaded (no block list committed)",
    );
  const size = int64(body, "size");
  if (size !== undefined && size !== data.blobSize)
    throw new TwirpError(
      "invalid_argument",
      `size ${size} does not match the uploaded ${data.blobSize} bytes`,
    );
  const hash = text(body, "hash");
  if (hash !== undefined && hash !== `sha256:${data.blobSha256}`)
    throw new TwirpError("invalid_argument", "hash does not match the uploaded bytes");
  data.finalized = true;
  data.size = data.blobSize;
  data.digest = `sha256:${data.blobSha256}`;
  data.updated_at = runtime.store.now();
  return { ok: true, artifact_id: String(data.id) };
}

function listArtifacts(call: Call): Body {
  const { body, repo, run } = call;
  const nameFilter = text(body, "name_filter");
  const idFilter = int64(body, "id_filter");
  const artifacts = liveArtifacts(repo, run.id)
    .filter(
      (a) =>
        (nameFilter === undefined || a.name === nameFilter) && (idFilter === undefined || a.id === idFilter),
    )
    .map((a) => ({
      workflow_run_backend_id: run.backendId,
      workflow_job_run_backend_id: a.jobBackendId,
      database_id: String(a.id),
      name: a.name,
      size: String(a.size),
      created_at: new Date(a.created_at).toISOString(),
      ...(a.digest ? { digest: a.digest } : {}),
    }));
  return { artifacts };
}

function findLive(call: Call): ArtifactData {
  const name = requireText(call.body, "name");
  const data = liveArtifacts(call.repo, call.run.id).find((a) => a.name === name);
  if (!data) throw new TwirpError("not_found", `artifact ${name} not found in this workflow run`);
  return data;
}

function getSignedArtifactUrl(call: Call): Body {
  const data = findLive(call);
  return {
    signed_url: signBlobUrl(call.runtime.store, call.runtime.baseUrl(), data.blob, "r", DOWNLOAD_URL_SECONDS),
  };
}

function deleteArtifact(call: Call): Body {
  const data = findLive(call);
  const actions = actionsOf(call.repo);
  actions.artifacts = actions.artifacts.filter((a) => a !== data);
  call.runtime.store.deleteBlob(data.blob);
  return { ok: true, artifact_id: String(data.id) };
}

const METHODS: Record<string, { mutates: boolean; handle: (call: Call) => Body }> = {
  CreateArtifact: { mutates: true, handle: createArtifact },
  FinalizeArtifact: { mutates: true, handle: finalizeArtifact },
  ListArtifacts: { mutates: false, handle: listArtifacts },
  GetSignedArtifactURL: { mutates: false, handle: getSignedArtifactUrl },
  DeleteArtifact: { mutates: true, handle: deleteArtifact },
};

/** Serves one twirp request (the path starts with {@link TWIRP_PREFIX}). */
export async function serveTwirp(
  runtime: RuntimeContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    const method = METHODS[url.pathname.slice(TWIRP_PREFIX.length)];
    if (!method || req.method !== "POST") {
      req.resume();
      throw new TwirpError("bad_route", `no handler for ${req.method} ${url.pathname}`);
    }
    const body = await readBody(req);
    const reply = method.handle(authenticate(runtime, req, body));
    if (method.mutates) runtime.persist();
    sendJson(res, 200, reply);
  } catch (error) {
    if (!(error instanceof TwirpError)) throw error;
    sendJson(res, STATUS[error.code] ?? 500, { code: error.code, msg: error.message });
  }
}
