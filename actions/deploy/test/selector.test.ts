/**
 * The deploy inputs go through core's one selector parser (issue 14 item 1): what each input meant before
 * it still means, and a selector of the wrong kind is one line naming what the input takes.
 */
import { describe, expect, it } from "vitest";
import { inputSchema } from "../src/inputs.js";
import { deploySelector } from "../src/selector.js";

/** Every input empty (as the runner passes unset inputs), but the required ones. */
const base = {
  ...Object.fromEntries(Object.keys(inputSchema.shape).map((name) => [name, ""])),
  environment: "production",
  "github-token": "t",
};
const inputs = (given: Record<string, string>) => inputSchema.parse({ ...base, ...given });

describe("deploy's selector inputs", () => {
  it.each([
    [{ version: "7" }, { kind: "version", version: "7" }],
    [{ version: "v1.4.0" }, { kind: "version", version: "1.4.0" }],
    [{ version: "latest" }, { kind: "latest" }],
    [{ version: "previous" }, { kind: "previous" }],
    [{ alias: "staging" }, { kind: "alias", alias: "staging" }],
    [{ alias: "@staging" }, { kind: "alias", alias: "staging" }],
    [{ "promote-from": "Staging EU" }, { kind: "alias", alias: "staging-eu" }],
  ])("%j selects %j", (given, expected) => {
    expect(deploySelector(inputs(given))).toEqual(expected);
  });

  it.each([
    ["@staging", /'@staging' is @ALIAS, which is not accepted here: expected v7/],
    ["v0", /Invalid model version 'v0': whole-number versions start at 1/],
    ["1.4", /Invalid model version '1\.4'/],
  ])("version %j is refused in one line", (version, message) => {
    const parsed = inputSchema.safeParse({ ...base, version });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toHaveLength(1);
    expect(parsed.error?.issues[0]?.message).toMatch(message);
  });

  it("the alias input is always an alias name; an invalid one is one line", () => {
    expect(deploySelector(inputs({ alias: "v7" }))).toEqual({ kind: "alias", alias: "v7" });
    expect(() => deploySelector(inputs({ alias: "Bad!" }))).toThrow(/^alias: Invalid alias 'Bad!'/);
    expect(() => deploySelector(inputs({ alias: "@" }))).toThrow(/^alias: '@' names no alias/);
  });
});
