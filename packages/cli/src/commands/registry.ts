import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve, sep } from "node:path";
import {
  ConfigError,
  findSigningConfig,
  InputError,
  keySigner,
  keyVersionSigner,
  loadMetricsFiles,
  localVersionSigner,
  type MetricValues,
  type ModelSelector,
  modelVersionProblem,
  parseAliasSelector,
  parseModelReference,
  parsePrivateKey,
  parseRefPatterns,
  parseRunManifest,
  protectionRequired,
  type RunManifest,
  renderAliasHistoryMermaid,
  renderAliasHistoryTable,
  renderTable,
  resolveVerification,
  sigstoreEnvNotice,
  type VersionSigner,
} from "@mlops/core";
import {
  aliasHistory,
  type DeployResult,
  deployModel,
  dispatchModelRegistered,
  downloadModel,
  downloadVerifiedModel,
  type GitHubClient,
  listModels,
  listVersions,
  moveAlias,
  registerModel,
  repositoryVisibility,
  resolveModel,
  sigstoreBundleOpener,
  sigstoreCacheDir,
} from "@mlops/github";
import { REFERENCE_PROFILE_ASSET } from "@mlops/monitor";
import { type Command, Option } from "commander";
import { ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { progressReporter } from "../progress.js";
import { connectRepository } from "./shared.js";

interface RegistryFlags {
  repo?: string;
  apiUrl?: string;
  format: string;
}

function connect(flags: RegistryFlags, io: CliIo, formats = ["table", "json"]) {
  if (!formats.includes(flags.format))
    throw new InputError(
      `--format: expected ${formats.join(", ").replace(/, (\w+)$/, " or $1")}, got "${flags.format}"`,
    );
  return connectRepository(flags, io);
}

/**
 * Records a deployment of `selector` to `environment` without running any deploy command (the CLI
 * cannot run your deploy step): deployment → in_progress → download and verify → success → `@<env>`
 * moves → the replaced deployment becomes inactive. Exit 1 when it failed.
 */
async function recordDeployment(
  client: GitHubClient,
  io: CliIo,
  options: { owner: string; repo: string; model: string; selector: ModelSelector; environment: string },
): Promise<DeployResult> {
  const workDir = await mkdtemp(join(tmpdir(), "mlops-cli-deploy-"));
  try {
    return await deployModel(client, {
      ...options,
      workDir,
      runId: `cli:${io.env.USER ?? "user"}:${Date.now()}`,
      run: async () => ({ ok: true }),
      rollbackOnFailure: false,
      requireProtection: protectionRequired(io.cwd, "mlops.yml", options.model, options.environment),
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function printDeployment(io: CliIo, flags: RegistryFlags, what: string, result: DeployResult): void {
  if (flags.format === "json")
    io.stdout(
      JSON.stringify(
        {
          ok: result.ok,
          model: result.model,
          version: result.version,
          environment: result.environment,
          deployment_id: result.deploymentId,
          previous_version: result.previousVersion ?? null,
          ...(result.message ? { message: result.message } : {}),
        },
        null,
        2,
      ),
    );
  else
    io.stdout(
      result.ok
        ? `${what}: ${result.environment} now runs ${result.model} v${result.version}` +
            `${result.previousVersion !== undefined ? ` (was v${result.previousVersion})` : ""}; deployment ${result.deploymentId}`
        : `${what} failed: ${result.message ?? "unknown error"}; deployment ${result.deploymentId}`,
    );
  if (!result.ok) throw new ExitWith(1);
}

interface RegisterFlags extends RegistryFlags {
  metrics?: string[];
  manifest?: string;
  aliases?: string;
  description?: string;
  tags?: string;
  version: string;
  prerelease?: boolean;
  commit?: string;
  referenceProfile?: string;
  perExample?: string;
  dispatch: boolean;
  idempotencyKey?: string;
  partSize?: string;
  signingKey?: string;
  allowDirty?: boolean;
  config: string;
}

/** The model files of FILE… arguments: files as they are, a directory as its files (one level: asset names are flat). */
async function modelFiles(args: string[], cwd: string): Promise<Array<{ path: string; name: string }>> {
  const files: Array<{ path: string; name: string }> = [];
  for (const arg of args) {
    const path = resolve(cwd, arg);
    const info = await stat(path).catch(() => {
      throw new InputError(`register: no file or directory at ${path}`);
    });
    if (info.isFile()) {
      files.push({ path, name: basename(path) });
      continue;
    }
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const nested = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    if (nested.length > 0)
      throw new InputError(
        `register: ${path} has subdirectories (${nested.join(", ")}); release assets have flat names — give their files, or pack the directory (tar) first`,
      );
    for (const entry of entries)
      if (entry.isFile()) files.push({ path: join(path, entry.name), name: entry.name });
  }
  if (files.length === 0) throw new InputError("register: no model files in the given paths");
  return files;
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: "pipe" }).trim();
}

/** Paths `git status` reports as changed or untracked (absolute), except the command's own input files. */
function uncommittedChanges(cwd: string, inputs: string[]): string[] {
  const top = git(cwd, ["rev-parse", "--show-toplevel"]);
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  const own = inputs.map(real);
  const entries = execFileSync("git", ["status", "--porcelain=v1", "-z", "--untracked-files=all"], {
    cwd,
    encoding: "utf8",
    stdio: "pipe",
  }).split("\0");
  const changed: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? "";
    if (entry.length < 4) continue;
    if (entry[0] === "R" || entry[0] === "C") i++; // a rename's or copy's source path follows
    const path = join(top, entry.slice(3));
    if (!own.some((input) => path === input || path.startsWith(`${input}${sep}`))) changed.push(path);
  }
  return changed;
}

/**
 * The signer of `registry register --signing-key` (docs/signing.md, "Signing from a laptop"): the key, with a
 * statement that binds what is true here — the checked-out commit and its branch or tag, no workflow, no
 * run. A dirty work tree is refused unless `--allow-dirty` (the statement then says so): a signature over
 * uncommitted code would claim a commit it did not come from. Without a key, `registry.signing.required`
 * refuses before anything is written.
 */
async function localSigner(
  io: CliIo,
  flags: RegisterFlags,
  inputs: string[],
  wanted: string | undefined,
): Promise<{ signer: VersionSigner } | undefined> {
  const { config, configName } = findSigningConfig(io.cwd, flags.config, io.env);
  if (!flags.signingKey) {
    if (config?.required)
      throw new ConfigError(
        `${configName}: registry.signing.required is true, but no --signing-key was given (keyless signing needs a GitHub Actions job; from here, sign with the private key of registry.signing.public_key).`,
      );
    return undefined;
  }
  const keyPath = resolve(io.cwd, flags.signingKey);
  const keyText = await readFile(keyPath, "utf8").catch(() => {
    throw new InputError(`--signing-key: no key file at ${keyPath}`);
  });
  const dsse = keySigner(parsePrivateKey(keyText, "--signing-key"));
  let head: string;
  try {
    head = git(io.cwd, ["rev-parse", "HEAD"]);
  } catch {
    throw new InputError(
      `--signing-key: ${io.cwd} is not a git checkout with a commit; the signature binds the commit the model came from, so register from that checkout.`,
    );
  }
  if (wanted && !head.startsWith(wanted.toLowerCase()))
    throw new InputError(
      `--signing-key signs what is checked out (HEAD ${head.slice(0, 7)}), but the version would be tagged at ${wanted.slice(0, 12)} (--commit or the manifest's commit): check that commit out first.`,
    );
  let ref: string | undefined;
  try {
    ref = git(io.cwd, ["symbolic-ref", "-q", "HEAD"]);
  } catch {
    const tag = git(io.cwd, ["tag", "--points-at", "HEAD"]).split("\n").filter(Boolean).sort()[0];
    ref = tag ? `refs/tags/${tag}` : undefined;
  }
  if (!ref)
    throw new InputError(
      `--signing-key: HEAD ${head.slice(0, 7)} is detached and no tag points at it; check out the branch or tag it was built from (the signature names the ref).`,
    );
  const changed = uncommittedChanges(io.cwd, inputs);
  if (changed.length > 0 && !flags.allowDirty)
    throw new InputError(
      `--signing-key: the work tree has uncommitted changes (${changed.length} path${changed.length === 1 ? "" : "s"}, e.g. ${relative(io.cwd, changed[0] ?? "") || changed[0]}); a signature would claim commit ${head.slice(0, 7)}, which they are not part of — commit them, or pass --allow-dirty (the statement then says so).`,
    );
  if (changed.length > 0)
    io.stderr(
      `warning: registering with ${changed.length} uncommitted change${changed.length === 1 ? "" : "s"} (--allow-dirty); the signed statement says the work tree was not clean.`,
    );
  const signer = localVersionSigner(keyVersionSigner(dsse), {
    ref,
    dirty: changed.length > 0,
    user: io.env.USER ?? "",
  });
  return { signer };
}

/** The commit the version tag points at: --commit, the run manifest's, this checkout's HEAD, else the default branch's head. */
async function commitToTag(
  client: GitHubClient,
  io: CliIo,
  flags: RegisterFlags,
  run: RunManifest | undefined,
  owner: string,
  repo: string,
): Promise<string> {
  if (flags.commit) return flags.commit;
  if (run) return run.commit;
  let local: string | undefined;
  try {
    local = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: io.cwd,
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
  } catch {
    local = undefined;
  }
  if (local) {
    // The version tag must point at a commit GitHub has: an unpushed HEAD is refused here, in one line.
    const known = await client
      .request("GET /repos/{owner}/{repo}/commits/{ref}", { owner, repo, ref: local })
      .then(() => true)
      .catch((error: unknown) => {
        if ([404, 422].includes(Number((error as { status?: number }).status))) return false;
        throw error;
      });
    if (!known)
      throw new InputError(
        `register: this checkout's HEAD ${local.slice(0, 7)} is not in ${owner}/${repo}; push it first, or give --commit SHA`,
      );
    return local;
  }
  const { data } = await client.request("GET /repos/{owner}/{repo}", { owner, repo });
  const { data: head } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner,
    repo,
    ref: data.default_branch,
  });
  io.stderr(
    `register: not in a git checkout and no --commit: tagging ${data.default_branch}'s head ${head.sha.slice(0, 7)}`,
  );
  return head.sha;
}

/**
 * The idempotency key of a CLI registration: the commit and the files' names, sizes and modification
 * times. Running the same command again (after an interruption) finishes the same version — parts already
 * uploaded to the draft are kept — instead of starting another one.
 */
async function cliIdempotencyKey(
  owner: string,
  repo: string,
  model: string,
  commit: string,
  files: Array<{ path: string; name: string }>,
): Promise<string> {
  const hash = createHash("sha256").update(commit);
  for (const file of files) {
    const info = await stat(file.path);
    hash.update(`\0${file.name}\0${info.size}\0${info.mtimeMs}`);
  }
  return `${owner}/${repo}/cli-${hash.digest("hex").slice(0, 16)}/${model}`;
}

function commaList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** `https://api.github.com` → `https://github.com`; GHES `https://host/api/v3` → `https://host`. */
function serverUrlOf(apiUrl: string | undefined): string {
  if (!apiUrl || apiUrl.replace(/\/$/, "") === "https://api.github.com") return "https://github.com";
  return apiUrl.replace(/\/api\/v3\/?$/, "").replace(/\/$/, "");
}

export function registerRegistryCommand(program: Command, io: CliIo): void {
  const registry = program.command("registry").description("The model registry on the repository's releases");
  const common = (command: Command) =>
    command
      .option("--repo <owner/name>", "repository (default: $GITHUB_REPOSITORY)")
      .option("--api-url <url>", "GitHub API URL (the emulator, or GitHub Enterprise)")
      .option("--format <format>", "table or json", "table");

  common(
    registry
      .command("register")
      .description(
        "Register model files as a new version (the register action's code: model.json, SHA256SUMS, model card); a directory stands for its files",
      )
      .argument("<model>")
      .argument("<files...>")
      .option("--metrics <files...>", "metrics files (JSON, YAML, CSV), flattened to dot paths")
      .option(
        "--manifest <run.json>",
        "the train action's run manifest: metrics, params, data and run lineage",
      )
      .option(
        "--aliases <list>",
        "aliases to point at the new version, comma-separated (e.g. staging,latest)",
      )
      .option("--description <text>", "description for the model card")
      .option("--tags <list>", "tags, comma-separated")
      .option("--version <version>", "auto (highest major + 1), a whole number or semver", "auto")
      .option("--prerelease", "mark the release as a prerelease")
      .option(
        "--commit <sha>",
        "the commit the version tag points at (default: the manifest's, else this checkout's HEAD)",
      )
      .option("--reference-profile <file>", "a reference profile (mlops profile) attached for monitoring")
      .option("--per-example <file>", "per-example results attached as per-example.csv")
      .option("--no-dispatch", "do not send the mlops.model.registered repository_dispatch event")
      .option("--idempotency-key <key>", "rerunning with the same key finishes or returns the same version")
      .option(
        "--signing-key <file>",
        "sign the version with this private key (PEM): the statement binds this checkout's commit and branch or tag, no workflow (default: unsigned; an error when registry.signing.required)",
      )
      .option(
        "--allow-dirty",
        "with --signing-key: sign although the work tree has uncommitted changes (the statement says so)",
      )
      .option("--config <file>", "the mlops.yml with registry.signing", "mlops.yml")
      .addOption(new Option("--part-size <bytes>", "bytes per part of a large file (tests)").hideHelp()),
  ).action(async (model: string, paths: string[], flags: RegisterFlags) => {
    if (flags.version !== "auto" && modelVersionProblem(flags.version))
      throw new InputError(
        `--version: expected auto, a whole number or semver: ${modelVersionProblem(flags.version)}`,
      );
    const partBytes = flags.partSize === undefined ? undefined : Number(flags.partSize);
    if (partBytes !== undefined && !(Number.isSafeInteger(partBytes) && partBytes > 0))
      throw new InputError(`--part-size: expected a positive number of bytes, got "${flags.partSize}"`);
    const { client, owner, repo } = connect(flags, io);
    const files = await modelFiles(paths, io.cwd);
    let run: RunManifest | undefined;
    if (flags.manifest) {
      const manifestPath = resolve(io.cwd, flags.manifest);
      const text = await readFile(manifestPath, "utf8").catch(() => {
        throw new InputError(`--manifest: no file at ${manifestPath}`);
      });
      run = parseRunManifest(text, manifestPath);
    }
    let metrics: MetricValues = run?.metrics ?? {};
    if (flags.metrics?.length)
      metrics = loadMetricsFiles(flags.metrics.map((f) => resolve(io.cwd, f))).metrics;
    const extraAssets: Array<{ path: string; name: string }> = [];
    if (flags.referenceProfile)
      extraAssets.push({ path: resolve(io.cwd, flags.referenceProfile), name: REFERENCE_PROFILE_ASSET });
    if (flags.perExample)
      extraAssets.push({ path: resolve(io.cwd, flags.perExample), name: "per-example.csv" });
    const signing = await localSigner(
      io,
      flags,
      [
        ...files.map((f) => f.path),
        ...extraAssets.map((f) => f.path),
        ...(flags.metrics ?? []).map((f) => resolve(io.cwd, f)),
        ...paths.map((p) => resolve(io.cwd, p)),
        ...(flags.manifest ? [resolve(io.cwd, flags.manifest)] : []),
        ...(flags.signingKey ? [resolve(io.cwd, flags.signingKey)] : []),
      ],
      flags.commit ?? run?.commit,
    );
    const commit = await commitToTag(client, io, flags, run, owner, repo);
    const aliases = commaList(flags.aliases);
    const tags = commaList(flags.tags);
    const progress = progressReporter(io);
    const registered = await registerModel(client, {
      owner,
      repo,
      model,
      commitSha: commit,
      files,
      extraAssets,
      metrics,
      params: run?.params ?? {},
      lineage: {
        repository: `${owner}/${repo}`,
        commit,
        workflow_ref: "",
        run: run
          ? { id: run.run.id, attempt: run.run.attempt, url: run.run.url }
          : { id: 0, attempt: 1, url: "" },
        data: run?.data ?? [],
      },
      actor: io.env.GITHUB_ACTOR ?? io.env.USER ?? "",
      aliases,
      prerelease: flags.prerelease ?? false,
      ...(flags.description !== undefined ? { description: flags.description } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      ...(flags.version !== "auto" ? { version: flags.version } : {}),
      idempotencyKey: flags.idempotencyKey ?? (await cliIdempotencyKey(owner, repo, model, commit, files)),
      ...(partBytes !== undefined ? { partBytes } : {}),
      ...(signing
        ? {
            signer: signing.signer,
            // The repository URL the signed statement names: what `registry verify` and deploy expect.
            serverUrl: io.env.GITHUB_SERVER_URL ?? serverUrlOf(flags.apiUrl ?? io.env.GITHUB_API_URL),
          }
        : {}),
      progress,
      log: { debug() {}, info: (m) => io.stderr(m), warning: (m) => io.stderr(`warning: ${m}`) },
    });
    if (flags.dispatch && registered.outcome !== "existing")
      await dispatchModelRegistered(client, {
        owner,
        repo,
        model,
        registered,
        aliases,
        commit,
        runId: run?.run.id ?? 0,
      });
    const assets = registered.assets.map((a) => ({ name: a.name, size: a.size, digest: a.digest ?? null }));
    if (flags.format === "json") {
      io.stdout(
        JSON.stringify(
          {
            model,
            version: registered.version,
            tag: registered.tag,
            outcome: registered.outcome,
            release_url: registered.releaseUrl,
            parent_version: registered.parentVersion,
            signed_by: signing?.signer.description ?? null,
            aliases,
            assets,
          },
          null,
          2,
        ),
      );
      return;
    }
    const verb = { created: "registered", resumed: "finished registering", existing: "already registered" };
    io.stdout(
      `${model} v${registered.version} ${verb[registered.outcome]} (${registered.tag})  ${aliases.map((a) => `@${a}`).join(" ")}`.trimEnd(),
    );
    io.stdout(registered.releaseUrl);
    io.stdout(
      renderTable(
        ["Asset", "Size", "Digest"],
        assets.map((a) => [a.name, String(a.size), a.digest ?? ""]),
      ),
    );
  });

  common(
    registry
      .command("history")
      .description(
        "Every move of the model's aliases by a deployment: when, which version, who triggered and who approved it, the run and the PR (table, json or mermaid)",
      )
      .argument("<model>")
      .option("--alias <alias>", "only this alias, e.g. production")
      .option("--since <date>", "only moves at or after this date (ISO 8601, e.g. 2026-05-03)"),
  ).action(async (model: string, flags: RegistryFlags & { alias?: string; since?: string }) => {
    const { client, owner, repo } = connect(flags, io, ["table", "json", "mermaid"]);
    const since = flags.since === undefined ? undefined : new Date(flags.since);
    if (since !== undefined && Number.isNaN(since.getTime()))
      throw new InputError(
        `--since: expected a date such as 2026-05-03 or 2026-05-03T14:00:00Z, got "${flags.since}"`,
      );
    const alias = flags.alias === undefined ? undefined : parseAliasSelector(flags.alias, "--alias");
    const history = await aliasHistory(client, {
      owner,
      repo,
      model,
      ...(alias ? { alias } : {}),
      ...(since ? { since } : {}),
      log: { debug() {}, info: (m) => io.stderr(m), warning: (m) => io.stderr(`warning: ${m}`) },
    });
    if (flags.format === "json") {
      io.stdout(
        JSON.stringify(
          {
            model,
            alias: alias ?? null,
            since: since?.toISOString() ?? null,
            moves: history.moves,
            api_calls: history.calls,
            gaps: history.gaps,
          },
          null,
          2,
        ),
      );
      return;
    }
    if (flags.format === "mermaid") {
      io.stdout(renderAliasHistoryMermaid(model, history.moves, alias));
      return;
    }
    if (history.moves.length === 0) {
      io.stdout(
        `${model}: no deployment moved ${alias ? `@${alias}` : "an alias"}${since ? ` since ${since.toISOString()}` : ""}`,
      );
      return;
    }
    io.stdout(renderAliasHistoryTable(history.moves));
    io.stderr(`${history.moves.length} moves, ${history.calls} API calls`);
  });

  common(
    registry
      .command("list")
      .description("List models, or the versions and aliases of one model")
      .argument("[model]"),
  ).action(async (model: string | undefined, flags: RegistryFlags) => {
    const { client, owner, repo } = connect(flags, io);
    if (model === undefined) {
      const models = await listModels(client, { owner, repo });
      io.stdout(
        flags.format === "json"
          ? JSON.stringify({ models }, null, 2)
          : models.join("\n") || "(no models registered)",
      );
      return;
    }
    const versions = await listVersions(client, { owner, repo, model });
    if (flags.format === "json") io.stdout(JSON.stringify({ model, versions }, null, 2));
    else
      io.stdout(
        renderTable(
          ["Version", "Tag", "Aliases"],
          versions.map((v) => [`v${v.version}`, v.tag, v.aliases.map((a) => `@${a}`).join(" ")]),
        ),
      );
  });

  common(
    registry
      .command("show")
      .description("Show one version: MODEL, MODEL@alias, MODEL:v7 or MODEL:v1.4.0")
      .argument("<reference>"),
  ).action(async (reference: string, flags: RegistryFlags) => {
    const { client, owner, repo } = connect(flags, io);
    const { model, selector } = parseModelReference(reference);
    const resolved = await resolveModel(client, { owner, repo, model, selector });
    const assets = resolved.release.assets.map((a) => ({
      name: a.name,
      size: a.size,
      digest: a.digest ?? null,
    }));
    if (flags.format === "json") {
      io.stdout(
        JSON.stringify(
          {
            model,
            version: resolved.version,
            tag: resolved.tag,
            aliases: resolved.aliases,
            release_url: resolved.release.htmlUrl,
            assets,
          },
          null,
          2,
        ),
      );
      return;
    }
    io.stdout(
      `${model} v${resolved.version}  (${resolved.tag})  ${resolved.aliases.map((a) => `@${a}`).join(" ")}`,
    );
    io.stdout(resolved.release.htmlUrl);
    io.stdout(
      renderTable(
        ["File", "Size", "Digest"],
        assets.map((a) => [a.name, String(a.size), a.digest ?? ""]),
      ),
    );
  });

  common(
    registry
      .command("verify")
      .description(
        "Verify a version's signature, signer and every file, as deploy does: MODEL, MODEL@alias, MODEL:v7 (exit 0 verified, 1 refused, 2 bad input)",
      )
      .argument("<reference>")
      .option(
        "--public-key <file>",
        "trusted public key, PEM (default: registry.signing.public_key of the config)",
      )
      .option(
        "--allowed-signer-refs <list>",
        "refs the signing workflow may have run at, comma-separated (default: registry.signing.allowed_refs, else refs/heads/main,refs/tags/v*)",
      )
      .option(
        "--server-url <url>",
        "the GitHub server the signer's identity names (default: $GITHUB_SERVER_URL, else from --api-url)",
      )
      .option(
        "--trusted-root <file>",
        "Sigstore trusted root for keyless signatures, JSON or the JSONL of `gh attestation trusted-root` (default: registry.signing.sigstore.trusted_root, else public-good's from Sigstore's TUF repository)",
      )
      .option(
        "--oidc-issuer <url>",
        "the OIDC issuer a keyless certificate must name (default: registry.signing.sigstore.oidc_issuer, else https://token.actions.githubusercontent.com)",
      )
      .option("--config <file>", "the mlops.yml with registry.signing", "mlops.yml"),
  ).action(
    async (
      reference: string,
      flags: RegistryFlags & {
        publicKey?: string;
        trustedRoot?: string;
        oidcIssuer?: string;
        allowedSignerRefs?: string;
        serverUrl?: string;
        config: string;
      },
    ) => {
      const { client, owner, repo } = connect(flags, io);
      const { model, selector } = parseModelReference(reference);
      const signingConfig = findSigningConfig(io.cwd, flags.config, io.env);
      const fromEnv = sigstoreEnvNotice(signingConfig.sigstoreEnv, flags.config);
      if (fromEnv) io.stderr(fromEnv);
      const verification = resolveVerification({
        ...signingConfig,
        cwd: io.cwd,
        ...(flags.publicKey ? { publicKey: flags.publicKey } : {}),
        ...(flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : {}),
        ...(flags.oidcIssuer ? { oidcIssuer: flags.oidcIssuer } : {}),
        allowedRefs: parseRefPatterns(flags.allowedSignerRefs ?? ""),
        required: true,
        repository: `${owner}/${repo}`,
        serverUrl:
          flags.serverUrl ?? io.env.GITHUB_SERVER_URL ?? serverUrlOf(flags.apiUrl ?? io.env.GITHUB_API_URL),
      });
      if (!verification.policy) throw new InputError("verify: no signing policy");
      const resolved = await resolveModel(client, { owner, repo, model, selector });
      const dir = await mkdtemp(join(tmpdir(), "mlops-verify-"));
      try {
        const { verified } = await downloadVerifiedModel(client, {
          owner,
          repo,
          resolved,
          dir,
          policy: verification.policy,
          ...(verification.sigstore
            ? {
                openBundle: sigstoreBundleOpener({
                  trust: verification.sigstore,
                  cacheDir: sigstoreCacheDir(io.env),
                  repositoryPrivate: repositoryVisibility(client, owner, repo),
                }),
              }
            : {}),
        });
        if (flags.format === "json")
          io.stdout(
            JSON.stringify(
              {
                model,
                version: resolved.version,
                tag: resolved.tag,
                verified: true,
                signer: verified?.signer,
                ...(verified?.witness ? { witness: verified.witness } : {}),
                ref: verified?.ref,
                commit: verified?.commit,
                files: verified?.files,
              },
              null,
              2,
            ),
          );
        else
          io.stdout(
            `${resolved.tag}: verified — signed by ${verified?.signer} at ${verified?.ref}, commit ${verified?.commit}; ${verified?.files} files match${verified?.witness ? `; ${verified.witness}` : ""}`,
          );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  common(
    registry
      .command("download")
      .description("Download and verify a version: MODEL, MODEL@alias, MODEL:v7 or MODEL:v1.4.0")
      .argument("<reference>")
      .option("-o, --output <dir>", "directory to write the files to (default ./<model>-v<version>)"),
  ).action(async (reference: string, flags: RegistryFlags & { output?: string }) => {
    const { client, owner, repo } = connect(flags, io);
    const { model, selector } = parseModelReference(reference);
    const resolved = await resolveModel(client, { owner, repo, model, selector });
    const dir = resolve(io.cwd, flags.output ?? `${model}-v${resolved.version}`);
    const downloaded = await downloadModel(client, {
      owner,
      repo,
      model,
      selector,
      dir,
      resolved,
      progress: progressReporter(io),
    });
    if (flags.format === "json") {
      io.stdout(
        JSON.stringify(
          {
            model,
            version: resolved.version,
            tag: resolved.tag,
            directory: dir,
            files: downloaded.files.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
          },
          null,
          2,
        ),
      );
      return;
    }
    io.stdout(`${model} v${resolved.version} → ${dir} (every file verified)`);
    io.stdout(
      renderTable(
        ["File", "Size", "sha256"],
        downloaded.files.map((f) => [f.name, String(f.size), f.sha256]),
      ),
    );
  });

  common(
    registry
      .command("promote")
      .description(
        "Point an alias at a version (--alias), or record a verified deployment of it to an environment (--to); MODEL:v7, MODEL:v1.4.0 or MODEL@alias",
      )
      .argument("<reference>")
      .option("--alias <alias>", "the alias to move, e.g. champion")
      .option("--to <environment>", "record a deployment to this environment and move its alias"),
  ).action(async (reference: string, flags: RegistryFlags & { alias?: string; to?: string }) => {
    const { client, owner, repo } = connect(flags, io);
    const { model, selector } = parseModelReference(reference);
    if ((flags.alias === undefined) === (flags.to === undefined))
      throw new InputError("promote: give exactly one of --alias ALIAS or --to ENVIRONMENT");
    if (flags.to !== undefined) {
      const result = await recordDeployment(client, io, {
        owner,
        repo,
        model,
        selector,
        environment: flags.to,
      });
      printDeployment(io, flags, "promote", result);
      return;
    }
    const alias = parseAliasSelector(flags.alias ?? "", "--alias");
    const moved = await moveAlias(client, { owner, repo, model, alias, selector });
    io.stdout(
      flags.format === "json"
        ? JSON.stringify({ model, alias, version: moved.version, tag: moved.tag }, null, 2)
        : `${model}@${alias} → v${moved.version} (${moved.tag})`,
    );
  });

  common(
    registry
      .command("rollback")
      .description(
        "Record a verified deployment of the version deployed before the current one and move the environment's alias back",
      )
      .argument("<model>")
      .requiredOption("--environment <environment>", "the environment to roll back, e.g. production"),
  ).action(async (model: string, flags: RegistryFlags & { environment: string }) => {
    const { client, owner, repo } = connect(flags, io);
    const result = await recordDeployment(client, io, {
      owner,
      repo,
      model,
      selector: { kind: "previous" },
      environment: flags.environment,
    });
    printDeployment(io, flags, "rollback", result);
  });
}
