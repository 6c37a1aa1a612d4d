// Types of the part of unzip-stream (MIT; the zip reader @actions/artifact downloads with) that
// `restRunArtifactReader` uses: `Extract` writes a zip's entries under `path` (entry paths with `..` are
// made harmless by unzip-stream itself) and emits `close` once every file is written.
declare module "unzip-stream" {
  import type { Writable } from "node:stream";
  export function Extract(options: { path: string }): Writable;
  const unzip: { Extract: typeof Extract };
  export default unzip;
}
