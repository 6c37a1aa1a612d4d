/**
 * The state store: one JSON document (`state.json`) plus a blob directory. Everything lives in memory;
 * with a `stateDir` the document is loaded on start and rewritten (atomically) after each mutating request.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { CommitData, EmulatorData, RepoData } from "./model.js";

export class Store {
  data: EmulatorData;
  readonly blobDir: string;
  private readonly stateFile: string | undefined;
  private readonly ownsBlobDir: boolean;
  private lastSecond = 0;

  /** Epoch milliseconds of "now" (default `Date.now`; tests give a clock they move to build a history). */
  private readonly clock: () => number;

  constructor(stateDir?: string, clock: () => number = Date.now) {
    this.clock = clock;
    if (stateDir) {
      mkdirSync(join(stateDir, "blobs"), { recursive: true });
      this.stateFile = join(stateDir, "state.json");
      this.blobDir = join(stateDir, "blobs");
      this.ownsBlobDir = false;
    } else {
      this.blobDir = mkdtempSync(join(tmpdir(), "gh-emulator-blobs-"));
      this.ownsBlobDir = true;
    }
    this.data =
      this.stateFile && existsSync(this.stateFile)
        ? (JSON.parse(readFileSync(this.stateFile, "utf8")) as EmulatorData)
        : { version: 1, nextId: 1000, repos: {}, tokens: {}, extra: {} };
  }

  /** Next numeric id (shared by every object type, like GitHub's database ids look). */
  nextId(): number {
    this.data.nextId += 1;
    return this.data.nextId;
  }

  /**
   * A timestamp in GitHub format (second precision). Objects written in the same second share it, as on
   * GitHub (its timestamps have second precision; lists order ties by id); never earlier than the last one
   * given (a clock moved back by a test does not reorder history).
   */
  now(): string {
    this.lastSecond = Math.max(Math.floor(this.clock() / 1000), this.lastSecond);
    return new Date(this.lastSecond * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** The repository `owner/name` when it exists (never creates one). */
  findRepo(fullName: string): RepoData | undefined {
    return this.data.repos[fullName.toLowerCase()];
  }

  /** The repository `owner/name`, created on first use with one initial commit on `main`. */
  repo(owner: string, name: string): RepoData {
    const key = `${owner}/${name}`.toLowerCase();
    const existing = this.data.repos[key];
    if (existing) return existing;
    const created_at = this.now();
    const repo: RepoData = {
      id: this.nextId(),
      owner,
      name,
      default_branch: "main",
      created_at,
      commits: {},
      refs: {},
      tags: {},
      releases: [],
      assets: [],
      issues: [],
      nextIssueNumber: 1,
      comments: [],
      labels: [],
      checkRuns: [],
      statuses: [],
      deployments: [],
      deploymentStatuses: [],
      environments: [],
      dispatches: [],
      extra: {},
    };
    const initial = this.makeCommit(repo, {
      message: "Initial commit",
      parents: [],
      files: { "README.md": `# ${name}\n` },
    });
    repo.refs["refs/heads/main"] = initial.sha;
    this.data.repos[key] = repo;
    return repo;
  }

  /** Creates (stores) a commit object; does not move any ref. */
  makeCommit(
    repo: RepoData,
    input: { message: string; parents: string[]; files: Record<string, string>; sha?: string },
  ): CommitData {
    const date = this.now();
    const tree = sha1(JSON.stringify(input.files));
    const sha =
      input.sha ??
      sha1(`commit\0${tree}\0${input.parents.join(",")}\0${input.message}\0${date}\0${this.nextId()}`);
    const commit: CommitData = {
      sha,
      message: input.message,
      tree,
      parents: input.parents,
      author: {
        name: "github-actions[bot]",
        email: "41898282+github-actions[bot]@users.noreply.github.com",
        date,
      },
      files: input.files,
    };
    repo.commits[sha] = commit;
    return commit;
  }

  /** Streams `source` into a new blob file; returns its name, size and sha256 (hex). */
  async writeBlob(source: Readable): Promise<{ blob: string; size: number; sha256: string }> {
    const blob = randomUUID();
    const hash = createHash("sha256");
    let size = 0;
    source.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    await pipeline(source, createWriteStream(join(this.blobDir, blob)));
    return { blob, size, sha256: hash.digest("hex") };
  }

  /** The blob's bytes streamed from disk (never read whole into memory); `range` = inclusive byte positions. */
  readBlob(blob: string, range?: { start: number; end: number }): Readable {
    if (!blob) return Readable.from([]);
    return createReadStream(join(this.blobDir, blob), range ? { start: range.start, end: range.end } : {});
  }

  deleteBlob(blob: string): void {
    if (!blob) return; // `starter` assets have no bytes
    rmSync(join(this.blobDir, blob), { force: true });
  }

  /** Writes `state.json` (no-op without a state dir). */
  persist(): void {
    if (!this.stateFile) return;
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.data));
    renameSync(temporary, this.stateFile);
  }

  /** Removes the temporary blob directory (not a user-supplied state dir). */
  dispose(): void {
    if (this.ownsBlobDir) rmSync(this.blobDir, { recursive: true, force: true });
  }
}

export function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
