import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import {
  buildModelManifest,
  compareModelVersions,
  GitHubError,
  InputError,
  type ModelManifest,
  type ModelVersion,
  metadataMetrics,
  nextAutoVersion,
  parseModelManifest,
  parseModelVersion,
  parseReleaseMetadata,
  type RunFacts,
  releaseCardOf,
  SIGNATURE_ASSETS,
  SIGSTORE_PROVENANCE_ASSET,
  type VersionSigner,
  validateAliasName,
  validateModelName,
} from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { createOnce } from "../create-once.js";
import { githubErrorReason, translateGitHubError, withGitHubErrors } from "../errors.js";
import { type GitHubLog, progressCounter, silentLog, type TransferProgress } from "../log.js";
import { setAliasRef } from "./aliases.js";
import { type AttestationResult, publishAttestation } from "./attest.js";
import { settleLatest } from "./latest.js";
import {
  type FileDigest,
  hashFile,
  keyFromTagMessage,
  parseSha256Sums,
  renderSha256Sums,
  tagMessage,
} from "./metadata.js";
import { checkReleaseMetadataFits, MODEL_CARD_ASSET, renderReleaseCard } from "./model-card.js";
import {
  findVersion,
  type ModelRefs,
  versionOfAlias,
  versionSelector,
  versionsDescending,
  versionTagName,
} from "./names.js";
import {
  DEFAULT_PART_BYTES,
  type FilePart,
  hashFileInParts,
  MAX_RELEASE_ASSETS,
  partCount,
  partName,
} from "./parts.js";
import { readModelRefs } from "./refs.js";
import { listAllReleases, type Release, type ReleaseAsset, toRelease } from "./release.js";
import { type AssetSource, MAX_ASSET_BYTES, uploadAsset } from "./upload.js";

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RESERVED_NAMES = new Set<string>(["model.json", "SHA256SUMS", MODEL_CARD_ASSET, ...SIGNATURE_ASSETS]);
/** How many times a lost `auto` version race is retried before giving up. */
const MAX_ALLOCATION_ATTEMPTS = 50;

export interface RegisterModelOptions {
  owner: string;
  repo: string;
  model: string;
  /** The commit the model was trained from; the version tag points at it. */
  commitSha: string;
  files: Array<{ path: string; name?: string }>;
  metrics: Record<string, number>;
  params?: Record<string, unknown>;
  /** Lineage for `model.json`; missing fields get defaults (repository = owner/repo, commit = commitSha). `parent_version` is always the version behind `@production` at registration. */
  lineage?: Partial<Omit<ModelManifest["lineage"], "parent_version">> & Record<string, unknown>;
  /** Input/output signature for `model.json`, if known. */
  signature?: Record<string, unknown>;
  /** Who registered (the workflow actor). */
  actor?: string;
  /** Other files attached to the release and listed in SHA256SUMS but not model files (reference profile, per-example results). */
  extraAssets?: Array<{ path: string; name?: string }>;
  /** `https://github.com`: for the links of the model card. */
  serverUrl?: string;
  description?: string;
  tags?: string[];
  /** Gate result shown in the release body (`passed`, `failed`, …). */
  gate?: string;
  aliases?: string[];
  prerelease?: boolean;
  /** `<repo>/<run_id>/<model>`: a rerun of the same run returns the same version. */
  idempotencyKey: string;
  /**
   * An explicit version instead of `auto` (the highest major + 1, as a whole number): a whole number
   * (`7`) or semver (`1.4.0`, `2.0.0-rc.1`; a leading `v` is fine; build metadata `+…` is refused).
   * A version that already exists (or one of equal precedence, `7` ↔ `7.0.0`) is an error, unless this
   * run (idempotency key) registered it.
   */
  version?: ModelVersion;
  /**
   * Signs the version before it is published (docs/architecture.md, "Signed model versions"): every
   * SHA256SUMS entry and SHA256SUMS itself, with the provenance facts; its assets are uploaded to the
   * draft with the others, so nothing is added after publishing (immutable releases).
   */
  signer?: VersionSigner;
  /**
   * Store a keyless signer's provenance bundle as a GitHub artifact attestation (default true): before
   * publishing, idempotent; a token without `attestations: write` gets a warning, not a failure.
   */
  attest?: boolean;
  /** The run that registers (the provenance's invocation); defaults to `lineage.run`. */
  invocation?: RunFacts;
  /** The event that started the registering run (`push`, `workflow_dispatch`), for the provenance. */
  eventName?: string;
  log?: GitHubLog;
  /**
   * Model files larger than this many bytes are stored as numbered parts (`model.bin.part-0001-of-0002`),
   * each at most this size. Default 2,000,000,000 (GitHub: each asset under 2 GiB); tests use less.
   */
  partBytes?: number;
  /** Told how hashing and uploading advance (bytes of the model files), for progress output. */
  progress?: TransferProgress;
}

export interface RegisteredModel {
  model: string;
  /** The version label (`7`, `1.4.0`). */
  version: ModelVersion;
  tag: string;
  tagSha: string;
  releaseId: number;
  releaseUrl: string;
  assets: ReleaseAsset[];
  /** The human model card (the release body without its metadata block). */
  card: string;
  /** The version `@production` named at registration (`lineage.parent_version`). */
  parentVersion: ModelVersion | null;
  /** `created`: new version; `resumed`: an unfinished registration of this key was finished; `existing`: already registered. */
  outcome: "created" | "resumed" | "existing";
  /** Who signed this registration (a key id, or the certificate's SAN), when it was signed now. */
  signedBy?: string;
  /** The artifact attestation of a keyless-signed registration. */
  attestation?: AttestationResult;
}

interface LocalFile extends FileDigest {
  path: string;
  /** Set when the file is stored as numbered parts. */
  parts?: FilePart[];
}

interface PlannedFile {
  name: string;
  path: string;
  size: number;
  /** Asset names this file takes: its own, or its parts'. */
  assetNames: string[];
}

/**
 * Names, sizes and asset names of the inputs, from `stat` alone — so a bad name, an empty file or more
 * assets than a release holds are refused before anything is hashed or written. `partBytes` undefined:
 * never split (the extra assets), and a file of 2 GiB or more is refused.
 */
async function planInputs(
  files: RegisterModelOptions["files"],
  seen: Set<string>,
  partBytes: number | undefined,
  what: string,
): Promise<PlannedFile[]> {
  const What = `${what.charAt(0).toUpperCase()}${what.slice(1)}`;
  const planned: PlannedFile[] = [];
  for (const file of files) {
    const name = file.name ?? basename(file.path);
    if (!ASSET_NAME.test(name))
      throw new InputError(
        `Asset name '${name}' is not allowed: GitHub silently renames anything outside [A-Za-z0-9._-].`,
      );
    if (RESERVED_NAMES.has(name))
      throw new InputError(`Asset name '${name}' is reserved for the registry's own metadata.`);
    const info = await stat(file.path).catch((error: unknown) => {
      throw new InputError(`Cannot read ${what} ${file.path}: ${(error as Error).message}`);
    });
    if (!info.isFile())
      throw new InputError(
        `${What} ${file.path} is not a file; give the files of a model directory one by one.`,
      );
    if (info.size === 0)
      throw new InputError(`${What} ${file.path} is empty; GitHub rejects empty release assets.`);
    if (partBytes === undefined && info.size > MAX_ASSET_BYTES)
      throw new InputError(
        `${What} ${file.path} is ${info.size} bytes; GitHub release assets must be under 2 GiB.`,
      );
    const count = partBytes === undefined ? 1 : partCount(info.size, partBytes);
    const assetNames =
      count === 1 ? [name] : Array.from({ length: count }, (_, i) => partName(name, i, count));
    for (const assetName of count === 1 ? [name] : [name, ...assetNames]) {
      if (seen.has(assetName))
        throw new InputError(`Two model files (or parts) are both named '${assetName}'.`);
      seen.add(assetName);
    }
    planned.push({ name, path: file.path, size: info.size, assetNames });
  }
  return planned;
}

async function hashPlanned(
  planned: PlannedFile[],
  partBytes: number | undefined,
  onBytes?: (bytes: number) => void,
): Promise<LocalFile[]> {
  const result: LocalFile[] = [];
  for (const file of planned) {
    const digest = await (partBytes === undefined
      ? hashFile(file.path)
      : hashFileInParts(file.path, file.name, partBytes, onBytes)
    ).catch((error: unknown) => {
      throw new InputError(`Cannot read ${file.path}: ${(error as Error).message}`);
    });
    result.push({ name: file.name, path: file.path, ...digest });
  }
  return result;
}

/** The release's asset count must stay within GitHub's 1,000 (refused before anything is written). */
function checkAssetCount(model: string, files: PlannedFile[], extras: PlannedFile[], signed: boolean): void {
  // model.json, SHA256SUMS, MODEL_CARD.md (when the card is cut), and the two signature assets when signed.
  const own = 3 + (signed ? 2 : 0);
  const total = [...files, ...extras].reduce((sum, f) => sum + f.assetNames.length, 0) + own;
  if (total > MAX_RELEASE_ASSETS) {
    const parted = files.filter((f) => f.assetNames.length > 1).length;
    throw new InputError(
      `register ${model}: the version would need ${total} release assets (${files.length} model files${parted > 0 ? `, ${parted} of them split into parts` : ""}, ${extras.length} extra files, ${own} for the registry's metadata); GitHub allows at most ${MAX_RELEASE_ASSETS} per release. Nothing was created. Pack small files together (e.g. a tar of the tokenizer directory) or use fewer, larger shards.`,
    );
  }
}

function sourceFromText(name: string, text: string, contentType: string): AssetSource {
  const content = Buffer.from(text, "utf8");
  return {
    name,
    size: content.length,
    sha256: createHash("sha256").update(content).digest("hex"),
    contentType,
    content,
  };
}

/**
 * Registers a model version on GitHub Releases (docs/architecture.md, "The registry on releases"):
 * 1. look for this idempotency key in the releases (every page, drafts included) — a published one is
 *    returned as is, a draft is resumed; a version tag without release whose tag message carries the
 *    key (crash between ref and release) is resumed too (≤ 3 tag reads, only when such tags exist);
 * 2. next N from one matching-refs call; create the annotated tag object (message carries the key);
 * 3. `POST /git/refs` is the lock: 422 "Reference already exists" by someone else → N+1 (bounded);
 *    any other refusal (a tag ruleset: "Repository rule violations found") is an error naming the ref;
 *    a replayed create of our own ref is recognised by its SHA;
 * 4. draft release (`make_latest: "false"`, metadata block in the body) — created without Octokit
 *    retries and reconciled by key after a failure, so a replay never makes a second draft;
 * 5. upload model files, `model.json`, `SHA256SUMS` (streamed; server digest checked);
 * 6. publish; 7. set aliases.
 * Calls: about 6 + 1 per asset + 1 per alias.
 */
export async function registerModel(
  client: GitHubClient,
  options: RegisterModelOptions,
): Promise<RegisteredModel> {
  const { owner, repo, idempotencyKey } = options;
  const model = validateModelName(options.model);
  for (const alias of options.aliases ?? []) validateAliasName(alias);
  const explicit =
    options.version === undefined ? undefined : parseModelVersion(String(options.version)).label;
  const log = options.log ?? silentLog;
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isSafeInteger(partBytes) || partBytes < 1 || partBytes > MAX_ASSET_BYTES)
    throw new InputError(`register: the part size must be 1 … ${MAX_ASSET_BYTES} bytes, got ${partBytes}.`);
  if (options.files.length === 0) throw new InputError("register: no model files given.");
  const seen = new Set<string>();
  const plannedFiles = await planInputs(options.files, seen, partBytes, "model file");
  const plannedExtras = await planInputs(options.extraAssets ?? [], seen, undefined, "file");
  checkAssetCount(model, plannedFiles, plannedExtras, options.signer !== undefined);
  const hashed = progressCounter(
    options.progress,
    "hash",
    plannedFiles.reduce((sum, f) => sum + f.size, 0),
  );
  const files = await hashPlanned(plannedFiles, partBytes, hashed);
  const extras = await hashPlanned(plannedExtras, undefined);
  // Before anything is written: the release body must have room for a card (GitHub: 125,000 characters).
  checkReleaseMetadataFits({
    model,
    version: "9999999999.9999999999.9999999999",
    idempotencyKey,
    parentVersion: "9999999999.9999999999.9999999999",
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.gate !== undefined ? { gate: options.gate } : {}),
  });
  return withGitHubErrors({ operation: `register ${model}`, owner, repo }, async () => {
    const refs = await readModelRefs(client, owner, repo, model);
    const found = await findOwnRegistration(client, owner, repo, model, idempotencyKey, refs);
    let release: Release;
    let version: ModelVersion;
    let outcome: RegisteredModel["outcome"];
    if (found?.release && !found.release.draft) {
      log.info(`${model}: this run already registered ${versionSelector(found.version)}; nothing to do.`);
      if (explicit !== undefined && found.version !== explicit)
        log.warning(
          `${model}: version ${explicit} was asked for, but this run already registered ${versionSelector(found.version)}; keeping it.`,
        );
      const aliases = aliasesToMove(model, found.version, options.aliases ?? [], refs, log);
      await applyAliases(client, owner, repo, model, aliases, found.tagSha, refs);
      if (options.aliases?.includes("latest")) await settleLatest(client, { owner, repo, model, log });
      const parent = parseReleaseMetadata(found.release.body)?.parentVersion ?? null;
      // A keyless version published without its attestation (the token lacked attestations: write) gets it
      // now; one already stored is found and not posted again.
      const attestation =
        options.signer && options.attest !== false
          ? await attestPublished(client, owner, repo, model, found.version, found.release, log)
          : undefined;
      return {
        ...result(model, found.version, found.tagSha, found.release, "existing", parent),
        ...(attestation ? { attestation } : {}),
      };
    }
    let tagSha: string;
    if (found) {
      ({ version, tagSha } = found);
      log.info(`${model}: resuming the unfinished registration of ${versionSelector(version)}.`);
      outcome = "resumed";
    } else {
      ({ version, tagSha } = await allocateVersion(client, owner, repo, model, options, explicit, refs));
      outcome = "created";
    }
    const aliases = aliasesToMove(model, version, options.aliases ?? [], refs, log);
    const parentVersion = versionOfAlias(refs, "production") ?? null;
    const meta = {
      model,
      version,
      idempotencyKey,
      parentVersion,
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.gate !== undefined ? { gate: options.gate } : {}),
      ...(metadataMetrics(options.metrics) ? { metrics: metadataMetrics(options.metrics) } : {}),
    };
    const manifestText = buildModelManifest(
      buildManifest(owner, repo, model, version, files, parentVersion, options),
    );
    const manifest = parseModelManifest(manifestText);
    // The card fits the release body (long tables collapsed and cut, said so); the whole card, when
    // cut, goes up as MODEL_CARD.md.
    const releaseCard = renderReleaseCard(meta, {
      manifest,
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.gate !== undefined ? { gate: options.gate } : {}),
      ...(aliases.length > 0 ? { aliases } : {}),
      ...(options.serverUrl ? { serverUrl: options.serverUrl } : {}),
    });
    release =
      found?.release ??
      (await createDraftRelease(
        client,
        owner,
        repo,
        versionTagName(model, version),
        releaseCard.body,
        options.prerelease ?? false,
        idempotencyKey,
      ));

    const existingManifest = release.assets.find((a) => a.name === "model.json");
    const manifestSource = sourceFromText("model.json", manifestText, "application/json");
    const sources: AssetSource[] = [
      ...[...files, ...extras].flatMap((f): AssetSource[] =>
        f.parts
          ? f.parts.map((part) => ({
              name: part.name,
              size: part.size,
              sha256: part.sha256,
              path: f.path,
              offset: part.offset,
              contentType: "application/octet-stream",
            }))
          : [
              {
                name: f.name,
                size: f.size,
                sha256: f.sha256,
                path: f.path,
                contentType: "application/octet-stream",
              },
            ],
      ),
      manifestSource,
    ];
    const cardSource = releaseCard.fullCard
      ? sourceFromText(MODEL_CARD_ASSET, `${releaseCard.fullCard}\n`, "text/markdown")
      : undefined;
    // A resumed draft keeps its first model.json (createdAt differs on every attempt): upload ours only if absent.
    if (existingManifest) sources.pop();
    // A file stored in parts is listed whole (for `sha256sum -c` after reassembly) and part by part.
    const sums = renderSha256Sums([
      ...files.flatMap((f) => [f, ...(f.parts ?? [])]),
      ...extras,
      ...(cardSource ? [{ name: cardSource.name, size: cardSource.size, sha256: cardSource.sha256 }] : []),
      existingManifest?.digest
        ? {
            name: "model.json",
            size: existingManifest.size,
            sha256: existingManifest.digest.replace(/^sha256:/, ""),
          }
        : { name: "model.json", size: manifestSource.size, sha256: manifestSource.sha256 },
    ]);
    if (cardSource) sources.push(cardSource);
    const sumsSource = sourceFromText("SHA256SUMS", sums, "text/plain");
    sources.push(sumsSource);
    let signedBy: string | undefined;
    let provenanceBundle: string | undefined;
    if (options.signer) {
      const signed = [...parseSha256Sums(sums)].map(([name, sha256]) => ({ name, sha256 }));
      signed.push({ name: "SHA256SUMS", sha256: sumsSource.sha256 });
      const { lineage } = manifest;
      const signatures = await options.signer.sign(signed, {
        serverUrl: options.serverUrl ?? "https://github.com",
        repository: `${owner}/${repo}`,
        commit: lineage.commit,
        workflowRef: lineage.workflow_ref,
        ...(options.eventName ? { eventName: options.eventName } : {}),
        run: options.invocation ?? lineage.run,
        trainingRun: lineage.run,
        model,
        version,
        tag: versionTagName(model, version),
        ...(options.gate !== undefined ? { gate: options.gate } : {}),
      });
      for (const signature of signatures)
        sources.push(sourceFromText(signature.name, signature.content, signature.contentType));
      signedBy = options.signer.signedBy?.();
      log.info(
        `${model}: signed ${signed.length} files of ${versionSelector(version)} (${options.signer.description}${signedBy ? `; signer ${signedBy}` : ""}).`,
      );
      provenanceBundle = signatures.find((s) => s.name === SIGSTORE_PROVENANCE_ASSET)?.content;
    }
    const assets: ReleaseAsset[] = [];
    const uploaded = progressCounter(
      options.progress,
      "upload",
      sources.reduce((sum, source) => sum + source.size, 0),
    );
    for (const source of sources)
      assets.push(await uploadAsset(client, owner, repo, release, source, uploaded));
    if (existingManifest) assets.push(existingManifest);
    // Before publishing, so a published keyless version has its attestation (or a warning said why not).
    const attestation =
      provenanceBundle !== undefined && options.attest !== false
        ? await attestVersion(client, owner, repo, model, version, provenanceBundle, sumsSource.sha256, log)
        : undefined;

    const { data: published } = await client.request("PATCH /repos/{owner}/{repo}/releases/{release_id}", {
      owner,
      repo,
      release_id: release.id,
      draft: false,
      make_latest: "false",
    });
    release = toRelease(published as Parameters<typeof toRelease>[0]);
    await applyAliases(client, owner, repo, model, aliases, tagSha, refs);
    // Without a lock, a concurrent registration may have just overwritten @latest: converge on the highest.
    if (options.aliases?.includes("latest")) await settleLatest(client, { owner, repo, model, log });
    log.info(`${model}: registered ${versionSelector(version)} (${release.htmlUrl}).`);
    return {
      ...result(model, version, tagSha, { ...release, assets }, outcome, parentVersion),
      ...(signedBy ? { signedBy } : {}),
      ...(attestation ? { attestation } : {}),
    };
  });
}

/** Stores a keyless version's provenance bundle as an artifact attestation and says how to check it. */
async function attestVersion(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  version: ModelVersion,
  bundle: string,
  sumsSha256: string,
  log: GitHubLog,
): Promise<AttestationResult> {
  const attestation = await publishAttestation(client, {
    owner,
    repo,
    bundle,
    subjectDigest: `sha256:${sumsSha256}`,
    log,
  });
  if (attestation.outcome === "created")
    log.info(`${model}: artifact attestation ${attestation.id} stored for ${versionSelector(version)}.`);
  else if (attestation.outcome === "existing")
    log.info(`${model}: the artifact attestation of ${versionSelector(version)} was already stored.`);
  if (attestation.outcome !== "skipped")
    log.info(
      `${model}: check any file of ${versionSelector(version)} with \`gh attestation verify <file> --repo ${owner}/${repo}\`.`,
    );
  return attestation;
}

/** The attestation of an already published keyless version (its `provenance.sigstore.json`); none when it has no such bundle. */
async function attestPublished(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  version: ModelVersion,
  release: Release,
  log: GitHubLog,
): Promise<AttestationResult | undefined> {
  const bundleAsset = release.assets.find((a) => a.name === SIGSTORE_PROVENANCE_ASSET);
  const sums = release.assets.find((a) => a.name === "SHA256SUMS");
  if (!bundleAsset || !sums?.digest) return undefined;
  const { data } = await client.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
    owner,
    repo,
    asset_id: bundleAsset.id,
    headers: { accept: "application/octet-stream" },
  });
  const bundle = Buffer.from(data as unknown as ArrayBuffer).toString("utf8");
  return attestVersion(client, owner, repo, model, version, bundle, sums.digest.replace(/^sha256:/, ""), log);
}

function result(
  model: string,
  version: ModelVersion,
  tagSha: string,
  release: Release,
  outcome: RegisteredModel["outcome"],
  parentVersion: ModelVersion | null,
): RegisteredModel {
  return {
    model,
    version,
    tag: versionTagName(model, version),
    tagSha,
    releaseId: release.id,
    releaseUrl: release.htmlUrl,
    assets: release.assets,
    card: releaseCardOf(release.body),
    parentVersion,
    outcome,
  };
}

function buildManifest(
  owner: string,
  repo: string,
  model: string,
  version: ModelVersion,
  files: LocalFile[],
  parentVersion: ModelVersion | null,
  options: RegisterModelOptions,
): Omit<ModelManifest, "schema_version"> {
  const given = options.lineage ?? {};
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(options.params ?? {}))
    params[name] = typeof value === "number" || typeof value === "string" ? value : JSON.stringify(value);
  return {
    model,
    version,
    metrics: options.metrics,
    params,
    ...(options.signature ? { signature: options.signature } : {}),
    lineage: {
      repository: given.repository ?? `${owner}/${repo}`,
      commit: given.commit ?? options.commitSha,
      workflow_ref: given.workflow_ref ?? "",
      run: given.run ?? { id: 0, attempt: 1, url: "" },
      data: given.data ?? [],
      parent_version: parentVersion,
    },
    files: files.map(({ name, size, sha256, parts }) => ({
      name,
      size,
      sha256,
      ...(parts
        ? { parts: parts.map(({ name, offset, size, sha256 }) => ({ name, offset, size, sha256 })) }
        : {}),
    })),
    created_at: new Date().toISOString(),
    actor: options.actor ?? "",
  };
}

/**
 * The aliases to point at `version`: all of them, except `latest` when a higher version (semver
 * precedence) already exists — registering a hotfix `1.4.1` after `2` leaves `@latest` on `2`.
 */
function aliasesToMove(
  model: string,
  version: ModelVersion,
  aliases: string[],
  refs: ModelRefs,
  log: GitHubLog,
): string[] {
  if (!aliases.includes("latest")) return aliases;
  const higher = versionsDescending(refs).find((other) => compareModelVersions(other, version) > 0);
  if (higher === undefined) return aliases;
  log.info(
    `${model}: @latest stays on ${versionSelector(higher)}, which is higher than ${versionSelector(version)}.`,
  );
  return aliases.filter((alias) => alias !== "latest");
}

async function applyAliases(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  aliases: string[],
  tagSha: string,
  refs: ModelRefs,
): Promise<void> {
  for (const alias of aliases) await setAliasRef(client, owner, repo, model, alias, tagSha, refs);
}

interface OwnRegistration {
  version: ModelVersion;
  tagSha: string;
  release?: Release;
}

async function findOwnRegistration(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  key: string,
  refs: ModelRefs,
): Promise<OwnRegistration | undefined> {
  // Every page: in a repository with many models the earlier registration can be older than the newest 100.
  const releases = await listAllReleases(client, owner, repo);
  const mine = releases.filter((r) => {
    const meta = parseReleaseMetadata(r.body);
    return meta?.idempotencyKey === key && meta.model === model;
  });
  const published = mine.find((r) => !r.draft);
  const chosen = published ?? mine[0];
  if (mine.filter((r) => r.draft).length > 1 && !published) {
    throw new GitHubError(
      `Found ${mine.length} draft releases for ${key}; delete the extra drafts and rerun.`,
    );
  }
  if (chosen) {
    const version = parseReleaseMetadata(chosen.body)?.version ?? "";
    return { version, tagSha: refs.versions.get(version) ?? "", release: chosen };
  }
  // Crash between the ref and the release: a top version tag without a release, carrying our key.
  const withRelease = new Set(releases.map((r) => r.tagName));
  const orphans = versionsDescending(refs)
    .filter((v) => !withRelease.has(versionTagName(model, v)))
    .slice(0, 3);
  for (const version of orphans) {
    const sha = refs.versions.get(version) ?? "";
    try {
      const { data } = await client.request("GET /repos/{owner}/{repo}/git/tags/{tag_sha}", {
        owner,
        repo,
        tag_sha: sha,
      });
      if (keyFromTagMessage(data.message) === key) return { version, tagSha: sha };
    } catch (error) {
      if (githubErrorReason(error) !== "not-found") throw error; // a lightweight tag (commit SHA) is not ours
    }
  }
  return undefined;
}

async function allocateVersion(
  client: GitHubClient,
  owner: string,
  repo: string,
  model: string,
  options: RegisterModelOptions,
  explicit: ModelVersion | undefined,
  refs: ModelRefs,
): Promise<{ version: ModelVersion; tagSha: string }> {
  const taken = (label: ModelVersion) =>
    new InputError(
      `${model} ${versionSelector(explicit ?? label)} ${explicit === undefined || explicit === label ? "already exists" : `is the same version as ${versionSelector(label)}, which exists`} in ${owner}/${repo} (registered by another run); give a new version or use auto.`,
    );
  if (explicit !== undefined) {
    // Checked before anything is written; the ref below stays the lock against a concurrent run.
    const existing = findVersion(refs, explicit);
    if (existing !== undefined) throw taken(existing);
  }
  let version = explicit ?? nextAutoVersion(refs.versions.keys());
  for (let attempt = 1; attempt <= MAX_ALLOCATION_ATTEMPTS; attempt++) {
    const tag = versionTagName(model, version);
    const { data: tagObject } = await client.request("POST /repos/{owner}/{repo}/git/tags", {
      owner,
      repo,
      tag,
      message: tagMessage(model, version, options.idempotencyKey),
      object: options.commitSha,
      type: "commit",
    });
    try {
      await client.request("POST /repos/{owner}/{repo}/git/refs", {
        owner,
        repo,
        ref: `refs/tags/${tag}`,
        sha: tagObject.sha,
      });
      return { version, tagSha: tagObject.sha };
    } catch (error) {
      // Only "Reference already exists" means the number is taken; a ruleset refusal or another 422 is an error.
      if (githubErrorReason(error) !== "already-exists")
        throw translateGitHubError(error, {
          operation: `register ${model} ${versionSelector(version)}`,
          owner,
          repo,
          ref: `refs/tags/${tag}`,
        });
    }
    // Taken. By a replay of our own request (same SHA), or by another run.
    const { data: existing } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner,
      repo,
      ref: `tags/${tag}`,
    });
    if (existing.object.sha === tagObject.sha) return { version, tagSha: tagObject.sha };
    if (explicit !== undefined) throw taken(version);
    version = String(Number(version) + 1);
  }
  throw new GitHubError(
    `Could not allocate a version of ${model} after ${MAX_ALLOCATION_ATTEMPTS} attempts (too many concurrent registrations).`,
  );
}

async function findDraftByKey(
  client: GitHubClient,
  owner: string,
  repo: string,
  key: string,
): Promise<Release | undefined> {
  return (await listAllReleases(client, owner, repo)).find(
    (r) => parseReleaseMetadata(r.body)?.idempotencyKey === key,
  );
}

async function createDraftRelease(
  client: GitHubClient,
  owner: string,
  repo: string,
  tag: string,
  body: string,
  prerelease: boolean,
  key: string,
): Promise<Release> {
  return createOnce({
    find: () => findDraftByKey(client, owner, repo, key),
    create: async () => {
      const { data } = await client.request("POST /repos/{owner}/{repo}/releases", {
        owner,
        repo,
        tag_name: tag,
        name: tag.replace("/v", " v"),
        body,
        draft: true,
        prerelease,
        make_latest: "false",
        request: { retries: 0 },
      });
      return toRelease(data as Parameters<typeof toRelease>[0]);
    },
  });
}
