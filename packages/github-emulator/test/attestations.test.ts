/**
 * GitHub's artifact attestations API in the emulator (REST "Artifact attestations"): a bundle signed through
 * the Sigstore stand-ins is stored with `attestations: write`, found by its subject's digest with
 * `attestations: read` (cursor pagination, `predicate_type`), and still verifies; wrong tokens get 403,
 * non-bundles 422, unknown digests 404. Every response is validated against the OpenAPI description.
 */
import { createHash } from "node:crypto";
import { bundleFromJSON, bundleToJSON } from "@sigstore/bundle";
import { RekorWitness } from "@sigstore/sign";
import { toSignedEntity } from "@sigstore/verify";
import { beforeAll, describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";
import { registerJob, registerRun } from "./support/actions-jobs.js";
import { idToken, REPO, signingJob, signStatement, verifier, WORKFLOW_REF } from "./support/sigstore.js";

const emulator = useEmulator();
const MODEL = createHash("sha256").update("model bytes").digest("hex");

function statement(predicateType: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "model.onnx", digest: { sha256: MODEL } }],
      predicateType,
      predicate: {},
    }),
  );
}

let provenance: Record<string, unknown>;
let sbom: Record<string, unknown>;
let writer: string;
let reader: string;

beforeAll(async () => {
  const job = await signingJob(emulator());
  const witness = new RekorWitness({ rekorBaseURL: emulator().sigstore.rekorUrl, retry: 0 });
  const sign = async (type: string) =>
    bundleToJSON(await signStatement(emulator(), () => idToken(job), witness, statement(type))) as Record<
      string,
      unknown
    >;
  provenance = await sign("https://slsa.dev/provenance/v1");
  sbom = await sign("https://spdx.dev/Document/v2.3");
  writer = emulator().createToken({ attestations: "write" });
  reader = emulator().createToken({ attestations: "read" });
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe("artifact attestations", () => {
  it("stores a bundle (201 {id}) and lists it by subject digest; the listed bundle still verifies", async () => {
    const createdOne = await call(
      emulator(),
      "POST",
      `/repos/${REPO}/attestations`,
      { bundle: provenance },
      auth(writer),
    );
    expect(createdOne.status).toBe(201);
    expect(createdOne.json).toEqual({ id: expect.any(Number) });
    const listed = await call(
      emulator(),
      "GET",
      `/repos/${REPO}/attestations/sha256:${MODEL}`,
      undefined,
      auth(reader),
    );
    expect(listed.status).toBe(200);
    const [first] = (listed.json as { attestations: Array<{ bundle: unknown; repository_id: number }> })
      .attestations;
    expect(first?.bundle).toEqual(provenance);
    expect(first?.repository_id).toEqual(expect.any(Number));
    const strict = await verifier(emulator(), { tlogThreshold: 1, ctlogThreshold: 1 });
    strict.verify(toSignedEntity(bundleFromJSON(first?.bundle)), {
      subjectAlternativeName: `https://github.localhost/${WORKFLOW_REF}`,
    });
  });

  it("filters by predicate_type (short names and URIs) and answers 404 when nothing matches", async () => {
    await call(emulator(), "POST", `/repos/${REPO}/attestations`, { bundle: sbom }, auth(writer));
    const types = async (filter: string) => {
      const answer = await call(
        emulator(),
        "GET",
        `/repos/${REPO}/attestations/sha256:${MODEL}?predicate_type=${encodeURIComponent(filter)}`,
        undefined,
        auth(reader),
      );
      if (answer.status !== 200) return answer.status;
      return (
        answer.json as { attestations: Array<{ bundle: { dsseEnvelope: { payload: string } } }> }
      ).attestations.map(
        (a) =>
          JSON.parse(Buffer.from(a.bundle.dsseEnvelope.payload, "base64").toString()).predicateType as string,
      );
    };
    expect(await types("provenance")).toEqual(["https://slsa.dev/provenance/v1"]);
    expect(await types("https://slsa.dev/provenance/v1")).toEqual(["https://slsa.dev/provenance/v1"]);
    expect(await types("sbom")).toEqual(["https://spdx.dev/Document/v2.3"]);
    expect(await types("release")).toBe(404);
    const unknown = await call(
      emulator(),
      "GET",
      `/repos/${REPO}/attestations/sha256:${"0".repeat(64)}`,
      undefined,
      auth(reader),
    );
    expect(unknown.status).toBe(404);
  });

  it("pages with per_page and the Link header's after/before cursors, newest first", async () => {
    const repo = "acme/paged";
    const ids: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const made = await call(
        emulator(),
        "POST",
        `/repos/${repo}/attestations`,
        { bundle: provenance },
        auth(writer),
      );
      ids.push((made.json as { id: number }).id);
    }
    const page = async (url: string) => {
      const answer = await call(emulator(), "GET", url.replace(emulator().url, ""), undefined, auth(reader));
      const link = answer.headers.get("link") ?? "";
      return {
        count: (answer.json as { attestations: unknown[] }).attestations.length,
        next: /<([^>]+)>; rel="next"/.exec(link)?.[1],
        prev: /<([^>]+)>; rel="prev"/.exec(link)?.[1],
      };
    };
    const one = await page(`/repos/${repo}/attestations/sha256:${MODEL}?per_page=2`);
    expect(one).toMatchObject({ count: 2, prev: undefined });
    expect(one.next).toMatch(/[?&]after=/);
    const two = await page(one.next ?? "");
    expect(two).toMatchObject({ count: 1, next: undefined });
    expect(two.prev).toMatch(/[?&]before=/);
    const back = await page(two.prev ?? "");
    expect(back.count).toBe(2);
  });

  it("needs attestations: write to store and attestations: read to list (403 names the permission)", async () => {
    const contentsOnly = emulator().createToken({ contents: "write" });
    const refused = await call(
      emulator(),
      "POST",
      `/repos/${REPO}/attestations`,
      { bundle: provenance },
      auth(contentsOnly),
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-accepted-github-permissions")).toBe("attestations=write");
    const readOnly = await call(
      emulator(),
      "POST",
      `/repos/${REPO}/attestations`,
      { bundle: provenance },
      auth(reader),
    );
    expect(readOnly.status).toBe(403);
    const list = await call(
      emulator(),
      "GET",
      `/repos/${REPO}/attestations/sha256:${MODEL}`,
      undefined,
      auth(contentsOnly),
    );
    expect(list.status).toBe(403);
    expect(list.headers.get("x-accepted-github-permissions")).toBe("attestations=read");
  });

  it("a job's token holds attestations: write only when the job asks for it", async () => {
    const run = await registerRun(emulator().url, REPO);
    const attester = await registerJob(emulator().url, REPO, run.id, "attest", { attestations: "write" });
    const other = await registerJob(emulator().url, REPO, run.id, "build", { contents: "write" });
    const post = (token: string) =>
      call(emulator(), "POST", `/repos/${REPO}/attestations`, { bundle: provenance }, auth(token));
    expect((await post(attester.github_token)).status).toBe(201);
    expect((await post(other.github_token)).status).toBe(403);
  });

  it("refuses what is not a Sigstore bundle of an in-toto statement with 422", async () => {
    const post = (body: unknown) =>
      call(emulator(), "POST", `/repos/${REPO}/attestations`, body, auth(writer));
    const missing = await post({});
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({
      message: "Validation Failed",
      errors: [{ field: "bundle", code: "missing_field" }],
    });
    expect((await post({ bundle: { mediaType: "application/json" } })).status).toBe(422);
    const { dsseEnvelope, ...withoutEnvelope } = provenance as { dsseEnvelope: Record<string, unknown> };
    expect((await post({ bundle: withoutEnvelope })).status).toBe(422);
    const notInToto = { ...provenance, dsseEnvelope: { ...dsseEnvelope, payloadType: "text/plain" } };
    const refused = await post({ bundle: notInToto });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.json)).toContain("application/vnd.in-toto+json");
  });
});
