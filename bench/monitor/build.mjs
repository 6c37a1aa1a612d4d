// Bundles the benchmark like the actions ship (esbuild, ESM, require shim): node bench/monitor/build.mjs
// Files of @mlops/core are declared free of side effects (they are: pure modules), so the zod and yaml
// code the config schema needs is left out of a bundle that only uses core's error classes.
import { build } from "esbuild";

const banner = 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);';
const pureCore = {
  name: "pure-core",
  setup(b) {
    b.onResolve({ filter: /^@mlops\/core$/ }, async (args) => {
      if (args.pluginData === "pure") return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: "pure",
      });
      return { ...resolved, sideEffects: false };
    });
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === "pure" || !args.importer.includes("/packages/core/")) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: "pure",
      });
      return { ...resolved, sideEffects: false };
    });
  },
};
for (const [entry, out] of [
  ["bench/monitor/ours.ts", "bench/data/build/ours.js"],
  ["packages/monitor/src/profile-worker.ts", "bench/data/build/profile-worker.js"],
])
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: { js: banner },
    plugins: [pureCore],
    logLevel: "warning",
  });
