import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InputError, renderTable } from "@mlops/core";
import {
  createGitHubClient,
  type DeployResult,
  deployModel,
  downloadModel,
  type GitHubClient,
  listModels,
  listVersions,
  moveAlias,
  resolveModel,
} from "@mlops/github";
import type { Command } from "commander";
import { ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";

interface RegistryFlags {
  repo?: string;
  apiUrl?: string;
  format: string;
}

function connect(flags: RegistryFlags, io: CliIo) {
  const repository = flags.repo ?? io.env.GITHUB_REPOSITORY;
  const [owner, repo, extra] = (repository ?? "").split("/");
  if (!owner || !repo || extra !== undefined)
    throw new InputError("--repo: expected owner/name (or set GITHUB_REPOSITORY)");
  const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
  if (!token) throw new InputError("no token: set GITHUB_TOKEN (a token with contents: read)");
  if (!["table", "json"].includes(flags.format))
    throw new InputError(`--format: expected table or json, got "${flags.format}"`);
  const client = createGitHubClient({
    token,
    apiUrl: flags.apiUrl ?? io.env.GITHUB_API_URL ?? "https://api.github.com",
  });
  return { client, owner, repo };
}

/**
 * Records a deployment of `selector` to `environment` without running any deploy command (the CLI
 * cannot run your deploy step): deployment → in_progress → download and verify → success → `@<env>`
 * moves → the replaced deployment becomes inactive. Exit 1 when it failed.
 */
async function recordDeployment(
  client: GitHubClient,
  io: CliIo,
  options: { owner: string; repo: string; model: string; selector: string; environment: string },
): Promise<DeployResult> {
  const workDir = await mkdtemp(join(tmpdir(), "mlops-cli-deploy-"));
  try {
    return await deployModel(client, {
      ...options,
      workDir,
      runId: `cli:${io.env.USER ?? "user"}:${Date.now()}`,
      run: async () => ({ ok: true }),
      rollbackOnFailure: false,
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

/** `MODEL@alias`, `MODEL:v3`, `MODEL:3`, `MODEL:v1.4.0`, `MODEL:2.0.0-rc.1` or `MODEL` (latest). */
export function parseModelReference(text: string): { model: string; selector: string } {
  const at = text.indexOf("@");
  if (at > 0) return { model: text.slice(0, at), selector: text.slice(at) };
  const colon = text.indexOf(":");
  if (colon > 0) return { model: text.slice(0, colon), selector: text.slice(colon + 1) };
  return { model: text, selector: "latest" };
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
      .command("download")
      .description("Download and verify a version: MODEL, MODEL@alias, MODEL:v7 or MODEL:v1.4.0")
      .argument("<reference>")
      .option("-o, --output <dir>", "directory to write the files to (default ./<model>-v<version>)"),
  ).action(async (reference: string, flags: RegistryFlags & { output?: string }) => {
    const { client, owner, repo } = connect(flags, io);
    const { model, selector } = parseModelReference(reference);
    const resolved = await resolveModel(client, { owner, repo, model, selector });
    const dir = resolve(io.cwd, flags.output ?? `${model}-v${resolved.version}`);
    const downloaded = await downloadModel(client, { owner, repo, model, selector, dir, resolved });
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
    const alias = (flags.alias ?? "").replace(/^@/, "");
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
      selector: "previous",
      environment: flags.environment,
    });
    printDeployment(io, flags, "rollback", result);
  });
}
