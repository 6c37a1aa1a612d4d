// Bundles the actions into ONE shared set of ESM chunks with a small entry per action (issue 14 item 9; the
// layout github/codeql-action uses, one shared bundle and a stub per action, done with esbuild code splitting):
//
//   actions/<name>/dist/index.js     the entry `runs.main` names: the action's own code, importing
//   actions/_shared/dist/chunk-*.js  the code two or more actions share (Octokit, zod, yaml, @mlops/*, …),
//                                    and the lazily imported parts (`import()`), loaded only when used;
//   actions/_shared/dist/undici.cjs  undici, loaded only through an HTTP proxy (scripts/esbuild-lazy-undici.mjs);
//   actions/_shared/dist/licenses.txt  the third-party packages whose code is in these files.
//
// The whole repository is checked out when a workflow uses one of the actions (`uses: owner/repo/actions/x@v1`),
// so an entry may import `../../_shared/dist/…`. All actions are always built together: the chunks depend on the
// set of entries. Usage: node scripts/build.mjs
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { lazyUndici, UNDICI_FILE } from "./esbuild-lazy-undici.mjs";
import { pureCore } from "./esbuild-pure-core.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const actionsDir = join(root, "actions");
/** The folder of the shared chunks, relative to the repository root. */
export const SHARED_DIST = "actions/_shared/dist";

/** Every action with sources: `actions/<name>/src/index.ts`. */
export function actionNames() {
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(actionsDir, entry.name, "src/index.ts")))
    .map((entry) => entry.name)
    .sort();
}

// Some dependencies call `require` (CommonJS inside the ESM bundle); give them one. The name is aliased
// because a bundled dependency already declares its own `createRequire`. Every output file (entry or chunk)
// is its own module, so each gets the banner.
const banner = [
  "import { createRequire as __mlopsCreateRequire } from 'node:module';",
  "const require = __mlopsCreateRequire(import.meta.url);",
].join("\n");

/** undici as one CommonJS file, loaded by the ProxyAgent of @actions/http-client when a proxy is configured. */
export function undiciBuildOptions(entry) {
  return {
    entryPoints: [entry],
    outfile: join(root, SHARED_DIST, UNDICI_FILE),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  };
}

/**
 * The esbuild options of the action bundles (also used, written to memory, by tests that inspect them).
 * `undici.path` receives the undici entry that `undici.cjs` must bundle.
 */
export function actionBuildOptions(names = actionNames(), undici = {}) {
  return {
    entryPoints: names.map((name) => ({
      in: join(actionsDir, name, "src/index.ts"),
      out: `${name}/dist/index`,
    })),
    outdir: actionsDir,
    chunkNames: "_shared/dist/chunk-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    // No source maps in the committed dist: the runner never reads them (Node applies them only with
    // --enable-source-maps) and they were more than half of its bytes. `MLOPS_SOURCEMAP=1 pnpm build` writes
    // linked maps for local debugging (do not commit them: `pnpm check:dist` builds without).
    ...(process.env.MLOPS_SOURCEMAP === "1" ? { sourcemap: "linked", sourcesContent: false } : {}),
    legalComments: "none",
    banner: { js: banner },
    // @mlops/core's modules are pure: an action that needs only its error classes does not load zod + yaml;
    // undici (for @actions/core's proxy support) is loaded when a proxy is used, not at every start.
    plugins: [pureCore, lazyUndici(undici)],
    metafile: true,
    logLevel: "warning",
  };
}

/**
 * The output files (paths relative to the repository root, as the metafile names them) that `entry` loads:
 * itself and the chunks it imports, transitively; `dynamic` adds the `import()`ed ones.
 */
export function outputsLoadedBy(metafile, entry, { dynamic = false } = {}) {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.external) continue;
      if (imported.kind === "import-statement" || (dynamic && imported.kind === "dynamic-import"))
        visit(imported.path);
    }
  };
  visit(entry);
  return [...seen];
}

/** The package folder and package.json of a bundled file under node_modules, if it is one. */
function packageOf(file) {
  const parts = file.split(/[\\/]/);
  const index = parts.lastIndexOf("node_modules");
  if (index < 0) return undefined;
  const scoped = parts[index + 1]?.startsWith("@");
  const folder = parts.slice(0, index + (scoped ? 3 : 2)).join("/");
  const manifest = join(root, folder, "package.json");
  return existsSync(manifest)
    ? { folder: join(root, folder), manifest: JSON.parse(readFileSync(manifest, "utf8")) }
    : undefined;
}

function licenceText(folder) {
  const file = readdirSync(folder).find((name) => /^(licen[cs]e|copying)(\..*)?$/i.test(name));
  return file
    ? readFileSync(join(folder, file), "utf8").replace(/\r\n?/g, "\n").trim()
    : "(no licence file in the package)";
}

/**
 * The third-party packages with code in the output: only inputs that left bytes in an output file count
 * (esbuild also reads files whose code tree-shaking drops entirely; those are not shipped).
 */
export function bundledPackages(metafile) {
  const packages = new Map();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput === 0) continue;
      const found = packageOf(input);
      if (found) packages.set(`${found.manifest.name}@${found.manifest.version}`, found);
    }
  }
  return new Map([...packages.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function writeLicences(metafiles, outFile) {
  const packages = new Map(
    metafiles.flatMap((metafile) => [...bundledPackages(metafile)]).sort(([a], [b]) => a.localeCompare(b)),
  );
  const sections = [...packages.entries()].map(
    ([id, { folder, manifest }]) =>
      `${id}\nLicense: ${manifest.license ?? "UNKNOWN"}\n\n${licenceText(folder)}`,
  );
  writeFileSync(
    outFile,
    `Third-party software bundled in actions/*/dist/index.js and ${SHARED_DIST}/\n\n${sections.join("\n\n---\n\n")}\n`,
  );
  return packages.size;
}

async function main() {
  if (process.argv.length > 2) {
    console.error(
      "usage: node scripts/build.mjs (the actions share chunks, so all of them are built together)",
    );
    process.exit(2);
  }
  const names = actionNames();
  for (const name of names) rmSync(join(actionsDir, name, "dist"), { recursive: true, force: true });
  rmSync(join(root, SHARED_DIST), { recursive: true, force: true });
  const started = performance.now();
  const undici = {};
  const result = await build(actionBuildOptions(names, undici));
  if (!undici.path)
    throw new Error("@actions/http-client no longer imports undici: drop scripts/esbuild-lazy-undici.mjs");
  const lazy = await build(undiciBuildOptions(undici.path));
  const packages = writeLicences([result.metafile, lazy.metafile], join(root, SHARED_DIST, "licenses.txt"));
  const { outputs } = result.metafile;
  const js = (path) => path.endsWith(".js");
  for (const name of names) {
    const entry = `actions/${name}/dist/index.js`;
    const loaded = outputsLoadedBy(result.metafile, entry).reduce(
      (sum, path) => sum + outputs[path].bytes,
      0,
    );
    console.log(
      `built ${entry}  ${(outputs[entry].bytes / 1024).toFixed(0)} KiB (${(loaded / 1024).toFixed(0)} KiB loaded at start)`,
    );
  }
  const chunks = Object.keys(outputs).filter((path) => path.startsWith(SHARED_DIST) && js(path));
  const total = Object.entries(outputs)
    .filter(([path]) => js(path))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  console.log(
    `${chunks.length} shared chunks in ${SHARED_DIST}; ${(total / 1024 / 1024).toFixed(2)} MiB of JavaScript, ${packages} third-party packages, ${Math.round(performance.now() - started)} ms`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
