/**
 * Where the toolkit's own files are at run time (the `init` templates in `workflows/`, the actions in
 * `actions/*`, the reusable workflows in `.github/workflows/`, `package.json` for the version):
 * - from a checkout (sources run through tsx): the repository root, three folders above `src/`;
 * - from the npm package (`pnpm pack:cli`): the package folder, one above the bundle in `dist/`. The
 *   bundler defines `MLOPS_PACKAGED` (see scripts/pack-cli.mjs).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

declare const MLOPS_PACKAGED: boolean | undefined;

const here = dirname(fileURLToPath(import.meta.url));

export const TOOLKIT_ROOT =
  typeof MLOPS_PACKAGED !== "undefined" && MLOPS_PACKAGED
    ? resolve(here, "..")
    : resolve(here, "..", "..", "..");

/** The toolkit's version (the release the `init` templates pin, and `mlops --version`). */
export const TOOLKIT_VERSION = (
  JSON.parse(readFileSync(join(TOOLKIT_ROOT, "package.json"), "utf8")) as { version: string }
).version;
