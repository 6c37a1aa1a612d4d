import { InputError, renderTable } from "@mlops/core";
import { createGitHubClient, listModels, listVersions, resolveModel } from "@mlops/github";
import type { Command } from "commander";
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

/** `MODEL@alias`, `MODEL:v3`, `MODEL:3` or `MODEL` (latest). */
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
      .description("Show one version: MODEL, MODEL@alias or MODEL:vN")
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
}
