/** The files of a commit of a local git repository, to push them to a local GitHub (the emulator). */
import { execFileSync } from "node:child_process";
import { InputError } from "@mlops/core";

export interface TreeFiles {
  /** `path → UTF-8 content` of every text file of the commit. */
  files: Record<string, string>;
  /** Paths left out: binary files (the emulator's commit helper holds text), symlinks, submodules. */
  skipped: { path: string; reason: string }[];
  /** The local commit the files come from. */
  commit: string;
}

function git(dir: string, args: string[], input?: Buffer): Buffer {
  try {
    return execFileSync("git", args, {
      cwd: dir,
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ["pipe", "pipe", "pipe"],
      ...(input ? { input } : {}),
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new InputError(`git ${args.join(" ")} in ${dir}: ${stderr || (error as Error).message}`);
  }
}

/** Every file of `ref` (a branch, tag or commit) in the git repository at `dir`, read with one `git cat-file`. */
export function treeFiles(dir: string, ref: string): TreeFiles {
  const commit = git(dir, ["rev-parse", "--verify", `${ref}^{commit}`])
    .toString()
    .trim();
  const entries = git(dir, ["ls-tree", "-r", "-z", "--full-tree", commit])
    .toString()
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode = "", type = "", sha = ""] = line.slice(0, tab).split(" ");
      return { mode, type, sha, path: line.slice(tab + 1) };
    });
  const skipped: TreeFiles["skipped"] = [];
  const blobs = entries.filter((entry) => {
    if (entry.type === "commit") skipped.push({ path: entry.path, reason: "submodule" });
    else if (entry.mode === "120000") skipped.push({ path: entry.path, reason: "symlink" });
    else return entry.type === "blob";
    return false;
  });
  const output = git(dir, ["cat-file", "--batch"], Buffer.from(blobs.map((b) => `${b.sha}\n`).join("")));
  const files: Record<string, string> = {};
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let offset = 0;
  for (const blob of blobs) {
    const headerEnd = output.indexOf(10, offset);
    const size = Number(output.subarray(offset, headerEnd).toString().split(" ")[2]);
    const content = output.subarray(headerEnd + 1, headerEnd + 1 + size);
    offset = headerEnd + 1 + size + 1;
    try {
      if (content.includes(0)) throw new Error("NUL byte");
      files[blob.path] = decoder.decode(content);
    } catch {
      skipped.push({ path: blob.path, reason: "binary" });
    }
  }
  return { files, skipped, commit };
}
