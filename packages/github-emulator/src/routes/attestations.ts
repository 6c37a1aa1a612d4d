/**
 * Artifact attestations (REST "Artifact attestations", https://docs.github.com/en/rest/repos/attestations;
 * @octokit/openapi `repos/create-attestation`, `repos/list-attestations`):
 * - `POST /repos/{o}/{r}/attestations {bundle}` → 201 `{id}`. The token needs `attestations: write` ("if using a
 *   fine-grained access token, the `attestations:write` permission is required"; for `GITHUB_TOKEN` the workflow's
 *   `permissions: attestations: write`, docs "Using artifact attestations to establish provenance for builds").
 *   The bundle must be a Sigstore bundle (checked with `@sigstore/bundle`'s own validation) holding a DSSE
 *   envelope of an in-toto statement with at least one subject digest (what `actions/attest` sends); anything
 *   else → 422 (the operation's documented `validation_failed` response).
 * - `GET /repos/{o}/{r}/attestations/{subject_digest}` (`sha256:HEX`) → `{attestations: [{bundle,
 *   repository_id, initiator}]}`; needs `attestations: read` (docs: "when using a fine-grained access token the
 *   `attestations:read` permission is required"). Cursor pagination by `per_page` (default 30, max 100),
 *   `before`/`after` (cursors from the `Link` header); `predicate_type` filters (`provenance`, `sbom`, `release`
 *   or a predicate type URI, as the parameter's description says). No attestation for the digest → 404, as
 *   GitHub answers (`gh attestation verify` prints "HTTP 404: Not Found (…/attestations/sha256:…)", e.g.
 *   aquaproj/aqua-registry#44455, kedacore/http-add-on#1604).
 * The order of the list is not documented; the emulator lists newest first. `bundle_url` is left out: GitHub's
 * points to snappy-compressed blob storage, and clients fall back to `bundle` when it is absent (gh's
 * `fetchBundleFromAttestations`).
 */
import { bundleFromJSON } from "@sigstore/bundle";
import type { RouteContext } from "../http/context.js";
import { notFound, validationFailed } from "../http/errors.js";
import { created, json } from "../http/reply.js";
import type { Router } from "../http/router.js";
import type { RepoData } from "../state/model.js";

const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

interface AttestationData {
  id: number;
  bundle: Record<string, unknown>;
  /** `alg:hex` of every subject of the statement (`sha256:…`). */
  subjects: string[];
  predicateType: string;
  created_at: string;
}

function attestationsOf(repo: RepoData): AttestationData[] {
  const extra = repo.extra as { attestations?: AttestationData[] };
  extra.attestations ??= [];
  return extra.attestations;
}

const invalid = (message: string) =>
  validationFailed({ resource: "Attestation", code: "invalid", field: "bundle", message });

/** The bundle's statement: its subjects (`alg:hex`) and predicate type; 422 when it is not an attestation. */
function statementOf(bundle: unknown): { subjects: string[]; predicateType: string } {
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle))
    throw validationFailed({ resource: "Attestation", code: "missing_field", field: "bundle" });
  try {
    bundleFromJSON(bundle);
  } catch (error) {
    const fields = (error as { fields?: string[] }).fields;
    throw invalid(
      `not a valid Sigstore bundle: ${(error as Error).message}${fields ? ` (${fields.join(", ")})` : ""}`,
    );
  }
  const envelope = (bundle as { dsseEnvelope?: { payload?: unknown; payloadType?: unknown } }).dsseEnvelope;
  if (!envelope)
    throw invalid("the bundle has no dsseEnvelope (an attestation is a DSSE-signed in-toto statement)");
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw invalid(`dsseEnvelope.payloadType must be ${IN_TOTO_PAYLOAD_TYPE}`);
  let statement: { subject?: Array<{ digest?: Record<string, unknown> }>; predicateType?: unknown };
  try {
    statement = JSON.parse(Buffer.from(String(envelope.payload), "base64").toString("utf8"));
  } catch {
    throw invalid("the DSSE payload is not a JSON in-toto statement");
  }
  const subjects = (Array.isArray(statement.subject) ? statement.subject : []).flatMap((s) =>
    Object.entries(s?.digest ?? {})
      .filter(([, hex]) => typeof hex === "string" && hex !== "")
      .map(([alg, hex]) => `${alg}:${String(hex).toLowerCase()}`),
  );
  if (subjects.length === 0) throw invalid("the statement has no subject digest");
  if (typeof statement.predicateType !== "string" || statement.predicateType === "")
    throw invalid("the statement has no predicateType");
  return { subjects, predicateType: statement.predicateType };
}

/**
 * `predicate_type`'s short names (the parameter: "accepts `provenance`, `sbom`, `release`, or freeform text
 * for custom predicate types"), as the predicate types `actions/attest-build-provenance` (SLSA v1),
 * `actions/attest-sbom` (SPDX, CycloneDX) and immutable releases (in-toto release) write.
 */
function matchesPredicate(predicateType: string, filter: string): boolean {
  switch (filter) {
    case "provenance":
      return predicateType.startsWith("https://slsa.dev/provenance/");
    case "sbom":
      return (
        predicateType.startsWith("https://spdx.dev/Document") || predicateType === "https://cyclonedx.org/bom"
      );
    case "release":
      return predicateType.startsWith("https://in-toto.io/attestation/release/");
    default:
      return predicateType === filter;
  }
}

const cursorOf = (id: number) => Buffer.from(`attestation:${id}`).toString("base64url");
function idOfCursor(cursor: string): number {
  const match = /^attestation:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw validationFailed({ resource: "Attestation", code: "invalid", field: "cursor" });
  return Number(match[1]);
}

/** One page of `items` (newest first) by `per_page`/`before`/`after`, with GitHub's cursor `Link` header. */
function cursorPage(ctx: RouteContext, items: AttestationData[]) {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page")) || 30));
  const after = ctx.query.get("after");
  const before = ctx.query.get("before");
  let start = 0;
  let end = items.length;
  if (after) {
    const id = idOfCursor(after);
    start = items.findIndex((a) => a.id < id);
    if (start < 0) start = items.length;
    end = Math.min(items.length, start + perPage);
  } else if (before) {
    const id = idOfCursor(before);
    end = items.findIndex((a) => a.id <= id);
    if (end < 0) end = items.length;
    start = Math.max(0, end - perPage);
  } else end = Math.min(items.length, perPage);
  const page = items.slice(start, end);
  const link = (rel: string, key: "after" | "before", id: number) => {
    const target = new URL(ctx.url.pathname + ctx.url.search, ctx.baseUrl);
    target.searchParams.delete("after");
    target.searchParams.delete("before");
    target.searchParams.set("per_page", String(perPage));
    target.searchParams.set(key, cursorOf(id));
    return `<${target.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  const first = page[0];
  const last = page.at(-1);
  if (first && start > 0) links.push(link("prev", "before", first.id));
  if (last && end < items.length) links.push(link("next", "after", last.id));
  const headers: Record<string, string> = links.length > 0 ? { link: links.join(", ") } : {};
  return { page, headers };
}

export function registerAttestationRoutes(router: Router): void {
  router.post(
    "/repos/{owner}/{repo}/attestations",
    async (ctx) => {
      const repo = ctx.repo();
      const body = await ctx.body<{ bundle?: unknown }>();
      const { subjects, predicateType } = statementOf(body.bundle);
      const attestation: AttestationData = {
        id: ctx.store.nextId(),
        bundle: body.bundle as Record<string, unknown>,
        subjects,
        predicateType,
        created_at: ctx.store.now(),
      };
      attestationsOf(repo).push(attestation);
      return created({ id: attestation.id });
    },
    { permission: { scope: "attestations", level: "write" } },
  );

  router.get(
    "/repos/{owner}/{repo}/attestations/{subject_digest+}",
    (ctx) => {
      const repo = ctx.repo();
      const digest = (ctx.params.subject_digest ?? "").toLowerCase();
      const filter = ctx.query.get("predicate_type");
      const matching = attestationsOf(repo)
        .filter((a) => a.subjects.includes(digest) && (!filter || matchesPredicate(a.predicateType, filter)))
        .sort((a, b) => b.id - a.id);
      if (matching.length === 0) throw notFound();
      const { page, headers } = cursorPage(ctx, matching);
      return json(
        {
          attestations: page.map((a) => ({ bundle: a.bundle, repository_id: repo.id, initiator: "user" })),
        },
        200,
        headers,
      );
    },
    { permission: { scope: "attestations", level: "read" } },
  );
}
