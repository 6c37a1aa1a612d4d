/**
 * `/_blob/…`: the part of Azure Blob Storage the artifact client uses, behind signed URLs. Uploads are
 * staged blocks (`PUT ?comp=block&blockid=…`, any order, streamed to one file each) committed by a block
 * list (`PUT ?comp=blocklist`, concatenated in list order into the blob file while it is hashed); downloads
 * stream the file. Nothing is held in memory beyond stream buffers, whatever the artifact's size.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ActionsRuntimeContext } from "../runtime-contract.js";
import { verifyBlobUrl } from "./signing.js";
import { findArtifactByBlob } from "./state.js";

export const BLOB_PREFIX = "/_blob/devstoreaccount1/artifacts/";
/** Azure's limits: a block list is at most 50,000 ids; the XML body stays small. */
const MAX_BLOCK_LIST_BYTES = 8 * 1024 * 1024;

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, {
    "content-type": "application/xml",
    "content-length": String(Buffer.byteLength(body)),
    "x-ms-error-code": code,
  });
  res.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function created(res: ServerResponse): void {
  res.writeHead(201, { "content-length": "0", "x-ms-request-server-encrypted": "true" });
  res.end();
}

const blockDir = (runtime: ActionsRuntimeContext, blob: string): string =>
  join(runtime.store.blobDir, `${blob}.blocks`);
/** Block ids are base64 (with `/`, `+`, `=`): files are named by their hash. */
const blockFile = (runtime: ActionsRuntimeContext, blob: string, blockId: string): string =>
  join(blockDir(runtime, blob), createHash("sha1").update(blockId).digest("hex"));

async function readSmallBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Concatenates `sources` into `target`, returning the sha256 (hex) and size of what was written. */
async function concatenate(sources: string[], target: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const out = createWriteStream(target);
  async function* chunks() {
    for (const source of sources) {
      for await (const chunk of createReadStream(source)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
  }
  await pipeline(chunks, out);
  return { sha256: hash.digest("hex"), size };
}

async function putBlock(
  runtime: ActionsRuntimeContext,
  req: IncomingMessage,
  res: ServerResponse,
  blob: string,
) {
  const blockId = new URL(req.url ?? "", "http://x").searchParams.get("blockid");
  if (!blockId) return sendError(res, 400, "InvalidQueryParameterValue", "blockid is required");
  await mkdir(blockDir(runtime, blob), { recursive: true });
  await pipeline(req, createWriteStream(blockFile(runtime, blob, blockId)));
  created(res);
}

async function putBlockList(
  runtime: ActionsRuntimeContext,
  req: IncomingMessage,
  res: ServerResponse,
  blob: string,
) {
  const xml = await readSmallBody(req, MAX_BLOCK_LIST_BYTES);
  if (xml === undefined) return sendError(res, 413, "RequestBodyTooLarge", "the block list is too large");
  const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2] ?? "");
  const files = ids.map((id) => blockFile(runtime, blob, id));
  for (const file of files) {
    const found = await stat(file).catch(() => undefined);
    if (!found) return sendError(res, 400, "InvalidBlockList", "The specified block list is invalid.");
  }
  const written = await concatenate(files, join(runtime.store.blobDir, blob));
  await rm(blockDir(runtime, blob), { recursive: true, force: true });
  const data = findArtifactByBlob(runtime.store, blob);
  if (data) {
    data.blobSha256 = written.sha256;
    data.blobSize = written.size;
    const contentType = req.headers["x-ms-blob-content-type"];
    if (typeof contentType === "string" && contentType !== "") data.mime_type = contentType;
    runtime.persist();
  }
  created(res);
}

/** A single-shot `Put Blob` (the SDK stages blocks even for tiny bodies, but other clients may not). */
async function putBlob(
  runtime: ActionsRuntimeContext,
  req: IncomingMessage,
  res: ServerResponse,
  blob: string,
) {
  const target = join(runtime.store.blobDir, blob);
  const hash = createHash("sha256");
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  await pipeline(req, createWriteStream(target));
  const data = findArtifactByBlob(runtime.store, blob);
  if (data) {
    data.blobSha256 = hash.digest("hex");
    data.blobSize = size;
    runtime.persist();
  }
  created(res);
}

async function getBlob(runtime: ActionsRuntimeContext, res: ServerResponse, blob: string, method: string) {
  const data = findArtifactByBlob(runtime.store, blob);
  const path = join(runtime.store.blobDir, blob);
  const found = data && !data.expired && data.finalized ? await stat(path).catch(() => undefined) : undefined;
  if (!data || !found) return sendError(res, 404, "BlobNotFound", "The specified blob does not exist.");
  const headers: Record<string, string> = {
    "content-type": data.mime_type,
    "content-length": String(found.size),
    "x-ms-blob-type": "BlockBlob",
  };
  if (data.mime_type !== "application/zip")
    headers["content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(data.name)}`;
  res.writeHead(200, headers);
  if (method === "HEAD") {
    res.end();
    return;
  }
  await pipeline(createReadStream(path), res);
}

/** Removes a blob and any blocks staged for it (an upload abandoned before its block list). */
export async function discardBlob(runtime: ActionsRuntimeContext, blob: string): Promise<void> {
  runtime.store.deleteBlob(blob);
  await rm(blockDir(runtime, blob), { recursive: true, force: true });
}

/** Serves one `/_blob/` request. */
export async function serveBlob(
  runtime: ActionsRuntimeContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const blob = url.pathname.slice(BLOB_PREFIX.length);
  const method = req.method ?? "GET";
  const reading = method === "GET" || method === "HEAD";
  if (!url.pathname.startsWith(BLOB_PREFIX) || !/^[\w.-]+$/.test(blob) || (!reading && method !== "PUT")) {
    req.resume();
    return sendError(
      res,
      400,
      "InvalidUri",
      "The requested URI does not represent any resource on the server.",
    );
  }
  const refused = verifyBlobUrl(runtime.store, url, reading ? "r" : "w");
  if (refused) {
    req.resume();
    return sendError(res, 403, "AuthenticationFailed", refused);
  }
  if (reading) return getBlob(runtime, res, blob, method);
  const comp = url.searchParams.get("comp");
  if (comp === "block") return putBlock(runtime, req, res, blob);
  if (comp === "blocklist") return putBlockList(runtime, req, res, blob);
  if (comp === null) return putBlob(runtime, req, res, blob);
  req.resume();
  return sendError(res, 400, "InvalidQueryParameterValue", `comp=${comp} is not supported`);
}
