import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");

// The train action only runs a command and uploads an artifact: it never calls the GitHub API, so the
// GitHub client of @mlops/github (Octokit with retry/throttling) must not be bundled into it. What
// @actions/artifact itself brings stays. Same esbuild options as scripts/build.mjs, written to memory.
describe("train bundle", () => {
  it("contains no code of the @mlops/github client", async () => {
    const result = await build({
      entryPoints: [join(root, "actions/train/src/index.ts")],
      outfile: join(root, "actions/train/dist/index.js"),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
    const bundled = Object.entries(output?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    expect(bundled.length).toBeGreaterThan(100);
    expect(bundled.some((path) => path.includes("actions/train/src/main.ts"))).toBe(true);
    const client = bundled.filter((path) =>
      /packages\/github\/src\/client\.ts|@octokit\/rest\/|@octokit\/plugin-throttling\//.test(path),
    );
    expect(client).toEqual([]);
  }, 60_000);
});
