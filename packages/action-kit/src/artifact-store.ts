import { cp, mkdir, readdir, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";

/** Where runs keep files for later steps and later runs: the Actions artifact service, or a folder. */
export interface ArtifactStore {
  upload(name: string, files: string[], rootDirectory: string): Promise<{ id: number; size: number }>;
  /** Downloads an artifact of this run (by name), or of another run when `from` is given. */
  download(
    name: string,
    directory: string,
    from?: { runId: number; owner: string; repo: string; token: string },
  ): Promise<{ path: string }>;
}

/**
 * The real service through the unmodified `@actions/artifact` client. It is imported lazily: it reads
 * `GITHUB_API_URL` at module load, and only steps that use artifacts should pay for loading it.
 */
export function createActionsArtifactStore(): ArtifactStore {
  const client = async () => {
    const { DefaultArtifactClient } = await import("@actions/artifact");
    return new DefaultArtifactClient();
  };
  return {
    async upload(name, files, rootDirectory) {
      const result = await (await client()).uploadArtifact(name, files, rootDirectory);
      return { id: result.id ?? 0, size: result.size ?? 0 };
    },
    async download(name, directory, from) {
      const artifacts = await client();
      const findBy = from
        ? {
            token: from.token,
            workflowRunId: from.runId,
            repositoryOwner: from.owner,
            repositoryName: from.repo,
          }
        : undefined;
      const { artifact } = await artifacts.getArtifact(name, findBy ? { findBy } : undefined);
      const result = await artifacts.downloadArtifact(artifact.id, {
        path: directory,
        ...(findBy ? { findBy } : {}),
      });
      if (result.digestMismatch) throw new Error(`Artifact ${name} failed its digest check after download`);
      return { path: result.downloadPath ?? directory };
    },
  };
}

/** A folder-backed store for the CLI and tests: `<root>/<name>/…`. */
export function createDirectoryArtifactStore(root: string): ArtifactStore {
  let nextId = 1;
  return {
    async upload(name, files, rootDirectory) {
      const target = join(root, name);
      await mkdir(target, { recursive: true });
      let size = 0;
      for (const file of files) {
        const destination = join(target, relative(resolve(rootDirectory), resolve(file)));
        await mkdir(join(destination, ".."), { recursive: true });
        await cp(file, destination);
        size += (await stat(file)).size;
      }
      return { id: nextId++, size };
    },
    async download(name, directory) {
      const source = join(root, name);
      await readdir(source);
      await cp(source, directory, { recursive: true });
      return { path: directory };
    },
  };
}
