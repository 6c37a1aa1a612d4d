/**
 * The two statements a signed model version carries (docs/architecture.md, "Signed model versions"):
 * - SLSA provenance v1 (in-toto Statement v1, https://slsa.dev/spec/v1.0/provenance) binding every file of
 *   the version (subject = name + sha256) to the repository, workflow, ref, commit, registering run,
 *   training run and gate result; the build definition follows GitHub's workflow build type
 *   (https://actions.github.io/buildtypes/workflow/v1), as `actions/attest-build-provenance` writes it;
 * - the OpenSSF model-signing v1.0 payload (sigstore/model-transparency `_signing/signing.py`, `Payload`):
 *   subject = the model with the sha256 over the resources' digests in name order, predicate = the
 *   serialization (`files`, sha256) and one resource per file.
 */
import { createHash } from "node:crypto";

export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
export const GITHUB_WORKFLOW_BUILD_TYPE = "https://actions.github.io/buildtypes/workflow/v1";
export const MODEL_SIGNING_V1 = "https://model_signing/signature/v1.0";
/**
 * The build type (and builder) of a version registered and signed from a local checkout with
 * `mlops registry register --signing-key` (docs/signing.md, "Signing from a laptop"): no workflow, no run —
 * the statement binds the checkout's commit and ref, and says whether the work tree had uncommitted changes.
 */
export const LOCAL_CLI_BUILD_TYPE =
  "https://github.com/mlops-actions/mlops-actions/blob/v1/docs/signing.md#signing-from-a-laptop";
export const LOCAL_CLI_BUILDER_ID = "https://github.com/mlops-actions/mlops-actions/tree/v1/packages/cli";

/** One signed file: a release asset's name and its sha256 (hex). */
export interface SignedFile {
  name: string;
  sha256: string;
}

export interface InTotoStatement {
  _type: string;
  subject: Array<{ name: string; digest: Record<string, string> }>;
  predicateType: string;
  predicate: Record<string, unknown>;
}

/** A workflow run, as the lineage records it. */
export interface RunFacts {
  id: number;
  attempt: number;
  url: string;
}

/** A registration from a local checkout (`mlops registry register --signing-key`): no workflow, no run. */
export interface LocalCheckout {
  /** `refs/heads/main` or `refs/tags/…`: what HEAD is. */
  ref: string;
  /** The work tree had uncommitted changes (registered with `--allow-dirty`). */
  dirty: boolean;
  /** Who ran the CLI (`$USER`), for the record; empty when unknown. */
  user?: string;
}

/** What the provenance says about how the version came to be. */
export interface ProvenanceFacts {
  /** `https://github.com` (or the GHES server). */
  serverUrl: string;
  /** `owner/name`. */
  repository: string;
  /** The commit the model was trained from. */
  commit: string;
  /** `GITHUB_WORKFLOW_REF`: `owner/repo/.github/workflows/release.yml@refs/heads/main`. */
  workflowRef: string;
  eventName?: string;
  /** The run that registered (and signed) the version. */
  run: RunFacts;
  /** The run that trained the model (run.json), when it differs or is known. */
  trainingRun?: RunFacts;
  model: string;
  version: string;
  /** The version's tag (`<model>/v<N>`). */
  tag: string;
  /** The quality gate's result (`passed`, `failed`, …); empty when unknown. */
  gate?: string;
  /**
   * Registered from a local checkout, not by a workflow: `workflowRef`, `eventName` and `run` are not
   * used, and the statement says there was no workflow and no run.
   */
  local?: LocalCheckout;
}

/** The mlops facts of a provenance statement, as read back by a verifier. */
export interface ProvenanceClaims {
  repositoryUrl: string;
  workflowPath: string;
  ref: string;
  commit: string;
  model: string;
  version: string;
  invocationId: string;
  /** Registered from a local checkout (no workflow, no run): {@link LOCAL_CLI_BUILD_TYPE}. */
  local: boolean;
}

/** `owner/repo/.github/workflows/x.yml@refs/heads/main` → path and ref (both empty when unknown). */
export function splitWorkflowRef(workflowRef: string, repository: string): { path: string; ref: string } {
  const at = workflowRef.indexOf("@");
  const left = at < 0 ? workflowRef : workflowRef.slice(0, at);
  const ref = at < 0 ? "" : workflowRef.slice(at + 1);
  const prefix = `${repository}/`;
  return { path: left.startsWith(prefix) ? left.slice(prefix.length) : left, ref };
}

function sortedSubjects(files: SignedFile[]): InTotoStatement["subject"] {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => ({ name: f.name, digest: { sha256: f.sha256 } }));
}

/** The SLSA provenance v1 statement over `files` (every asset of the version, SHA256SUMS included). */
export function buildProvenanceStatement(files: SignedFile[], facts: ProvenanceFacts): InTotoStatement {
  const server = facts.serverUrl.replace(/\/$/, "");
  const repositoryUrl = `${server}/${facts.repository}`;
  const { local } = facts;
  const { path, ref } = local
    ? { path: "", ref: local.ref }
    : splitWorkflowRef(facts.workflowRef, facts.repository);
  const runUrl = (run: RunFacts) => run.url || `${repositoryUrl}/actions/runs/${run.id}`;
  // A local registration names a training run only when it was given one (run.json of a train action).
  const trainingRun =
    facts.trainingRun && (!local || facts.trainingRun.id > 0) ? facts.trainingRun : undefined;
  const mlops = {
    model: facts.model,
    version: facts.version,
    tag: facts.tag,
    gate: facts.gate ?? "",
    ...(trainingRun
      ? { training_run: { id: trainingRun.id, attempt: trainingRun.attempt, url: runUrl(trainingRun) } }
      : {}),
  };
  const resolvedDependencies = [{ uri: `git+${repositoryUrl}@${ref}`, digest: { gitCommit: facts.commit } }];
  if (local)
    return {
      _type: IN_TOTO_STATEMENT_V1,
      subject: sortedSubjects(files),
      predicateType: SLSA_PROVENANCE_V1,
      predicate: {
        buildDefinition: {
          buildType: LOCAL_CLI_BUILD_TYPE,
          // The checkout the files were registered from; there was no workflow.
          externalParameters: { source: { ref, repository: repositoryUrl }, workflow: null },
          internalParameters: {
            local: {
              registered_with: "mlops registry register",
              workflow: null,
              run: null,
              work_tree: local.dirty ? "uncommitted changes (--allow-dirty)" : "clean",
              user: local.user ?? "",
            },
            mlops,
          },
          resolvedDependencies,
        },
        runDetails: { builder: { id: LOCAL_CLI_BUILDER_ID }, metadata: {} },
      },
    };
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: sortedSubjects(files),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: GITHUB_WORKFLOW_BUILD_TYPE,
        externalParameters: { workflow: { ref, repository: repositoryUrl, path } },
        internalParameters: { github: { event_name: facts.eventName ?? "" }, mlops },
        resolvedDependencies,
      },
      runDetails: {
        builder: { id: `${repositoryUrl}/${path}@${ref}` },
        metadata: { invocationId: `${runUrl(facts.run)}/attempts/${facts.run.attempt}` },
      },
    },
  };
}

/** Reads back what {@link buildProvenanceStatement} wrote; undefined fields become "". */
export function provenanceClaims(statement: InTotoStatement): ProvenanceClaims {
  const predicate = statement.predicate as {
    buildDefinition?: {
      buildType?: unknown;
      externalParameters?: {
        workflow?: { ref?: unknown; repository?: unknown; path?: unknown } | null;
        source?: { ref?: unknown; repository?: unknown };
      };
      internalParameters?: { mlops?: { model?: unknown; version?: unknown } };
      resolvedDependencies?: Array<{ digest?: { gitCommit?: unknown } }>;
    };
    runDetails?: { metadata?: { invocationId?: unknown } };
  };
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  const definition = predicate.buildDefinition;
  const local = definition?.buildType === LOCAL_CLI_BUILD_TYPE;
  // A local registration names its checkout (`source`) and no workflow.
  const where = local ? definition?.externalParameters?.source : definition?.externalParameters?.workflow;
  return {
    repositoryUrl: text(where?.repository),
    workflowPath: local ? "" : text(definition?.externalParameters?.workflow?.path),
    ref: text(where?.ref),
    commit: text(definition?.resolvedDependencies?.[0]?.digest?.gitCommit),
    model: text(definition?.internalParameters?.mlops?.model),
    version: text(definition?.internalParameters?.mlops?.version),
    invocationId: text(predicate.runDetails?.metadata?.invocationId),
    local,
  };
}

/** sha256 over the resources' raw digests in name order: the model-signing subject digest. */
function rootDigest(resources: Array<{ digest: string }>): string {
  const hash = createHash("sha256");
  for (const resource of resources) hash.update(Buffer.from(resource.digest, "hex"));
  return hash.digest("hex");
}

/** The OpenSSF model-signing v1.0 statement over `files` (resources sorted by name, as the reference signer). */
export function buildModelSigningStatement(model: string, files: SignedFile[]): InTotoStatement {
  const resources = [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => ({ name: f.name, algorithm: "sha256", digest: f.sha256 }));
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: model, digest: { sha256: rootDigest(resources) } }],
    predicateType: MODEL_SIGNING_V1,
    predicate: {
      serialization: { method: "files", hash_type: "sha256", allow_symlinks: false },
      resources,
    },
  };
}

/**
 * The files a model-signing statement lists, after checking that its subject digest is the digest of its
 * resources (as the reference verifier's `dsse_payload_to_manifest`); undefined when it is inconsistent.
 */
export function modelSigningResources(statement: InTotoStatement): SignedFile[] | undefined {
  const predicate = statement.predicate as { resources?: unknown };
  if (!Array.isArray(predicate.resources)) return undefined;
  const resources: Array<{ name: string; digest: string }> = [];
  for (const item of predicate.resources as Array<Record<string, unknown>>) {
    if (typeof item?.name !== "string" || item.algorithm !== "sha256" || typeof item.digest !== "string")
      return undefined;
    if (!/^[0-9a-f]{64}$/.test(item.digest)) return undefined;
    resources.push({ name: item.name, digest: item.digest });
  }
  if (statement.subject.length !== 1 || statement.subject[0]?.digest.sha256 !== rootDigest(resources))
    return undefined;
  return resources.map((r) => ({ name: r.name, sha256: r.digest }));
}
