import { execFileSync } from "node:child_process";
import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JobRuntime } from "../state.js";
import { inputEnvName } from "./action-step.js";
import type { ExecResult } from "./exec.js";
import { execStep } from "./exec.js";
import { STAND_INS, type StandInName } from "./resolve-uses.js";

/** Directories linked rather than copied by the checkout stand-in (dependencies, virtualenvs). */
const LINKED_DIRS = new Set(["node_modules", ".venv", "venv"]);
const SKIPPED_DIRS = new Set([".git"]);

/** Copies a working copy cheaply: files copied (reflink when possible), dependency folders symlinked. */
export function copyWorkingCopy(source: string, target: string): void {
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (existsSync(to)) continue;
    if (entry.isDirectory() && LINKED_DIRS.has(entry.name)) symlinkSync(from, to, "dir");
    else if (entry.isDirectory()) copyWorkingCopy(from, to);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (entry.isFile()) copyFileSync(from, to, constants.COPYFILE_FICLONE);
  }
}

function ok(outputs: Record<string, string>): ExecResult {
  return { ok: true, exitCode: 0, timedOut: false, outputs, state: {} };
}

function fail(error: string): ExecResult {
  return { ok: false, exitCode: 1, timedOut: false, outputs: {}, state: {}, error };
}

function version(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return undefined;
  }
}

function which(command: string, path: string): string | undefined {
  for (const dir of path.split(":")) {
    if (dir !== "" && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/**
 * The artifact stand-in's script: beside this module when bundled (the CLI package puts a bundled
 * `artifact-step.mjs` next to its chunks), else the source in `src/stand-ins/`.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACT_SCRIPT = existsSync(join(HERE, "artifact-step.mjs"))
  ? join(HERE, "artifact-step.mjs")
  : join(HERE, "..", "..", "stand-ins", "artifact-step.mjs");

/** Runs a stand-in for a well-known external action (documented in the package README). */
export async function runStandIn(
  rt: JobRuntime,
  name: StandInName,
  inputs: Record<string, string>,
  stepEnv: Record<string, string>,
  label: string,
): Promise<ExecResult> {
  const log = (text: string) => rt.state.log.line(`${rt.indent}    ${text}`);
  switch (name) {
    case "actions/checkout": {
      const target = inputs.path ? join(rt.workspace, inputs.path) : rt.workspace;
      copyWorkingCopy(rt.state.workspace, target);
      log(
        `copied ${rt.state.workspace} → ${target} (stand-in for actions/checkout; dependency folders linked)`,
      );
      return ok({ ref: rt.state.facts.ref, commit: rt.state.facts.sha });
    }
    case "actions/setup-node": {
      const found = version(process.execPath, ["--version"]);
      if (!found) return fail("setup-node stand-in: node is not available");
      const wanted = inputs["node-version"] ?? "";
      const major = found.replace(/^v/, "").split(".")[0];
      if (wanted !== "" && !wanted.startsWith(major ?? "") && !/^(lts|latest|node)/.test(wanted)) {
        log(`⚠ node-version '${wanted}' requested; the local runner uses ${found}`);
      }
      rt.pathAdditions.unshift(dirname(process.execPath));
      log(`using node ${found} (stand-in for actions/setup-node)`);
      return ok({ "node-version": found, "cache-hit": "false" });
    }
    case "actions/setup-python": {
      const path = process.env.PATH ?? "";
      const python = which("python3", path) ?? which("python", path);
      if (!python) return fail("setup-python stand-in: no python3 or python on PATH");
      const found = (version(python, ["--version"]) ?? "").replace(/^Python\s+/, "");
      const wanted = inputs["python-version"] ?? "";
      if (wanted !== "" && !found.startsWith(wanted.replace(/\.x$/, ""))) {
        log(`⚠ python-version '${wanted}' requested; the local runner uses ${found}`);
      }
      const shims = join(rt.runnerTemp, "_python_shims");
      mkdirSync(shims, { recursive: true });
      for (const alias of ["python", "python3"]) {
        if (!existsSync(join(shims, alias))) symlinkSync(python, join(shims, alias));
      }
      rt.pathAdditions.unshift(shims);
      log(`using ${python} ${found} (stand-in for actions/setup-python)`);
      return ok({ "python-version": found, "python-path": python, "cache-hit": "false" });
    }
    case "actions/upload-artifact":
    case "actions/download-artifact": {
      const extraEnv = Object.fromEntries(
        Object.entries(inputs).map(([key, value]) => [inputEnvName(key), value]),
      );
      return execStep(rt, {
        label,
        command: process.execPath,
        args: [ARTIFACT_SCRIPT, name === "actions/upload-artifact" ? "upload" : "download"],
        cwd: rt.workspace,
        stepEnv,
        extraEnv,
      });
    }
  }
  return fail(`no stand-in for ${name}; stand-ins exist for ${STAND_INS.join(", ")}`);
}
