import { randomUUID } from "node:crypto";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { JobRuntime } from "../state.js";
import { type ExecResult, execStep } from "./exec.js";

/**
 * GitHub's shell templates, as actions/runner `src/Runner.Worker/Handlers/ScriptHandlerHelpers.cs`
 * (`_defaultArguments`, `_extensions`) and `ScriptHandler.cs` define them (docs "Workflow syntax for
 * GitHub Actions" → `jobs.<job_id>.steps[*].shell`, https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idstepsshell):
 * - unspecified on Linux → `bash -e {0}` (`sh`'s arguments `-e {0}` run by bash when it exists, else sh)
 * - `bash` → `bash --noprofile --norc -e -o pipefail {0}` (docs: `bash --noprofile --norc -eo pipefail {0}`)
 * - `sh` → `sh -e {0}`; `python` → `python {0}`; `pwsh`/`powershell` → `pwsh -command ". '{0}'"`
 * - anything else → `command [options] {0}`: the first space-separated word is the command, the rest the
 *   argument format; without `{0}` (and not a built-in) the runner refuses the step.
 * The script file gets the built-in's extension (`.sh`, `.py`, `.ps1`, `.cmd`), none for other commands.
 */
const DEFAULT_ARGUMENTS: Record<string, string> = {
  cmd: '/D /E:ON /V:OFF /S /C "CALL "{0}""',
  pwsh: "-command \". '{0}'\"",
  powershell: "-command \". '{0}'\"",
  bash: "--noprofile --norc -e -o pipefail {0}",
  sh: "-e {0}",
  python: "{0}",
};
const EXTENSIONS: Record<string, string> = {
  cmd: ".cmd",
  pwsh: ".ps1",
  powershell: ".ps1",
  bash: ".sh",
  sh: ".sh",
  python: ".py",
};

/** The message of actions/runner `ScriptHandler.cs` for a shell with no `{0}`. */
export const INVALID_SHELL =
  "Invalid shell option. Shell must be a valid built-in (bash, sh, cmd, powershell, pwsh) or a format string containing '{0}'";

export interface ShellCommand {
  /** The command as written (`bash`, `perl`, …), for the extension and the script fix-ups. */
  shellCommand: string;
  /** The executable found on PATH. */
  path: string;
  /** The argument format with `{0}` (as the runner logs it: `shell: /usr/bin/bash -e {0}`). */
  argFormat: string;
  ext: string;
}

/** `which`: the first executable `command` on the PATH (the job's `GITHUB_PATH` additions first). */
export function which(command: string, pathAdditions: string[]): string | undefined {
  if (command.includes("/")) return existsSync(command) ? command : undefined;
  const dirs = [...pathAdditions, ...(process.env.PATH ?? "").split(delimiter)].filter((d) => d !== "");
  for (const dir of dirs) {
    const candidate = join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Resolves a step's `shell` as GitHub's runner does on Linux; throws the runner's messages. */
export function resolveShell(shell: string | undefined, pathAdditions: string[]): ShellCommand {
  const spec = shell ?? "";
  if (spec === "") {
    const path = which("bash", pathAdditions) ?? which("sh", pathAdditions);
    if (path === undefined) throw new Error("sh: command not found");
    return { shellCommand: "sh", path, argFormat: DEFAULT_ARGUMENTS.sh ?? "", ext: ".sh" };
  }
  // ScriptHandlerHelpers.ParseShellOptionString: split at the first space
  const space = spec.indexOf(" ");
  const shellCommand = space < 0 ? spec : spec.slice(0, space);
  let argFormat = space < 0 ? "" : spec.slice(space + 1).trimStart();
  if (argFormat === "") argFormat = DEFAULT_ARGUMENTS[shellCommand.toLowerCase()] ?? "";
  if (argFormat === "" || !argFormat.includes("{0}")) throw new Error(INVALID_SHELL);
  let path = which(shellCommand, pathAdditions);
  // `python` is on GitHub's images; a machine with only `python3` runs that (same interpreter family)
  if (path === undefined && shellCommand === "python") path = which("python3", pathAdditions);
  if (path === undefined) {
    const hint =
      shellCommand === "pwsh" || shellCommand === "powershell"
        ? " (PowerShell is not installed on this machine: the local runner cannot run `shell: pwsh` steps)"
        : "";
    throw new Error(`${shellCommand}: command not found${hint}`);
  }
  return { shellCommand, path, argFormat, ext: EXTENSIONS[shellCommand.toLowerCase()] ?? "" };
}

/** Splits an argument string as .NET's Process does on Linux (spaces, double quotes). */
export function splitArguments(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === "\\" && text[i + 1] === '"') {
      current += '"';
      started = true;
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (/\s/.test(c) && !quoted) {
      if (started) out.push(current);
      current = "";
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

/** ScriptHandlerHelpers.FixUpScriptContents: PowerShell stops on errors and exits with `$LASTEXITCODE`. */
function fixUpScript(shellCommand: string, contents: string): string {
  if (shellCommand === "pwsh" || shellCommand === "powershell") {
    return `$ErrorActionPreference = 'stop'\n${contents}\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }`;
  }
  return contents;
}

export async function runScriptStep(
  rt: JobRuntime,
  options: {
    label: string;
    script: string;
    shell?: string;
    workingDirectory?: string;
    stepEnv: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<ExecResult> {
  const failed = (error: string): ExecResult => ({
    ok: false,
    exitCode: 1,
    timedOut: false,
    outputs: {},
    state: {},
    error,
  });
  let shell: ShellCommand;
  try {
    shell = resolveShell(options.shell ?? rt.defaults.shell, rt.pathAdditions);
  } catch (error) {
    return failed((error as Error).message);
  }
  rt.state.log.line(`${rt.indent}    shell: ${shell.path} ${shell.argFormat}`);
  const scriptPath = join(rt.runnerTemp, `${randomUUID()}${shell.ext}`);
  writeFileSync(scriptPath, fixUpScript(shell.shellCommand, options.script));
  const dir = options.workingDirectory ?? rt.defaults.workingDirectory;
  const cwd = dir ? (isAbsolute(dir) ? dir : join(rt.workspace, dir)) : rt.workspace;
  if (!existsSync(cwd)) return failed(`working-directory '${dir}' does not exist in the workspace`);
  const request = {
    label: options.label,
    command: shell.path,
    // string.Format(argFormat, scriptPath) with `"` escaped, then split into arguments
    args: splitArguments(shell.argFormat.replaceAll("{0}", scriptPath.replace(/"/g, '\\"'))),
    cwd,
    stepEnv: options.stepEnv,
  };
  return execStep(
    rt,
    options.timeoutMs === undefined ? request : { ...request, timeoutMs: options.timeoutMs },
  );
}
