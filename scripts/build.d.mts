// Types of scripts/build.mjs for the tests that use its esbuild options (test/bundles.test.ts).
import type { BuildOptions, Metafile } from "esbuild";

export declare const root: string;
export declare const SHARED_DIST: string;
export declare function actionNames(): string[];
export declare function undiciBuildOptions(entry: string): BuildOptions & { metafile: true };
export declare function actionBuildOptions(
  names?: string[],
  undici?: { path?: string },
): BuildOptions & { metafile: true };
export declare function outputsLoadedBy(
  metafile: Metafile,
  entry: string,
  options?: { dynamic?: boolean },
): string[];
export declare function bundledPackages(
  metafile: Metafile,
): Map<string, { folder: string; manifest: { name: string; version: string; license?: string } }>;
