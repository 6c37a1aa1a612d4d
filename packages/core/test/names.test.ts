/**
 * Names and selectors (issue 14 item 1): one parser for `v7`, `1.4.0`, `@alias`, `latest`, `previous`,
 * one table of kinds, one model-name rule, one environment → alias mapping, one artifact naming.
 */
import {
  attemptArtifactName,
  attemptArtifactNames,
  type BaselineMode,
  ConfigError,
  describeSelectorKinds,
  environmentAlias,
  formatSelector,
  InputError,
  isValidName,
  type ModelSelector,
  newestAttemptArtifact,
  parseAttemptArtifactName,
  parseBaselineMode,
  parseConfig,
  parseModelReference,
  parseSelector,
  SELECTOR_KIND_NAMES,
  SELECTOR_KINDS,
  selectorProblem,
  trainArtifactBase,
  validateModelName,
} from "@mlops/core";
import { describe, expect, it } from "vitest";

/** Every well-formed spelling and what it means (written out, not derived from the table). */
const VALID: Array<[string, ModelSelector]> = [
  ["v7", { kind: "version", version: "7" }],
  ["7", { kind: "version", version: "7" }],
  ["v01", { kind: "version", version: "1" }],
  ["1.4.0", { kind: "version", version: "1.4.0" }],
  ["v1.4.0", { kind: "version", version: "1.4.0" }],
  ["v2.0.0-rc.1", { kind: "version", version: "2.0.0-rc.1" }],
  [" v7 ", { kind: "version", version: "7" }],
  ["@production", { kind: "alias", alias: "production" }],
  ["@latest", { kind: "alias", alias: "latest" }],
  ["@1.4.0", { kind: "alias", alias: "1.4.0" }],
  ["champion", { kind: "alias", alias: "champion" }],
  ["latest", { kind: "latest" }],
  ["previous", { kind: "previous" }],
];

/** Every malformed form: one InputError line each, saying what is wrong. */
const MALFORMED: Array<[string, RegExp]> = [
  ["", /^empty selector: expected v7 \/ 7 \/ 1\.4\.0 \(that registered version\); @production/],
  ["   ", /^empty selector: expected/],
  ["@", /^'@' names no alias: expected/],
  ["@Prod", /^Invalid alias 'Prod': use 1-63 lowercase letters/],
  ["a/b", /^Invalid alias 'a\/b'/],
  ["@a@b", /^Invalid alias 'a@b'/],
  ["@a..b", /^Invalid alias 'a\.\.b'/],
  ["@m.lock", /^Invalid alias 'm\.lock'/],
  [`@${"x".repeat(64)}`, /^Invalid alias 'x{64}'/],
  ["LATEST", /^Invalid alias 'LATEST'/],
  ["v0", /^Invalid model version 'v0': whole-number versions start at 1\.$/],
  ["1.4", /^Invalid model version '1\.4': use a whole number \(7\) or semver/],
  ["1.4.0+build.7", /^Invalid model version '1\.4\.0\+build\.7': build metadata/],
  ["v1.4.0-", /^Invalid model version 'v1\.4\.0-'/],
];

describe("the selector parser", () => {
  it.each(VALID)("parses %j", (text, expected) => {
    expect(parseSelector(text)).toEqual(expected);
    expect(selectorProblem(text)).toBeUndefined();
    // The canonical spelling parses back to the same selector.
    expect(parseSelector(formatSelector(expected))).toEqual(expected);
  });

  it.each(MALFORMED)("refuses %j with one clear line", (text, message) => {
    let error: unknown;
    try {
      parseSelector(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
    expect(selectorProblem(text)).toBe((error as Error).message);
  });

  it("every kind in the table has examples that parse as that kind, and errors name every allowed kind", () => {
    expect(SELECTOR_KIND_NAMES.sort()).toEqual(["alias", "latest", "previous", "version"]);
    for (const kind of SELECTOR_KIND_NAMES) {
      expect(SELECTOR_KINDS[kind].examples.length).toBeGreaterThan(0);
      for (const example of SELECTOR_KINDS[kind].examples) expect(parseSelector(example).kind).toBe(kind);
      expect(describeSelectorKinds()).toContain(SELECTOR_KINDS[kind].description);
    }
  });

  it("refuses a kind the caller does not accept, naming what it does accept", () => {
    expect(() =>
      parseSelector("@staging", { allow: ["version", "latest", "previous"], what: "version" }),
    ).toThrow(
      /^version: '@staging' is @ALIAS, which is not accepted here: expected v7 \/ 7 \/ 1\.4\.0 \(that registered version\); latest \(.*\); previous \(/,
    );
    expect(() => parseSelector("v7", { allow: ["alias"] })).toThrow(/'v7' is vN, N or MAJOR/);
    expect(selectorProblem("previous", { allow: ["version", "alias", "latest"] })).toMatch(
      /'previous' is previous, which is not accepted here/,
    );
  });

  it("reads a bare name as an alias only where asked to", () => {
    expect(parseSelector("champion", { bareAlias: true })).toEqual({ kind: "alias", alias: "champion" });
    expect(() => parseSelector("champion", { bareAlias: false })).toThrow(/^'champion' is not a selector/);
  });
});

describe("gate baseline modes", () => {
  const MODES: Array<[string, BaselineMode]> = [
    ["auto", { kind: "auto" }],
    ["none", { kind: "none" }],
    ["base-branch", { kind: "base-branch" }],
    ["production", { kind: "registry", selector: { kind: "alias", alias: "production" } }],
    ["@staging", { kind: "registry", selector: { kind: "alias", alias: "staging" } }],
    ["v7", { kind: "registry", selector: { kind: "version", version: "7" } }],
    ["1.4.0", { kind: "registry", selector: { kind: "version", version: "1.4.0" } }],
    ["latest", { kind: "registry", selector: { kind: "latest" } }],
    ["metrics/base.json", { kind: "file", path: "metrics/base.json" }],
    // A bare word is a file, as it always was (only `production` is a registry keyword).
    ["staging", { kind: "file", path: "staging" }],
  ];
  it.each(MODES)("parses %j", (text, mode) => {
    expect(parseBaselineMode(text)).toEqual(mode);
  });

  it.each([
    ["", /^baseline is empty: use auto \(/],
    ["previous", /^--baseline: 'previous' is previous, which is not accepted here/],
    ["@Bad", /^--baseline: Invalid alias 'Bad'/],
    ["v0", /^--baseline: Invalid model version 'v0'/],
    ["1.4", /^--baseline: Invalid model version '1\.4'/],
  ])("refuses %j", (text, message) => {
    expect(() => parseBaselineMode(text, text === "" ? "baseline" : "--baseline")).toThrow(message);
  });
});

describe("model references (registry commands)", () => {
  it.each([
    ["fraud", { model: "fraud", selector: { kind: "latest" } }],
    ["fraud@production", { model: "fraud", selector: { kind: "alias", alias: "production" } }],
    ["fraud:v3", { model: "fraud", selector: { kind: "version", version: "3" } }],
    ["fraud:1.4.0", { model: "fraud", selector: { kind: "version", version: "1.4.0" } }],
    ["fraud:latest", { model: "fraud", selector: { kind: "latest" } }],
  ])("parses %j", (text, expected) => {
    expect(parseModelReference(text)).toEqual(expected);
  });
  it.each([
    ["Fraud@production", /^Invalid model name 'Fraud'/],
    ["fraud:", /^empty selector/],
    ["fraud:v0", /^Invalid model version 'v0'/],
    ["fraud@", /^'@' names no alias/],
  ])("refuses %j", (text, message) => {
    expect(() => parseModelReference(text)).toThrow(message);
  });
});

describe("model names", () => {
  it("one rule for the registry, the config and the CLI", () => {
    expect(validateModelName("fraud-v2.small_1")).toBe("fraud-v2.small_1");
    for (const bad of ["Fraud", "a/b", "a@b", "-x", "", "x".repeat(64), "a..b", "m.lock"]) {
      expect(isValidName(bad)).toBe(false);
      expect(() => validateModelName(bad)).toThrow(InputError);
      // mlops.yml used to accept `a..b` and `m.lock`, which the registry then refused at the first register.
      expect(() => parseConfig(`version: 1\nmodels:\n  - name: "${bad}"\n`, "mlops.yml")).toThrow(
        ConfigError,
      );
    }
  });

  it("maps an environment to the alias its current version is kept under", () => {
    expect(environmentAlias("production")).toBe("production");
    expect(environmentAlias("Prod EU")).toBe("prod-eu");
    expect(environmentAlias("staging/2")).toBe("staging-2");
  });
});

describe("artifact names", () => {
  it("train artifacts: mlops-<model> unless renamed; re-runs add -attempt-<n>", () => {
    expect(trainArtifactBase("churn")).toBe("mlops-churn");
    expect(trainArtifactBase("churn", "custom")).toBe("custom");
    expect(trainArtifactBase("churn", "")).toBe("mlops-churn");
    expect(attemptArtifactName("mlops-churn", 1)).toBe("mlops-churn");
    expect(attemptArtifactName("mlops-churn", 3)).toBe("mlops-churn-attempt-3");
    expect(attemptArtifactNames("mlops-churn", 3)).toEqual([
      "mlops-churn-attempt-3",
      "mlops-churn-attempt-2",
      "mlops-churn",
    ]);
    expect(parseAttemptArtifactName("mlops-churn-attempt-3")).toEqual({ base: "mlops-churn", attempt: 3 });
    expect(parseAttemptArtifactName("mlops-churn")).toEqual({ base: "mlops-churn", attempt: 1 });
    expect(parseAttemptArtifactName("mlops-churn-attempt-0")).toEqual({
      base: "mlops-churn-attempt-0",
      attempt: 1,
    });
  });

  it("the newest attempt of one base, never another model's artifact with a longer name", () => {
    const names = ["mlops-churn", "mlops-churn-attempt-3", "mlops-churn-attempt-2", "mlops-churn2-attempt-9"];
    expect(newestAttemptArtifact(names, "mlops-churn")).toBe("mlops-churn-attempt-3");
    expect(newestAttemptArtifact(names, "mlops-churn2")).toBe("mlops-churn2-attempt-9");
    expect(newestAttemptArtifact(names, "mlops-fraud")).toBeUndefined();
    // A base that is itself an attempt's name (the train step's output) still matches itself.
    expect(newestAttemptArtifact(["mlops-churn-attempt-2"], "mlops-churn-attempt-2")).toBe(
      "mlops-churn-attempt-2",
    );
  });
});
