import { randomUUID } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { JobRuntime } from "../state.js";
import { type ExecResult, execStep } from "./exec.js";

/** GitHub's shell templates (https://docs.github.com/actions/reference/workflow-syntax#jobsjob_idstepsshell). */
function shellCommand(shell: string | undefined): { command: string; args: string[]; ext: string } {
  const spec = (shell ?? "").trim();
  switch (spec) {
    case "":
      return { command: "bash", args: ["-e", "{0}"], ext: ".sh" };
    case "bash":
      return { command: "bash", args: ["--noprofile", "--norc", "-eo", "pipefail", "{0}"], ext: ".sh" };
    case "sh":
      return { command: "sh", args: ["-e", "{0}"], ext: ".sh" };
    case "python":
      return { command: "python3", args: ["{0}"], ext: ".py" };
    case "node":
      return { command: "node", args: ["{0}"], ext: ".js" };
    case "pwsh":
      return { command: "pwsh", args: ["-command", ". '{0}'"], ext: ".ps1" };
  }
  const parts = spec.split(/\s+/);
  const command = parts[0] ?? "bash";
  const args = parts.slice(1);
  if (!args.some((arg) => arg.includes("{0}"))) args.push("{0}");
  return { command, args, ext: command.includes("python") ? ".py" : "" };
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
  const shell = shellCommand(options.shell ?? rt.defaults.shell);
  const scriptPath = join(rt.runnerTemp, `${randomUUID()}${shell.ext}`);
  writeFileSync(scriptPath, options.script);
  const dir = options.workingDirectory ?? rt.defaults.workingDirectory;
  const cwd = dir ? (isAbsolute(dir) ? dir : join(rt.workspace, dir)) : rt.workspace;
  if (!existsSync(cwd)) {
    return {
      ok: false,
      exitCode: 1,
      timedOut: false,
      outputs: {},
      state: {},
      error: `working-directory '${dir}' does not exist in the workspace`,
    };
  }
  const request = {
    label: options.label,
    command: shell.command,
    args: shell.args.map((arg) => arg.replace("{0}", scriptPath)),
    cwd,
    stepEnv: options.stepEnv,
  };
  return execStep(
    rt,
    options.timeoutMs === undefined ? request : { ...request, timeoutMs: options.timeoutMs },
  );
}
