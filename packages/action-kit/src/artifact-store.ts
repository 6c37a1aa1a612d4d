import { cp, mkdir, readdir, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";

/** Where runs keep files for later steps and later runs: the Actions artifact service, or a folder. */
export interface ArtifactStore {
  upload(name: string, files: string[], rootDirectory: string): Promise<{ id: number; size: number }>;
  /** Downloads an artifact of this run (by name), or of another run when `from` is given. */
  download(name: string, directory: string, from?: ArtifactSource): Promise<{ path: string }>;
  /** Names (and ids) of the artifacts of this run, or of another run when `from` is given. */
  list?(from?: ArtifactSource): Promise<Array<{ id: number; name: string; size: number }>>;
}

/** Another workflow run to read artifacts from (cross-run download needs a token with `actions: read`). */
export interface ArtifactSource {
  runId: number;
  owner: string;
  repo: string;
  token: string;
}

/** Where the real client looks for another run's artifacts (`undefined`: this run). */
function findByOf(from: ArtifactSource | undefined) {
  return from
    ? { token: from.token, workflowRunId: from.runId, repositoryOwner: from.owner, repositoryName: from.repo }
    : undefined;
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
      const findBy = findByOf(from);
      const { artifact } = await artifacts.getArtifact(name, findBy ? { findBy } : undefined);
      const result = await artifacts.downloadArtifact(artifact.id, {
        path: directory,
        ...(findBy ? { findBy } : {}),
      });
      if (result.digestMismatch) throw new Error(`Artifact ${name} failed its digest check after download`);
      return { path: result.downloadPath ?? directory };
    },
    async list(from) {
      const findBy = findByOf(from);
      const { artifacts } = await (await client()).listArtifacts(findBy ? { findBy } : {});
      return artifacts.map((a) => ({ id: a.id, name: a.name, size: a.size }));
    },
  };
}

/**
 * A folder-backed store for the CLI and tests: `<root>/<name>/…`. With `runId`, artifacts are kept per
 * run (`<root>/runs/<runId>/<name>/…`) and `download(name, dir, from)` / `list(from)` read another run's,
 * like the cross-run download of the real service.
 */
export function createDirectoryArtifactStore(root: string, options: { runId?: number } = {}): ArtifactStore {
  let nextId = 1;
  const folder = (runId: number | undefined) =>
    runId === undefined ? root : join(root, "runs", String(runId));
  return {
    async upload(name, files, rootDirectory) {
      const target = join(folder(options.runId), name);
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
    async download(name, directory, from) {
      const source = join(folder(from?.runId ?? options.runId), name);
      await readdir(source);
      await cp(source, directory, { recursive: true });
      return { path: directory };
    },
    async list(from) {
      const base = folder(from?.runId ?? options.runId);
      const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
      return entries
        .filter((entry) => entry.isDirectory() && !(base === root && entry.name === "runs"))
        .map((entry, index) => ({ id: index + 1, name: entry.name, size: 0 }));
    },
  };
}
