// esbuild plugin: declares the files of @mlops/core free of side effects (they are pure modules), so a bundle
// that only uses core's error classes leaves out the zod and yaml code of the config schema. Used by
// scripts/pack-cli.mjs.
export const pureCore = {
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
