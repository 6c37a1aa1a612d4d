/**
 * Publishing a keyless-signed version's provenance as a GitHub artifact attestation (docs/architecture.md,
 * "Signed model versions", keyless), so `gh attestation verify <file> --repo OWNER/REPO` finds it:
 * `POST /repos/{owner}/{repo}/attestations` {bundle} → 201 {id}, and
 * `GET /repos/{owner}/{repo}/attestations/{subject_digest}` → {attestations: [{bundle, …}]} (GitHub REST
 * "Artifact attestations", https://docs.github.com/en/rest/repos/attestations; operations
 * `repos/create-attestation` and `repos/list-attestations` in @octokit/openapi).
 *
 * Idempotent: the same bundle (same DSSE signature) already stored for the subject is not posted again; the
 * create runs once per attempt with Octokit retries off, and after a transient failure the list is read
 * again before another try (`createOnce`). A 403 (the token lacks `attestations: write`) is a warning,
 * never a failure: the release assets carry the same bundle, and deploy verifies those.
 */
import { SLSA_PROVENANCE_V1 } from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { createOnce } from "../create-once.js";
import { githubErrorReason, translateGitHubError } from "../errors.js";
import type { GitHubLog } from "../log.js";
import { listAllPages } from "../paginate.js";

export interface AttestationResult {
  /** `created`: posted now; `existing`: this bundle was already stored; `skipped`: not stored (see `why`). */
  outcome: "created" | "existing" | "skipped";
  /** The attestation's id (GitHub answers it on create only). */
  id?: number;
  /** `sha256:<hex>` the attestation is found by. */
  subjectDigest: string;
  why?: string;
}

interface StoredAttestation {
  bundle?: { dsseEnvelope?: { signatures?: Array<{ sig?: string }> } };
}

/** The DSSE signatures of a bundle (base64), how two bundles are told apart. */
function signaturesOf(bundle: StoredAttestation["bundle"]): string[] {
  return (bundle?.dsseEnvelope?.signatures ?? []).map((s) => s.sig ?? "").filter((s) => s !== "");
}

/**
 * Stores `bundle` (a Sigstore bundle of an in-toto statement, as JSON text) as an artifact attestation of
 * `subjectDigest` (`sha256:…`, one of the statement's subjects), unless it is already there.
 */
export async function publishAttestation(
  client: GitHubClient,
  options: { owner: string; repo: string; bundle: string; subjectDigest: string; log: GitHubLog },
): Promise<AttestationResult> {
  const { owner, repo, subjectDigest, log } = options;
  const bundle = JSON.parse(options.bundle) as Record<string, unknown>;
  const ours = new Set(signaturesOf(bundle as StoredAttestation["bundle"]));
  const find = async (): Promise<AttestationResult | undefined> => {
    // GitHub answers 404 (not an empty list) when nothing is stored for the digest (cli/cli#9049).
    const stored = await listAllPages<StoredAttestation>(
      client,
      "GET /repos/{owner}/{repo}/attestations/{subject_digest}",
      { owner, repo, subject_digest: subjectDigest, predicate_type: SLSA_PROVENANCE_V1 },
      "attestations",
    ).catch((error: unknown) => {
      if (githubErrorReason(error) === "not-found") return [];
      throw error;
    });
    const same = stored.some((a) => signaturesOf(a.bundle).some((sig) => ours.has(sig)));
    return same ? { outcome: "existing", subjectDigest } : undefined;
  };
  try {
    const existing = await find();
    if (existing) return existing;
    return await createOnce<AttestationResult>({
      find,
      create: async () => {
        const { data } = await client.request("POST /repos/{owner}/{repo}/attestations", {
          owner,
          repo,
          bundle,
          request: { retries: 0 },
        });
        return { outcome: "created", id: Number((data as { id?: number }).id), subjectDigest };
      },
    });
  } catch (error) {
    if (githubErrorReason(error) === "permission") {
      const said = String(
        (error as { response?: { data?: { message?: unknown } } }).response?.data?.message ?? "",
      )
        .replace(/\s+/g, " ")
        .trim();
      const why = `GitHub answered 403${said ? ` ("${said}")` : ""}: grant the job \`permissions: attestations: write\` (artifact attestations of private repositories also need a plan that offers them). The release assets carry the same signed provenance; deploy verifies those.`;
      log.warning(`Artifact attestation not stored: ${why}`);
      return { outcome: "skipped", subjectDigest, why };
    }
    throw translateGitHubError(error, { operation: "store the artifact attestation", owner, repo });
  }
}
