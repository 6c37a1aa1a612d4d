import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import {
  compareModelVersions,
  looksLikeModelVersion,
  modelVersionProblem,
  nextAutoVersion,
  parseModelVersion,
  sameModelVersion,
  sortModelVersionsDescending,
  tryParseModelVersion,
} from "../src/manifest/index.js";

describe("model version labels", () => {
  it("parse whole numbers and semver, with or without a leading v", () => {
    expect(parseModelVersion("7")).toEqual({
      label: "7",
      integer: true,
      major: 7,
      minor: 0,
      patch: 0,
      prerelease: [],
    });
    expect(parseModelVersion("v007").label).toBe("7");
    expect(parseModelVersion(" v1.4.0 ")).toMatchObject({
      label: "1.4.0",
      integer: false,
      major: 1,
      minor: 4,
    });
    expect(parseModelVersion("2.0.0-rc.1").prerelease).toEqual(["rc", 1]);
    expect(parseModelVersion("0.1.0").label).toBe("0.1.0");
  });

  it("refuse everything else with one line saying why", () => {
    for (const bad of ["0", "v0", "1.4", "1.4.0.1", "01.2.3", "1.2.3-01", "1.2.3-", "x", "", "1.2.3-a_b"]) {
      expect(tryParseModelVersion(bad), bad).toBeUndefined();
      expect(() => parseModelVersion(bad), bad).toThrow(InputError);
    }
    expect(() => parseModelVersion("1.4.0+build.7")).toThrow(
      "Invalid model version '1.4.0+build.7': build metadata (`+…`) is not supported because `+` is not safe in tag names and release URLs; drop the `+…` part.",
    );
    expect(modelVersionProblem("0")).toBe("whole-number versions start at 1");
    expect(modelVersionProblem(`1.0.0-${"a".repeat(64)}`)).toMatch(/at most 64 characters/);
    expect(modelVersionProblem("1.4.0")).toBeUndefined();
    for (const bad of ["1.4", "1.4.0+x"]) expect(() => parseModelVersion(bad)).toThrow(/^[^\n]+$/);
  });

  it("tell version-looking selectors from alias names", () => {
    for (const text of ["7", "v7", "1.4", "1.4.0", "v2.0.0-rc.1", "1.4.0+build"])
      expect(looksLikeModelVersion(text), text).toBe(true);
    for (const text of ["production", "2024-champion", "v-next", "1st"])
      expect(looksLikeModelVersion(text), text).toBe(false);
  });
});

describe("ordering", () => {
  it("follows semver precedence, a whole number N being N.0.0", () => {
    expect(compareModelVersions("1.10.0", "1.9.0")).toBeGreaterThan(0);
    expect(compareModelVersions("2.0.0-rc.1", "2.0.0")).toBeLessThan(0);
    expect(compareModelVersions("2.0.0-rc.1", "1.4.0")).toBeGreaterThan(0);
    expect(compareModelVersions("7", "7.0.0")).toBe(0);
    expect(compareModelVersions("7", "6.99.0")).toBeGreaterThan(0);
    expect(compareModelVersions("7", "7.0.1")).toBeLessThan(0);
    expect(sameModelVersion("v7", "7.0.0")).toBe(true);
    expect(sameModelVersion("1.4.0", "1.4.1")).toBe(false);
  });

  it("orders prereleases like semver.org §11", () => {
    const ascending = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ];
    const shuffled = [
      ascending[3],
      ascending[7],
      ascending[0],
      ascending[5],
      ascending[2],
      ascending[6],
      ascending[1],
      ascending[4],
    ];
    expect(sortModelVersionsDescending(shuffled as string[])).toEqual([...ascending].reverse());
  });

  it("sorts mixed labels newest first, ties broken by label so the order is stable", () => {
    expect(sortModelVersionsDescending(["1", "1.10.0", "3", "1.9.0", "2.0.0-rc.1", "3.0.0", "10"])).toEqual([
      "10",
      "3.0.0",
      "3",
      "2.0.0-rc.1",
      "1.10.0",
      "1.9.0",
      "1",
    ]);
  });

  it("auto takes the highest major + 1 as a whole number, prereleases included", () => {
    expect(nextAutoVersion([])).toBe("1");
    expect(nextAutoVersion(["1.4.0", "2.0.0-rc.1"])).toBe("3");
    expect(nextAutoVersion(["9", "10", "0.3.0"])).toBe("11");
  });
});
