import { InputError, parseSelector, validateModelName } from "@mlops/core";
import { describe, expect, it } from "vitest";
import {
  acceptedPermissions,
  aliasesOf,
  isAuthoredBy,
  keyFromTagMessage,
  looksLikeHtml,
  monitoringMarker,
  monitoringMarkerModel,
  nextPageUrl,
  parseModelRefs,
  parseSha256Sums,
  parseVersionTagName,
  renderSha256Sums,
  statusStateFor,
  tagMessage,
  versionOfAlias,
  versionsDescending,
} from "../src/index.js";

describe("model names and selectors", () => {
  it("accepts registry names and rejects slashes, @ and uppercase", () => {
    expect(validateModelName("fraud-v2.small_1")).toBe("fraud-v2.small_1");
    for (const bad of ["Fraud", "a/b", "a@b", "-x", "", "x".repeat(64), "a..b", "m.lock"]) {
      expect(() => validateModelName(bad)).toThrow(InputError);
    }
  });

  it("parses latest, whole-number and semver versions, and aliases", () => {
    expect(parseSelector("latest")).toEqual({ kind: "latest" });
    expect(parseSelector("v12")).toEqual({ kind: "version", version: "12" });
    expect(parseSelector("3")).toEqual({ kind: "version", version: "3" });
    expect(parseSelector("1.4.0")).toEqual({ kind: "version", version: "1.4.0" });
    expect(parseSelector("v2.0.0-rc.1")).toEqual({ kind: "version", version: "2.0.0-rc.1" });
    expect(parseSelector("@1.4.0")).toEqual({ kind: "alias", alias: "1.4.0" });
    expect(() => parseSelector("1.4.0+build.7")).toThrow(/build metadata/);
    expect(() => parseSelector("1.4")).toThrow(/Invalid model version '1.4'/);
    expect(parseSelector("@production")).toEqual({ kind: "alias", alias: "production" });
    expect(parseSelector("champion")).toEqual({ kind: "alias", alias: "champion" });
    expect(() => parseSelector("v0")).toThrow(InputError);
  });

  it("sorts matching refs into versions and aliases without prefix confusion", () => {
    const refs = parseModelRefs("fraud", [
      { ref: "refs/tags/fraud/v1", object: { sha: "a", type: "tag" } },
      { ref: "refs/tags/fraud/v10", object: { sha: "b", type: "tag" } },
      { ref: "refs/tags/fraud/@production", object: { sha: "b", type: "tag" } },
      { ref: "refs/tags/fraud2/v3", object: { sha: "c", type: "tag" } },
      { ref: "refs/tags/fraud/v1x", object: { sha: "d", type: "tag" } },
      { ref: "refs/tags/fraud/v1.4.0", object: { sha: "e", type: "tag" } },
      { ref: "refs/tags/fraud/v01", object: { sha: "f", type: "tag" } },
      { ref: "refs/tags/fraud/v1.4.0+meta", object: { sha: "g", type: "tag" } },
    ]);
    expect(versionsDescending(refs)).toEqual(["10", "1.4.0", "1"]);
    expect(versionOfAlias(refs, "production")).toBe("10");
    expect(aliasesOf(refs, "10")).toEqual(["production"]);
  });
});

describe("names read back", () => {
  it("a version tag gives its model and version; anything else gives nothing", () => {
    expect(parseVersionTagName("fraud/v7")).toEqual({ model: "fraud", version: "7" });
    expect(parseVersionTagName("fraud/v1.4.0")).toEqual({ model: "fraud", version: "1.4.0" });
    for (const tag of ["fraud/@production", "Fraud/v7", "fraud/v01", "a/b/v7", "v7", "fraud/v1.4.0+x"])
      expect(parseVersionTagName(tag)).toBeUndefined();
  });

  it("the monitoring issue's marker gives its model back", () => {
    expect(monitoringMarkerModel(`${monitoringMarker("churn-2")}\n## Drift`)).toBe("churn-2");
    expect(monitoringMarkerModel("<!-- mlops-actions:monitoring:Bad! -->")).toBeUndefined();
    expect(monitoringMarkerModel("no marker")).toBeUndefined();
  });
});

describe("metadata", () => {
  it("round-trips the tag message key", () => {
    expect(keyFromTagMessage(tagMessage("fraud", "3", "acme/r/9/fraud"))).toBe("acme/r/9/fraud");
  });

  it("writes and reads sha256sum-compatible listings", () => {
    const files = [
      { name: "b.bin", size: 1, sha256: "b".repeat(64) },
      { name: "a.bin", size: 1, sha256: "a".repeat(64) },
    ];
    const text = renderSha256Sums(files);
    expect(text.split("\n")[0]).toBe(`${"a".repeat(64)}  a.bin`);
    expect(parseSha256Sums(text).get("b.bin")).toBe("b".repeat(64));
  });

  it("recognises HTML bodies", () => {
    expect(looksLikeHtml(Buffer.from("  <!DOCTYPE html><html>"))).toBe(true);
    expect(looksLikeHtml(Buffer.from("<HTML><body>"))).toBe(true);
    expect(looksLikeHtml(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
  });
});

describe("transport helpers", () => {
  it("follows rel=next in Link headers", () => {
    const link =
      '<https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last"';
    expect(nextPageUrl(link)).toBe("https://api.github.com/x?page=3");
    expect(nextPageUrl('<https://api.github.com/x?page=1>; rel="prev"')).toBeUndefined();
    expect(nextPageUrl(undefined)).toBeUndefined();
  });

  it("reads x-accepted-github-permissions", () => {
    expect(acceptedPermissions("contents=write")).toEqual([["contents", "write"]]);
    expect(acceptedPermissions("pull_requests=write,issues=read; contents=write")).toEqual([
      ["pull-requests", "write"],
      ["issues", "read"],
    ]);
    expect(acceptedPermissions(undefined)).toEqual([]);
  });

  it("matches comment authors by login or GitHub App slug", () => {
    expect(isAuthoredBy({ user: { login: "github-actions[bot]", type: "Bot" } }, "github-actions[bot]")).toBe(
      true,
    );
    expect(
      isAuthoredBy(
        { user: { login: "mlops-app[bot]", type: "Bot" }, performed_via_github_app: { slug: "mlops-app" } },
        "mlops-app[bot]",
      ),
    ).toBe(true);
    expect(isAuthoredBy({ user: { login: "mallory", type: "User" } }, "github-actions[bot]")).toBe(false);
  });

  it("maps check conclusions to commit-status states", () => {
    expect(["success", "neutral", "failure", "timed_out"].map((c) => statusStateFor(c as "success"))).toEqual(
      ["success", "success", "failure", "error"],
    );
  });
});

describe("gateCommentKey", () => {
  it("keys a gate's sticky comment by model and marker-safe workflow", async () => {
    const { gateCommentKey } = await import("../src/index.js");
    expect(gateCommentKey("churn", "pr check.yml")).toBe("churn/pr-check.yml");
    expect(gateCommentKey("churn", "***")).toBe("churn/-");
    expect(gateCommentKey("churn", "x".repeat(150))).toBe(`churn/${"x".repeat(100)}`);
  });
});
