import { describe, expect, it } from "vitest";
import { IntegrityError } from "../src/errors.js";
import {
  buildModelManifest,
  buildRunManifest,
  type ModelManifest,
  parseModelManifest,
  parseReleaseMetadata,
  parseRunManifest,
  type RunManifest,
  releaseCardOf,
  renderReleaseBody,
} from "../src/manifest/index.js";

const hash = "a".repeat(64);

const run: Omit<RunManifest, "schema_version"> = {
  model: "churn",
  commit: "0123abcd",
  ref: "refs/heads/main",
  repository: "acme/ml",
  run: { id: 42, attempt: 1, url: "https://github.com/acme/ml/actions/runs/42", workflow: "train" },
  command: { exit_code: 0, duration_ms: 1234 },
  params: { lr: 0.01, optimizer: "adam" },
  metrics: { accuracy: 0.9, "latency_ms.p95": 12 },
  files: [{ path: "out/model.bin", size: 10, sha256: hash }],
  data: [{ path: "data/train.csv", size: 100, sha256: hash }],
  runner: { os: "Linux", arch: "X64", node: "v20.0.0", name: "runner-1" },
  created_at: "2026-11-22T20:00:00Z",
};

const model: Omit<ModelManifest, "schema_version"> = {
  model: "churn",
  version: "1.4.0",
  metrics: { accuracy: 0.9 },
  params: { lr: 0.01 },
  signature: { inputs: [{ name: "x", type: "float" }] },
  lineage: {
    repository: "acme/ml",
    commit: "0123abcd",
    workflow_ref: "acme/ml/.github/workflows/train.yml@refs/heads/main",
    run: { id: 42, attempt: 1, url: "u" },
    data: [],
    parent_version: "7",
  },
  files: [{ name: "model.bin", size: 10, sha256: hash }],
  created_at: "2026-11-22T20:00:00Z",
  actor: "octocat",
};

describe("run.json and model.json", () => {
  it("round-trip", () => {
    expect(parseRunManifest(buildRunManifest(run))).toEqual({ schema_version: 1, ...run });
    expect(parseModelManifest(buildModelManifest(model))).toEqual({ schema_version: 1, ...model });
  });

  it("reject bad documents naming the fields", () => {
    expect(() => parseRunManifest("{not json")).toThrow(IntegrityError);
    const bad = JSON.stringify({
      ...JSON.parse(buildRunManifest(run)),
      schema_version: 2,
      metrics: { a: "x" },
    });
    try {
      parseRunManifest(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).details).toMatch(/^schema_version: /m);
      expect((error as IntegrityError).details).toMatch(/^metrics\.a: /m);
    }
    const badModel = JSON.stringify({
      ...JSON.parse(buildModelManifest(model)),
      version: 1.5,
      files: [{ name: "m", size: 1, sha256: "xyz" }],
    });
    expect(() => parseModelManifest(badModel)).toThrow(/model.json does not match/);
  });

  it("read a whole-number version written before semver support as its label", () => {
    const old = { ...JSON.parse(buildModelManifest(model)), version: 3 };
    old.lineage.parent_version = 2;
    const parsed = parseModelManifest(JSON.stringify(old));
    expect(parsed.version).toBe("3");
    expect(parsed.lineage.parent_version).toBe("2");
    expect(buildModelManifest({ ...model, version: "2.0.0-rc.1" })).toContain('"version": "2.0.0-rc.1"');
  });

  it("reject a version with build metadata, naming the field and the reason", () => {
    const bad = JSON.stringify({ ...JSON.parse(buildModelManifest(model)), version: "1.4.0+build.7" });
    expect(() => parseModelManifest(bad)).toThrow(
      expect.objectContaining({ details: expect.stringMatching(/^version: build metadata/) }),
    );
    const zero = JSON.stringify({ ...JSON.parse(buildModelManifest(model)), version: 0 });
    expect(() => parseModelManifest(zero)).toThrow(
      expect.objectContaining({
        details: expect.stringMatching(/^version: whole-number versions start at 1/),
      }),
    );
  });
});

describe("release metadata block (`<!-- mlops:v1 {json} -->`)", () => {
  const meta = {
    model: "fraud",
    version: "2.0.0-rc.1",
    idempotencyKey: "acme/r/9/fraud",
    parentVersion: "7",
    description: "tricky --> text <b>",
    tags: ["prod"],
    gate: "f1 >= baseline - 0.01",
  };

  it("renders the exact bytes existing releases hold", () => {
    expect(renderReleaseBody({ model: "m", version: "3", idempotencyKey: "k--x" }, "  ## card\n")).toBe(
      '## card\n\n<!-- mlops:v1 {"model":"m","version":"3","idempotencyKey":"k\\u002d\\u002dx"} -->\n',
    );
  });

  it("round-trips inside human text, even with --> in strings", () => {
    const body = renderReleaseBody(meta, "## Model fraud v2\n\nSome notes --> here.");
    expect(body).not.toMatch(/-->[\s\S]*-->[\s\S]*-->/);
    expect(parseReleaseMetadata(`${body}\nFooter text`)).toEqual(meta);
    expect(releaseCardOf(body)).toBe("## Model fraud v2\n\nSome notes --> here.");
  });

  it("reads blocks written before semver support (numbers) as labels", () => {
    const old = '<!-- mlops:v1 {"model":"fraud","version":3,"idempotencyKey":"k","parentVersion":2} -->';
    expect(parseReleaseMetadata(old)).toEqual({
      model: "fraud",
      version: "3",
      idempotencyKey: "k",
      parentVersion: "2",
    });
  });

  it("returns undefined without a block or with a malformed one", () => {
    expect(parseReleaseMetadata("just text")).toBeUndefined();
    expect(parseReleaseMetadata(null)).toBeUndefined();
    expect(parseReleaseMetadata("<!-- mlops:v1 {oops} -->")).toBeUndefined();
    expect(parseReleaseMetadata('<!-- mlops:v1 {"model":"m","version":3} -->')).toBeUndefined();
  });
});
