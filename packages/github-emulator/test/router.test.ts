import { describe, expect, it } from "vitest";
import { Router } from "../src/http/router.js";
import { adaptSchema, validateResponse } from "../src/openapi/validator.js";
import { normalizeAssetName } from "../src/routes/releases.js";

describe("Router", () => {
  const router = new Router()
    .get("/repos/{owner}/{repo}/releases/latest", () => ({ status: 200 }))
    .get("/repos/{owner}/{repo}/releases/{release_id}", () => ({ status: 200 }))
    .get("/repos/{owner}/{repo}/git/ref/{ref+}", () => ({ status: 200 }))
    .get("/{owner}/{repo}/releases/download/{tag+}/{name}", () => ({ status: 200 }));

  it("decodes %2F in single-segment params and keeps raw slashes in {x+}", () => {
    expect(router.match("GET", "/repos/a/b/git/ref/tags%2Ffraud%2Fv3")?.params.ref).toBe("tags/fraud/v3");
    expect(router.match("GET", "/repos/a/b/git/ref/tags/fraud/v3")?.params.ref).toBe("tags/fraud/v3");
    expect(router.match("GET", "/a/b/releases/download/fraud/v3/model.bin")?.params).toEqual({
      owner: "a",
      repo: "b",
      tag: "fraud/v3",
      name: "model.bin",
    });
  });

  it("prefers the first registered route and respects the method", () => {
    expect(router.match("GET", "/repos/a/b/releases/latest")?.definition.template).toBe(
      "/repos/{owner}/{repo}/releases/latest",
    );
    expect(router.match("GET", "/repos/a/b/releases/7")?.params.release_id).toBe("7");
    expect(router.match("POST", "/repos/a/b/releases/7")).toBeUndefined();
    expect(router.match("GET", "/repos/a/b/releases/7/extra")).toBeUndefined();
  });
});

describe("asset names", () => {
  it("renames special characters like GitHub", () => {
    expect(normalizeAssetName("my model (v2).bin")).toBe("my.model.v2.bin");
    expect(normalizeAssetName("..hidden~file:1.")).toBe("hidden.file.1");
    expect(normalizeAssetName("model-v1_final.tar.gz")).toBe("model-v1_final.tar.gz");
  });
});

describe("OpenAPI validation", () => {
  it("reports a release asset missing its required digest and a wrong type", () => {
    const problems = validateResponse("GET", "/repos/{owner}/{repo}/releases/assets/{asset_id}", 200, {
      id: "x",
      name: "a",
    });
    expect(problems.join("\n")).toMatch(/digest/);
    expect(problems.join("\n")).toMatch(/\/id must be integer/);
  });

  it("rejects undeclared success statuses and non-GitHub error shapes", () => {
    expect(validateResponse("GET", "/repos/{owner}/{repo}/releases/{release_id}", 201, {})).toEqual([
      "status 201 is not declared for GET /repos/{owner}/{repo}/releases/{release_id}",
    ]);
    expect(
      validateResponse("PATCH", "/repos/{owner}/{repo}/releases/{release_id}", 422, { nope: true }).length,
    ).toBeGreaterThan(0);
    expect(
      validateResponse("PATCH", "/repos/{owner}/{repo}/releases/{release_id}", 422, {
        message: "Validation Failed",
        documentation_url: "x",
        errors: [],
      }),
    ).toEqual([]);
  });

  it("adapts nullable enums and empty-string URI defaults", () => {
    expect(adaptSchema({ type: "string", enum: ["a"], nullable: true })).toEqual({
      type: "string",
      enum: ["a", null],
      nullable: true,
    });
    expect(adaptSchema({ type: "string", format: "uri", default: "" })).toEqual({
      type: "string",
      default: "",
      anyOf: [{ const: "" }, { format: "uri" }],
    });
    expect(adaptSchema({ $ref: "#/components/schemas/x" })).toEqual({ $ref: "gh#/components/schemas/x" });
  });
});
