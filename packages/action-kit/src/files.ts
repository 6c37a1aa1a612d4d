import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { InputError } from "@mlops/core";
import { glob, isDynamicPattern } from "tinyglobby";

export interface FileFingerprint {
  /** Path relative to the base directory, with `/` separators. */
  path: string;
  size: number;
  sha256: string;
}

/**
 * Expands paths and globs relative to `cwd` into sorted, unique relative paths. A literal path that does
 * not exist, or a glob that matches nothing, is an error naming it (`what` says what the files are for).
 */
export async function resolveFiles(patterns: string[], cwd: string, what: string): Promise<string[]> {
  const found = new Set<string>();
  const missing: string[] = [];
  for (const pattern of patterns) {
    const matches = isDynamicPattern(pattern)
      ? await glob(pattern, { cwd, onlyFiles: true, dot: false, expandDirectories: false })
      : (await isFile(resolve(cwd, pattern)))
        ? [relative(cwd, resolve(cwd, pattern))]
        : [];
    if (matches.length === 0) missing.push(pattern);
    for (const match of matches) found.add(match.split("\\").join("/"));
  }
  if (missing.length > 0) {
    throw new InputError(
      `${what}: ${missing.length === 1 ? "no file" : "no files"} at ${missing.map((m) => `"${m}"`).join(", ")} (relative to ${cwd})`,
    );
  }
  return [...found].sort();
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** sha256 and size of a file, streamed (memory does not grow with the file). */
export async function fingerprintFile(path: string, base: string): Promise<FileFingerprint> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(resolve(base, path))) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return {
    path: relative(base, resolve(base, path)).split("\\").join("/"),
    size,
    sha256: hash.digest("hex"),
  };
}

export async function fingerprintFiles(paths: string[], base: string): Promise<FileFingerprint[]> {
  const result: FileFingerprint[] = [];
  for (const path of paths) result.push(await fingerprintFile(path, base));
  return result;
}
