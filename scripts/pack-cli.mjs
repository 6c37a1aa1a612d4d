// Builds the `mlops` CLI as a self-contained npm package and writes its tarball into dist/ (root, gitignored).
// Usage: pnpm pack:cli   (node scripts/pack-cli.mjs [--out DIR] [--stage-only])
//
// The package (see packages/cli/README.md, "What the package holds") has no runtime dependencies: the CLI
// and everything it imports are bundled by esbuild into plain JavaScript under dist/ (split into chunks, so
// `mlops --version` does not load the workflow runner or the emulator). Beside the bundle it carries what
// the CLI reads at run time:
// - workflows/                          the `mlops init` templates;
// - actions/<name>/{action.yml,dist/}   the bundled actions, run by `mlops run-workflow` for
//                                       `mlops-actions/mlops-actions/actions/<name>@ref` steps (the committed
//                                       bundles: run `pnpm build` first when the actions changed), with
//   actions/_shared/dist/               the chunks their entries share (scripts/build.mjs);
// - .github/workflows/reusable-*.yml    the reusable workflows those `uses:` lines call;
// - dist/profile-worker.js              the `mlops monitor` worker thread;
// - dist/artifact-step.mjs              the upload/download-artifact stand-in of the local runner.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { pureCore } from "./esbuild-pure-core.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const outDir = resolve(outIndex >= 0 ? args[outIndex + 1] : join(root, "dist"));
const stage = join(root, "packages/cli/dist/package");
const started = performance.now();

const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const manifest = {
  name: "@mlops-actions/cli",
  version: rootManifest.version,
  description:
    "The mlops CLI: diff, gate, init, registry, profile, monitor, run-workflow and a local GitHub emulator.",
  type: "module",
  license: rootManifest.license,
  bin: { mlops: "dist/mlops.js" },
  engines: rootManifest.engines,
  files: ["dist", "workflows", "actions", ".github/workflows", "README.md"],
  repository: {
    type: "git",
    url: "https://github.com/mlops-actions/mlops-actions.git",
    directory: "packages/cli",
  },
};

// Some dependencies call `require` (CommonJS inside the ESM bundle); give them one under an alias, as the
// action bundles do (scripts/build.mjs).
const banner = [
  "import { createRequire as __mlopsCreateRequire } from 'node:module';",
  "const require = __mlopsCreateRequire(import.meta.url);",
].join("\n");
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  banner: { js: banner },
  define: { MLOPS_PACKAGED: "true" },
  plugins: [pureCore],
  metafile: true,
  logLevel: "warning",
};

rmSync(stage, { recursive: true, force: true });
const dist = join(stage, "dist");
const cli = await build({
  ...common,
  entryPoints: {
    mlops: join(root, "packages/cli/src/bin.ts"),
    "profile-worker": join(root, "packages/monitor/src/profile-worker.ts"),
  },
  outdir: dist,
  splitting: true,
  chunkNames: "chunk-[hash]",
});
const artifact = await build({
  ...common,
  entryPoints: [join(root, "packages/workflow-runner/src/stand-ins/artifact-step.mjs")],
  outfile: join(dist, "artifact-step.mjs"),
});

/** Licences of the third-party packages inside the bundles (as scripts/build.mjs writes them for actions). */
function writeLicences(metafiles, file) {
  const packages = new Map();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const parts = input.split(/[\\/]/);
      const index = parts.lastIndexOf("node_modules");
      if (index < 0) continue;
      const folder = join(
        root,
        parts.slice(0, index + (parts[index + 1]?.startsWith("@") ? 3 : 2)).join("/"),
      );
      const manifestFile = join(folder, "package.json");
      if (!existsSync(manifestFile)) continue;
      const pkg = JSON.parse(readFileSync(manifestFile, "utf8"));
      const licence = readdirSync(folder).find((name) => /^(licen[cs]e|copying)(\..*)?$/i.test(name));
      packages.set(`${pkg.name}@${pkg.version}`, {
        license: pkg.license ?? "UNKNOWN",
        text: licence
          ? readFileSync(join(folder, licence), "utf8").replace(/\r\n?/g, "\n").trim()
          : "(no licence file in the package)",
      });
    }
  }
  const sections = [...packages.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, { license, text }]) => `${id}\nLicense: ${license}\n\n${text}`);
  writeFileSync(file, `Third-party software bundled in dist/\n\n${sections.join("\n\n---\n\n")}\n`);
}
writeLicences([cli.metafile, artifact.metafile], join(dist, "licenses.txt"));

// Run-time assets.
cpSync(join(root, "workflows"), join(stage, "workflows"), { recursive: true });
for (const name of readdirSync(join(root, "actions"))) {
  const from = join(root, "actions", name);
  const bundle = join(from, "dist/index.js");
  if (!existsSync(join(from, "action.yml"))) continue;
  if (!existsSync(bundle)) throw new Error(`${relative(root, bundle)} is missing: run pnpm build first`);
  mkdirSync(join(stage, "actions", name, "dist"), { recursive: true });
  cpSync(join(from, "action.yml"), join(stage, "actions", name, "action.yml"));
  cpSync(bundle, join(stage, "actions", name, "dist/index.js"));
}
// The chunks the entries import (`../../_shared/dist/…`), undici.cjs and their licences; no source maps.
const shared = join(root, "actions/_shared/dist");
if (!existsSync(shared)) throw new Error("actions/_shared/dist is missing: run pnpm build first");
cpSync(shared, join(stage, "actions/_shared/dist"), {
  recursive: true,
  filter: (file) => !file.endsWith(".map"),
});
mkdirSync(join(stage, ".github/workflows"), { recursive: true });
for (const file of readdirSync(join(root, ".github/workflows")).filter((f) => f.startsWith("reusable-")))
  cpSync(join(root, ".github/workflows", file), join(stage, ".github/workflows", file));
cpSync(join(root, "packages/cli/README.md"), join(stage, "README.md"));
writeFileSync(join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

if (args.includes("--stage-only")) {
  console.log(`staged ${relative(root, stage)} in ${Math.round(performance.now() - started)} ms`);
} else {
  mkdirSync(outDir, { recursive: true });
  const output = execFileSync("npm", ["pack", "--json", "--pack-destination", outDir], {
    cwd: stage,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [packed] = JSON.parse(output);
  const tarball = join(outDir, packed.filename);
  console.log(
    `packed ${relative(process.cwd(), tarball) || tarball}  ${(packed.size / 1024 / 1024).toFixed(1)} MiB (${(packed.unpackedSize / 1024 / 1024).toFixed(1)} MiB unpacked, ${packed.entryCount} files), ${Math.round(performance.now() - started)} ms`,
  );
}
