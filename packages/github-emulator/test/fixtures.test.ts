/**
 * Replays recorded GitHub conversations from `@octokit/fixtures` against the emulator over real HTTP and
 * compares status codes, headers that matter, error bodies exactly and success bodies by structure
 * (ids, shas, dates and URLs differ by design).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { call, useEmulator } from "./helpers.js";

interface FixtureEntry {
  scope: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  response: unknown;
  reqheaders: Record<string, string | number>;
  headers: Record<string, string>;
}

const require = createRequire(import.meta.url);
const load = (scenario: string): FixtureEntry[] =>
  JSON.parse(
    readFileSync(
      require.resolve(`@octokit/fixtures/scenarios/api.github.com/${scenario}/normalized-fixture.json`),
      "utf8",
    ),
  ) as FixtureEntry[];

const emulator = useEmulator();
const FIXTURE_SHA = (n: number) => n.toString().padStart(40, "0");

/** Structural comparison: every key the recording has must exist with the same JSON type; arrays keep their length. */
function shapeProblems(expected: unknown, actual: unknown, at = "$"): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected array`];
    if (actual.length !== expected.length)
      return [`${at}: expected ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((item, i) => shapeProblems(item, actual[i], `${at}[${i}]`));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual))
      return [`${at}: expected object`];
    return Object.entries(expected).flatMap(([key, value]) =>
      key in actual
        ? shapeProblems(value, (actual as Record<string, unknown>)[key], `${at}.${key}`)
        : [`${at}.${key}: missing`],
    );
  }
  if (expected === null || actual === null) return [];
  return typeof expected === typeof actual
    ? []
    : [`${at}: expected ${typeof expected}, got ${typeof actual}`];
}

interface Ids {
  release: Map<number, number>;
  asset: Map<number, number>;
  sha: Map<string, string>;
}

function translatePath(path: string, ids: Ids): string {
  let out = path.replace(/\b0{20,}\d+\b/g, (sha) => ids.sha.get(sha) ?? sha);
  out = out.replace(
    /\/releases\/(\d+)/,
    (_m, id: string) => `/releases/${ids.release.get(Number(id)) ?? id}`,
  );
  out = out.replace(/\/assets\/(\d+)/, (_m, id: string) => `/assets/${ids.asset.get(Number(id)) ?? id}`);
  return out;
}

function translateBody(body: unknown, ids: Ids): unknown {
  if (typeof body === "string") return body;
  return JSON.parse(JSON.stringify(body ?? null).replace(/0{20,}\d+/g, (sha) => ids.sha.get(sha) ?? sha));
}

async function replay(target: Emulator, entries: FixtureEntry[], ids: Ids): Promise<void> {
  for (const [index, entry] of entries.entries()) {
    const base = entry.scope.includes("uploads.github.com") ? target.uploadsUrl : target.url;
    const headers: Record<string, string> = { authorization: "token fixture" };
    for (const [name, value] of Object.entries(entry.reqheaders)) {
      if (!["host", "authorization", "content-length"].includes(name)) headers[name] = String(value);
    }
    const body = entry.body === undefined || entry.body === "" ? undefined : translateBody(entry.body, ids);
    const response = await fetch(`${base}${translatePath(entry.path, ids)}`, {
      method: entry.method.toUpperCase(),
      headers,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      redirect: "manual",
    });
    const text = await response.text();
    const actual: unknown = text ? JSON.parse(text) : "";
    const label = `#${index} ${entry.method.toUpperCase()} ${entry.path}`;
    expect(response.status, label).toBe(entry.status);
    if (entry.headers.location) expect(response.headers.get("location"), label).toBeTruthy();
    if (entry.status >= 400) {
      const { message, errors } = entry.response as { message: string; errors?: unknown };
      expect(actual, label).toMatchObject({
        message,
        documentation_url: expect.any(String),
        ...(errors ? { errors } : {}),
      });
    } else {
      expect(shapeProblems(entry.response, actual), label).toEqual([]);
    }
    const fixtureId = (entry.response as { id?: unknown } | null)?.id;
    const actualId = (actual as { id?: unknown } | null)?.id;
    if (typeof fixtureId === "number" && typeof actualId === "number" && entry.path.includes("/assets"))
      ids.asset.set(fixtureId, actualId);
  }
}

/** Creates the fixture's `v1.0.0` release (id 1000 in the recording). */
async function seedRelease(target: Emulator, repo: string, ids: Ids): Promise<void> {
  const created = await call(target, "POST", `/repos/octokit-fixture-org/${repo}/releases`, {
    tag_name: "v1.0.0",
    name: "v1.0.0",
  });
  expect(created.status).toBe(201);
  ids.release.set(1000, (created.json as { id: number }).id);
}

const freshIds = (): Ids => ({ release: new Map(), asset: new Map(), sha: new Map() });

describe("@octokit/fixtures replayed against the emulator", () => {
  it("release-assets: get by tag, upload, list, get, rename, delete", async () => {
    const ids = freshIds();
    await seedRelease(emulator(), "release-assets", ids);
    await replay(emulator(), load("release-assets"), ids);
  });

  it("release-assets-conflict: the duplicate upload gets the recorded 422 already_exists body", async () => {
    const ids = freshIds();
    await seedRelease(emulator(), "release-assets-conflict", ids);
    const entries = load("release-assets-conflict");
    const [getByTag, ...rest] = entries;
    const upload = entries.find((e) => e.status === 201);
    if (!getByTag || !upload) throw new Error("fixture changed");
    await replay(emulator(), [getByTag], ids);
    // The recording's duplicate upload needs the asset to be there already: upload it once, unrecorded.
    await replay(emulator(), [upload], ids);
    ids.asset.set(1000, ids.asset.get(1001) ?? 0);
    await replay(emulator(), rest, ids);
  });

  it("git-refs: list, create (201 + location), update, list, delete", async () => {
    const ids = freshIds();
    const repo = "/repos/octokit-fixture-org/git-refs";
    // The recording creates `test` at an ancestor of main (sha 2), then fast-forwards it to main (sha 1).
    const ancestor = await call(emulator(), "GET", `${repo}/git/ref/heads/main`);
    ids.sha.set(FIXTURE_SHA(2), (ancestor.json as { object: { sha: string } }).object.sha);
    const head = await call(emulator(), "POST", `/_emulator${repo}/commits`, {
      branch: "main",
      message: "second",
    });
    ids.sha.set(FIXTURE_SHA(1), (head.json as { sha: string }).sha);
    await replay(emulator(), load("git-refs"), ids);
  });

  it("create-status: two statuses, list, combined failure", async () => {
    const ids = freshIds();
    const main = await call(emulator(), "GET", "/repos/octokit-fixture-org/create-status/git/ref/heads/main");
    ids.sha.set(FIXTURE_SHA(1), (main.json as { object: { sha: string } }).object.sha);
    await replay(emulator(), load("create-status"), ids);
  });
});
