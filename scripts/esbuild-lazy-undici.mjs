// esbuild plugin: @actions/http-client (under @actions/core) imports undici's ProxyAgent at the top of its module,
// so every action would compile and run all of undici (≈ 400 KB) at start-up, although it is needed only when an
// HTTP proxy is configured. This plugin gives http-client a ProxyAgent that loads undici on first use, from its own
// CommonJS bundle next to the shared chunks (`undici.cjs`, built by scripts/build.mjs from the file recorded in
// `resolved`), through the `require` the bundle banner defines (createRequire of the chunk's URL).
const NAMESPACE = "lazy-undici";
export const UNDICI_FILE = "undici.cjs";

/** `resolved.path`: the undici entry http-client would have loaded (set during the build). */
export function lazyUndici(resolved) {
  return {
    name: NAMESPACE,
    setup(b) {
      b.onResolve({ filter: /^undici$/ }, async (args) => {
        if (!/[\\/]@actions[\\/]http-client[\\/]/.test(args.importer)) return undefined;
        const real = await b.resolve("undici", { kind: args.kind, resolveDir: args.resolveDir });
        if (real.errors.length > 0) return { errors: real.errors };
        if (resolved.path && resolved.path !== real.path)
          return {
            errors: [
              {
                text: `two undici entries (${resolved.path}, ${real.path}): one ${UNDICI_FILE} cannot serve both`,
              },
            ],
          };
        resolved.path = real.path;
        return { path: "undici", namespace: NAMESPACE };
      });
      b.onLoad({ filter: /^undici$/, namespace: NAMESPACE }, () => ({
        contents: [
          "let undici;",
          "export class ProxyAgent {",
          "  constructor(options) {",
          `    undici ??= require("./${UNDICI_FILE}");`,
          "    return new undici.ProxyAgent(options);",
          "  }",
          "}",
        ].join("\n"),
        loader: "js",
      }));
      b.onResolve(
        { filter: new RegExp(`^\\./${UNDICI_FILE.replace(".", "\\.")}$`), namespace: NAMESPACE },
        (args) => ({
          path: args.path,
          external: true,
        }),
      );
    },
  };
}
