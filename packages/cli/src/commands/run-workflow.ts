import { relative, resolve, sep } from "node:path";
import { InputError, parseJsonText, readInputText } from "@mlops/core";
import type { Command } from "commander";
import { EXIT_FINDING, ExitWith } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { existingPath } from "../paths.js";
import { TOOLKIT_ROOT } from "../toolkit.js";

const EVENTS = ["pull_request", "push", "schedule", "workflow_dispatch", "workflow_run", "workflow_call"];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `k=v` flags → a record; a flag without `=` is a usage error naming it. */
export function parsePairs(flag: string, values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new InputError(`${flag}: expected key=value, got "${value}"`);
    out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}

/** The working copy a workflow file belongs to: the folder holding its `.github/workflows`. */
function defaultWorkspace(file: string, cwd: string): string {
  const marker = `${sep}.github${sep}workflows${sep}`;
  const index = file.lastIndexOf(marker);
  return index >= 0 ? file.slice(0, index) : cwd;
}

function readPayload(path: string): Record<string, unknown> {
  // bounded (size, nesting) and one line naming the file, line and column
  const value = parseJsonText(readInputText(path), path, "JSON in the --payload file");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new InputError("--payload: expected a JSON object (a webhook payload)", {
      position: { file: path },
    });
  return value as Record<string, unknown>;
}

export function registerRunWorkflowCommand(program: Command, io: CliIo): void {
  program
    .command("run-workflow")
    .description("Run a workflow file locally (GitHub's parser and expressions; optional emulator)")
    .argument("<file>", "workflow file, e.g. .github/workflows/mlops-pr-check.yml")
    .requiredOption("--event <name>", `triggering event (${EVENTS.join(", ")})`)
    .option("--payload <file>", "webhook payload JSON, merged over a generated default")
    .option("--api-url <url>", "emulator URL: registers the run and gives each job its own token")
    .option("--input <k=v>", "workflow input (repeatable)", collect, [])
    .option("--secret <k=v>", "secret (repeatable)", collect, [])
    .option("--var <k=v>", "configuration variable, the vars context (repeatable)", collect, [])
    .option(
      "--with <k=v>",
      "override a with: input the workflow's jobs pass to the reusable workflows they call (repeatable)",
      collect,
      [],
    )
    .option(
      "--skip-setup",
      "skip run: steps that install packages on this machine (pip/npm/conda/apt-get install, setup-command)",
    )
    .option("--workspace <dir>", "working copy (default: the folder holding .github/workflows)")
    .option("--repository <owner/name>", "repository (default: from the payload, else octo-org/octo-repo)")
    .option(
      "--toolkit-root <dir>",
      "where mlops-actions/mlops-actions/…@ref is mapped (default: this toolkit's own copy)",
    )
    .option("--rerun-of <run-id>", "re-run an earlier run (next attempt; needs --api-url)")
    .option("--json", "print the WorkflowResult as JSON on stdout (the live log goes to stderr)")
    .action(async (file: string, flags) => {
      if (!EVENTS.includes(flags.event)) {
        throw new InputError(`--event: expected one of ${EVENTS.join(", ")}, got "${flags.event}"`);
      }
      const path = existingPath(io.cwd, file, "workflow file");
      const workspace = flags.workspace
        ? existingPath(io.cwd, flags.workspace, "--workspace directory")
        : defaultWorkspace(path, io.cwd);
      if (relative(workspace, path).startsWith("..")) {
        throw new InputError(`${file} is not inside the workspace ${workspace} (use --workspace)`);
      }
      const rerunOf = flags.rerunOf === undefined ? undefined : Number(flags.rerunOf);
      if (rerunOf !== undefined && !(Number.isInteger(rerunOf) && rerunOf > 0)) {
        throw new InputError(`--rerun-of: expected a run id, got "${flags.rerunOf}"`);
      }
      const json = Boolean(flags.json);
      // Loaded here so that other commands do not pay for the workflow parser's start-up.
      const { runWorkflow } = await import("@mlops/workflow-runner");
      // Steps run in their own process groups: on Ctrl-C, exit so that the runner's exit hook ends them.
      const interrupt = () => process.exit(130);
      const options = {
        workflow: path,
        workspace,
        event: flags.event as string,
        inputs: parsePairs("--input", flags.input),
        secrets: parsePairs("--secret", flags.secret),
        vars: parsePairs("--var", flags.var),
        withInputs: parsePairs("--with", flags.with),
        skipSetup: Boolean(flags.skipSetup),
        log: (line: string) => (json ? io.stderr(line) : io.stdout(line)),
        ...(flags.payload
          ? { payload: readPayload(existingPath(io.cwd, flags.payload, "--payload file")) }
          : {}),
        ...(flags.apiUrl ? { apiUrl: flags.apiUrl as string } : {}),
        ...(flags.repository ? { repository: flags.repository as string } : {}),
        toolkitRoot: flags.toolkitRoot ? resolve(io.cwd, flags.toolkitRoot) : TOOLKIT_ROOT,
        ...(rerunOf !== undefined ? { rerunOf } : {}),
      };
      process.once("SIGINT", interrupt);
      let result: Awaited<ReturnType<typeof runWorkflow>>;
      try {
        result = await runWorkflow(options);
      } finally {
        process.off("SIGINT", interrupt);
      }
      if (json) io.stdout(JSON.stringify(result, null, 2));
      if (result.conclusion === "failure" || result.conclusion === "cancelled")
        throw new ExitWith(EXIT_FINDING);
    });
}
