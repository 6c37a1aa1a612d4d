/**
 * The action bundles' layout (issue 14 item 9, scripts/build.mjs): one shared set of chunks in
 * actions/_shared/dist and a small entry per action, a few MiB committed instead of ≈ 28, only the bytes with code
 * in the output in licenses.txt. These check the COMMITTED dist (what a workflow runs) and an in-memory build with
 * the same options; `pnpm check:dist` checks that the two are the same.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { actionBuildOptions, bundledPackages, outputsLoadedBy, SHARED_DIST } from "../scripts/build.mjs";
import { DIST_PATHSPEC } from "../scripts/check-dist.mjs";

const root = join(import.meta.dirname, "..");
const ACTIONS = ["deploy", "evaluate-gate", "monitor-report", "register", "train"];
const shared = join(root, SHARED_DIST);

/** Relative modules a bundle file loads: static imports, `import()`, and `require("./…")` (undici.cjs). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = new Set<string>();
  for (const pattern of [
    STATIC_IMPORT,
    /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
    /\b[\w$]+\(\s*["'](\.\/undici\.cjs)["']\s*\)/g,
  ])
    for (const match of text.matchAll(pattern)) if (match[1]) found.add(resolve(dirname(file), match[1]));
  return [...found];
}

const STATIC_IMPORT = /(?:\bimport|\bexport)\s*(?:[^"'()]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g;

/** The files Node loads before the entry's code runs: the entry and its static imports, transitively. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(STATIC_IMPORT))
      if (match[1]) visit(resolve(dirname(file), match[1]));
  };
  visit(entry);
  return [...seen];
}

/** Every file an entry can load, following `importsOf` transitively. */
function closure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!existsSync(file)) return;
    for (const next of importsOf(file)) visit(next);
  };
  visit(entry);
  return [...seen];
}

const committedFiles = () =>
  [
    ...ACTIONS.flatMap((name) =>
      readdirSync(join(root, "actions", name, "dist")).map((f) => join("actions", name, "dist", f)),
    ),
    ...readdirSync(shared).map((f) => join(SHARED_DIST, f)),
  ].map((path) => join(root, path));

describe("committed action bundles", () => {
  it.each(ACTIONS)("%s: the entry and every chunk it can load are committed under actions/", (name) => {
    const files = closure(join(root, "actions", name, "dist/index.js"));
    expect(files.filter((file) => !existsSync(file)).map((f) => relative(root, f))).toEqual([]);
    expect(files.filter((file) => relative(join(root, "actions"), file).startsWith("..")).length).toBe(0);
    // The entry is the action's own code; what actions share is in the chunks.
    expect(files.length).toBeGreaterThan(1);
    expect(statSync(join(root, "actions", name, "dist/index.js")).size).toBeLessThan(100 * 1024);
  });

  it("are a few MiB in all: entries, shared chunks, undici.cjs and one licenses.txt, no source maps", () => {
    const files = committedFiles();
    const total = files.reduce((sum, file) => sum + statSync(file).size, 0);
    // ≈ 28 MiB in five self-contained bundles with source maps before; ≈ 3 MiB shared, plus ≈ 1 MiB of
    // Sigstore clients (keyless signing and verification) in chunks loaded only when a version is signed or
    // verified keyless (the start-up budget below checks they are not loaded otherwise).
    expect(total).toBeLessThan(5 * 1024 * 1024);
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(existsSync(join(shared, "licenses.txt"))).toBe(true);
    expect(existsSync(join(shared, "undici.cjs"))).toBe(true);
  });

  it.each(ACTIONS)(
    "%s: starts under this Node and stops at input validation (exit 1, one ::error:: line)",
    (name) => {
      const run = spawnSync(process.execPath, [join(root, "actions", name, "dist/index.js")], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.stderr).toBe("");
      const errors = run.stdout.split("\n").filter((line) => line.startsWith("::error"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^::error::Invalid input '[\w-]+': is required/);
      expect(run.status).toBe(1);
    },
  );

  it("pnpm check:dist compares every committed bundle file (its git pathspec names them all)", () => {
    const tracked = execFileSync("git", ["ls-files", "--", DIST_PATHSPEC], { cwd: root, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    // Every entry, the shared chunks, undici.cjs and licenses.txt (compared with git's index, not with the folder:
    // a local rebuild of changed sources leaves new chunk names on disk until it is committed or dropped).
    const committed = execFileSync("git", ["ls-files", "--", "actions"], { cwd: root, encoding: "utf8" })
      .split("\n")
      .filter((path) => /^actions\/[^/]+\/dist\//.test(path));
    expect(tracked.sort()).toEqual(committed.sort());
    for (const name of ACTIONS) expect(tracked).toContain(`actions/${name}/dist/index.js`);
    for (const file of ["licenses.txt", "undici.cjs"]) expect(tracked).toContain(`${SHARED_DIST}/${file}`);
    expect(tracked.filter((path) => /_shared\/dist\/chunk-\w+\.js$/.test(path)).length).toBeGreaterThan(1);
  });

  it.each(ACTIONS)("%s: compiles at most 700 KiB of JavaScript before its first line runs", (name) => {
    // Static imports only (what Node loads before running the entry); 2.4 MB per action as one bundle. What keeps
    // it low: `import * as z from "zod"` (zod's recommended form, tree-shaken; `import { z }` pulls all of zod
    // and its locales, +350 KB), undici out of the start path, one Bottleneck (the light build).
    const loaded = staticClosure(join(root, "actions", name, "dist/index.js"));
    const bytes = loaded.reduce((sum, file) => sum + statSync(file).size, 0);
    expect(bytes).toBeLessThan(700 * 1024);
  });

  it("undici is loaded only through a proxy: its own CommonJS file, which @actions/http-client's ProxyAgent requires", async () => {
    const undici = createRequire(join(shared, "index.js"))("./undici.cjs") as {
      ProxyAgent: new (options: { uri: string }) => { close(): Promise<void> };
    };
    const agent = new undici.ProxyAgent({ uri: "http://127.0.0.1:3128" });
    await agent.close();
    const requiring = readdirSync(shared).filter(
      (file) => file.endsWith(".js") && readFileSync(join(shared, file), "utf8").includes('"./undici.cjs"'),
    );
    expect(requiring).toHaveLength(1);
    for (const name of ACTIONS) {
      const entry = join(root, "actions", name, "dist/index.js");
      // Loaded at start = static imports only; undici.cjs is reached only by the shim's require().
      const statics = new Set<string>();
      const visit = (file: string) => {
        if (statics.has(file)) return;
        statics.add(file);
        const text = readFileSync(file, "utf8");
        for (const m of text.matchAll(
          /(?:\bimport|\bexport)\s*(?:[^"'()]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g,
        ))
          if (m[1]) visit(resolve(dirname(file), m[1]));
      };
      visit(entry);
      expect(
        [...statics].some((file) => file.endsWith("undici.cjs")),
        name,
      ).toBe(false);
    }
  });
});

describe("the build (in memory, scripts/build.mjs's options)", () => {
  let metafile: Metafile;
  beforeAll(async () => {
    const result = await build({ ...actionBuildOptions(), write: false, logLevel: "silent" });
    metafile = result.metafile;
  }, 120_000);

  // The train action only runs a command and uploads an artifact: it never calls the GitHub API, so the GitHub
  // client of @mlops/github (Octokit with retry/throttling) must not be loaded by it, at start or later.
  // What @actions/artifact itself brings stays (it is imported lazily).
  it("train loads no code of the @mlops/github client", () => {
    const outputs = outputsLoadedBy(metafile, "actions/train/dist/index.js", { dynamic: true });
    const bundled = outputs.flatMap((output) =>
      Object.entries(metafile.outputs[output]?.inputs ?? {})
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    );
    expect(bundled.length).toBeGreaterThan(100);
    expect(bundled.some((path) => path.includes("actions/train/src/main.ts"))).toBe(true);
    const client = bundled.filter((path) =>
      /packages\/github\/src\/client\.ts|@octokit\/rest\/|@octokit\/plugin-throttling\//.test(path),
    );
    expect(client).toEqual([]);
  });

  it("licenses.txt names exactly the packages with bytes in the output, not every package esbuild read", () => {
    const synthetic = {
      inputs: {},
      outputs: {
        "actions/x/dist/index.js": {
          bytes: 10,
          imports: [],
          exports: [],
          inputs: {
            "node_modules/.pnpm/zod@4.6.7/node_modules/zod/v4/classic/schemas.js": { bytesInOutput: 10 },
            "node_modules/.pnpm/yaml@2.9.1/node_modules/yaml/dist/index.js": { bytesInOutput: 0 },
          },
        },
      },
    } as unknown as Metafile;
    expect([...bundledPackages(synthetic).keys()]).toEqual(["zod@4.6.7"]);
    // Each section starts with "<name>@<version>" then "License: …".
    const listed = [
      ...readFileSync(join(shared, "licenses.txt"), "utf8").matchAll(/^(\S+@[^\s@]+)\nLicense: /gm),
    ].map((match) => match[1] ?? "");
    const fresh = [...bundledPackages(metafile).keys()];
    // undici.cjs is a second build (one package); everything else comes from the chunks.
    expect(listed.filter((id) => !id.startsWith("undici@"))).toEqual(
      fresh.filter((id) => !id.startsWith("undici@")),
    );
    expect(listed.some((id) => id.startsWith("undici@"))).toBe(true);
  });
});

describe("lazily imported CommonJS packages in the bundles", () => {
  // An ESM bundle gives `import()` of a CommonJS package only `default` (= module.exports), where Node also
  // names its exports: the keyless signer must find @sigstore/sign's classes either way (issue 17).
  it("the keyless signer's Sigstore clients, loaded on first use, have their exports", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-bundle-lazy-"));
    try {
      const entry = join(dir, "entry.ts");
      writeFileSync(
        entry,
        [
          `import { loadSigstoreSign } from ${JSON.stringify(join(root, "packages/github/src/registry/sigstore-sign.ts"))};`,
          "const s = await loadSigstoreSign();",
          "console.log([s.DSSEBundleBuilder, s.FulcioSigner, s.RekorWitness, s.TSAWitness, s.bundleToJSON].map((x) => typeof x).join(' '));",
        ].join("\n"),
      );
      await build({
        ...actionBuildOptions(),
        entryPoints: [{ in: entry, out: "entry" }],
        outdir: dir,
        chunkNames: "chunk-[hash]",
        logLevel: "silent",
      });
      const out = execFileSync(process.execPath, [join(dir, "entry.js")], { encoding: "utf8" });
      expect(out.trim()).toBe("function function function function function");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
