import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@mlops/core";
import { parse } from "yaml";
import { evaluateCondition, evaluateTemplateString } from "../expressions.js";
import type { JobRuntime } from "../state.js";
import { type ActionRequest, actionFile, runCompositeAction, type StepRunner } from "./composite.js";
import { type ExecResult, execStep } from "./exec.js";

interface ActionMetadata {
  name?: string;
  inputs?: Record<string, { default?: unknown; required?: boolean } | null>;
  runs?: {
    using?: string;
    main?: string;
    pre?: string;
    post?: string;
    "pre-if"?: string;
    "post-if"?: string;
  };
}

function readMetadata(dir: string): ActionMetadata {
  const path = actionFile(dir);
  try {
    return (parse(readFileSync(path, "utf8")) ?? {}) as ActionMetadata;
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/**
 * Runs an action from its directory by its `runs.using`: JavaScript (`node*`), composite
 * (steps/composite.ts); Docker container actions need Docker and are refused with that reason.
 */
export async function runAction(
  rt: JobRuntime,
  request: Parameters<typeof runNodeAction>[1] & { runStep: StepRunner },
): Promise<ExecResult> {
  const using = String(readMetadata(request.dir).runs?.using ?? "");
  if (using === "composite") return runCompositeAction(rt, request);
  if (using === "docker") {
    throw new ConfigError(
      `${request.where}: action '${request.uses}' is a Docker container action (runs.using: docker); the local runner runs no containers (JavaScript and composite actions only)`,
    );
  }
  return runNodeAction(rt, request);
}

/**
 * Runs a JavaScript action from its directory as the runner does: `node <runs.main>` with `INPUT_*`
 * from `with:` and the action.yml defaults (expressions such as `${{ github.token }}` evaluated),
 * `pre` right before the main step and `post` registered for the end of the job (`STATE_*` carried).
 */
export async function runNodeAction(
  rt: JobRuntime,
  request: ActionRequest & { timeoutMs?: number },
): Promise<ExecResult> {
  const metadata = readMetadata(request.dir);
  const runs = metadata.runs ?? {};
  const using = String(runs.using ?? "");
  if (!/^node\d+$/.test(using)) {
    throw new ConfigError(
      `${request.where}: action '${request.uses}' uses '${using}'; the local runner runs JavaScript (node20/node24) and composite actions`,
    );
  }
  if (!runs.main) throw new ConfigError(`${request.where}: action '${request.uses}' has no runs.main`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    const given = request.with[name];
    if (given !== undefined) inputs[name] = given;
    else if (spec?.default !== undefined && spec.default !== null) {
      inputs[name] = evaluateTemplateString(String(spec.default), request.scope);
    }
  }
  for (const [name, value] of Object.entries(request.with)) {
    if (!(name in inputs)) {
      inputs[name] = value;
      rt.annotations.push({ level: "warning", message: `Unexpected input '${name}' for ${request.uses}` });
    }
  }
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [inputEnvName(name), value]),
  );
  const extraEnv = { ...inputEnv, GITHUB_ACTION_PATH: request.dir, GITHUB_ACTION: request.label };
  const savedState: Record<string, string> = {};
  const stateEnv = () => Object.fromEntries(Object.entries(savedState).map(([k, v]) => [`STATE_${k}`, v]));
  const run = (label: string, script: string) =>
    execStep(rt, {
      label,
      command: process.execPath,
      args: [join(request.dir, script)],
      cwd: rt.workspace,
      stepEnv: request.stepEnv,
      extraEnv: { ...extraEnv, ...stateEnv() },
      ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
    });
  if (runs.pre && evaluateCondition(runs["pre-if"] ?? "always()", request.scope)) {
    rt.state.log.line(`${rt.indent}  ▷ Pre ${request.label}`);
    const pre = await run(`Pre ${request.label}`, runs.pre);
    Object.assign(savedState, pre.state);
    if (!pre.ok) return pre;
  }
  const main = await run(request.label, runs.main);
  Object.assign(savedState, main.state);
  if (runs.post) {
    const post = runs.post;
    const postIf = runs["post-if"] ?? "always()";
    rt.posts.push({
      name: `Post ${request.label}`,
      run: async () => {
        if (!evaluateCondition(postIf, { ...request.scope, status: { status: () => rt.status } }))
          return true;
        const result = await run(`Post ${request.label}`, post);
        if (!result.ok && result.error) rt.state.log.line(`${rt.indent}    ✖ ${result.error}`);
        return result.ok;
      },
    });
  }
  return main;
}
