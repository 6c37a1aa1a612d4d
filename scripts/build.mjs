// Bundles every actions/<name>/src/index.ts into a self-contained actions/<name>/dist/index.js
// (ESM, minified, with a source map and a licence file for the third-party code it contains).
// Usage: node scripts/build.mjs [action-name …]
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const requested = process.argv.slice(2);
const actions = readdirSync(join(root, "actions"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "actions", entry.name, "src/index.ts")))
  .map((entry) => entry.name)
  .filter((name) => requested.length === 0 || requested.includes(name))
  .sort();

// Some dependencies call `require` (CommonJS inside the ESM bundle); give them one. The name is aliased
// because a bundled dependency already declares its own `createRequire`.
const banner = [
  "import { createRequire as __mlopsCreateRequire } from 'node:module';",
  "const require = __mlopsCreateRequire(import.meta.url);",
].join("\n");

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

function writeLicences(metafile, outFile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const found = packageOf(input);
    if (found) packages.set(`${found.manifest.name}@${found.manifest.version}`, found);
  }
  const sections = [...packages.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([id, { folder, manifest }]) =>
        `${id}\nLicense: ${manifest.license ?? "UNKNOWN"}\n\n${licenceText(folder)}`,
    );
  writeFileSync(outFile, `Third-party software bundled in index.js\n\n${sections.join("\n\n---\n\n")}\n`);
  return packages.size;
}

for (const name of actions) {
  const dir = join(root, "actions", name);
  const dist = join(dir, "dist");
  rmSync(dist, { recursive: true, force: true });
  const started = performance.now();
  const result = await build({
    entryPoints: [join(dir, "src/index.ts")],
    outfile: join(dist, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    banner: { js: banner },
    metafile: true,
    logLevel: "warning",
  });
  const packages = writeLicences(result.metafile, join(dist, "licenses.txt"));
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(
    `built ${relative(root, join(dist, "index.js"))}  ${(bytes / 1024).toFixed(0)} KiB, ${packages} packages, ${Math.round(performance.now() - started)} ms`,
  );
}
