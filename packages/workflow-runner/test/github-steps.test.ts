// Issue 15, items 1, 2 and 4: run steps as GitHub's runner runs them. Each expectation is taken from
// GitHub's documentation (cited per test) or from the runner's source (actions/runner, cited per test).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type JobResult, runWorkflow, type WorkflowResult } from "../src/index.js";
import { evaluateToken } from "../src/run/expressions.js";
import { loadWorkflow } from "../src/run/load.js";
import { DEPRECATED_COMMAND, DISABLED_COMMAND } from "../src/run/log.js";
import { INVALID_SHELL, which } from "../src/run/steps/run-step.js";

const repo = join(import.meta.dirname, "fixtures", "repo");

async function run(workflow: string): Promise<{ result: WorkflowResult; log: string[] }> {
  const log: string[] = [];
  const result = await runWorkflow({
    workflow: `.github/workflows/${workflow}`,
    workspace: repo,
    toolkitRoot: repo,
    event: "push",
    log: (line) => log.push(line),
  });
  return { result, log };
}

function job(result: WorkflowResult, id: string): JobResult {
  const found = result.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id} in ${result.jobs.map((j) => j.id).join(", ")}`);
  return found;
}

const lines = (log: string[]) => log.map((line) => line.trim());

describe("item 1: expressions inside run: scripts are substituted into the script text", () => {
  // docs "Evaluate expressions in workflows and actions" (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions):
  // "you must escape single quotes with a single quote"; the runner replaces `${{ }}` by the value's string
  // before the shell sees the script (docs "Security hardening for GitHub Actions" → "Understanding the risk
  // of script injections": "the expression is evaluated and substituted before the resulting script runs").
  it("keeps shell quoting around a substituted value, multi-line toJSON included", async () => {
    const { result, log } = await run("run-expressions.yml");
    const l = lines(log);
    expect(l).toContain("ref=refs/heads/main");
    expect(l).toContain("outcome=success");
    expect(l).toContain("runner.os=Linux");
    // literal braces stay as written; `''` inside an expression string is one quote
    expect(l).toContain("braces {a} {{b}} 'it's'");
    // the steps context holds only steps with an id (docs "Contexts reference" → steps context)
    expect(l).toContain('"first": {');
    expect(l.join("\n")).not.toContain("__run");
    // a `>` folded block is folded before substitution (YAML value, not YAML source)
    expect(l).toContain("folded push");
    expect(l.join("\n")).not.toContain("unexpected EOF");
    expect(result.conclusion).toBe("success");
  });
});

describe("item 1: every YAML scalar style substitutes into its YAML value", () => {
  // YAML 1.2 block scalars (`|-` strip, `|+` keep, `>-` folded) and multi-line flow scalars: GitHub
  // substitutes into the value the YAML denotes, not into the source text the parser package keeps.
  it("keeps chomping, folding and relative indentation", async () => {
    const workflow = await loadWorkflow(join(repo, ".github/workflows/scalars.yml"), repo);
    const scope = {
      contexts: { github: { ref: "refs/heads/main" } },
      status: { status: () => "success" as const },
      workspace: repo,
    };
    const job = workflow.template.jobs[0];
    const steps = job !== undefined && "steps" in job ? job.steps : [];
    const runs = steps.map((step) => ("run" in step ? evaluateToken(step.run, scope) : null));
    expect(runs).toEqual([
      "a refs/heads/main\n  indented {x}",
      "keep refs/heads/main\n\n",
      "folded refs/heads/main more\npara",
      "quoted refs/heads/main next\tline",
      "plain refs/heads/main continued",
    ]);
  });
});

describe("item 2: shells with GitHub's command lines", () => {
  // docs "Workflow syntax for GitHub Actions" → jobs.<job_id>.steps[*].shell
  // (https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idstepsshell)
  // and actions/runner src/Runner.Worker/Handlers/ScriptHandlerHelpers.cs `_defaultArguments`/`_extensions`.
  it("runs unspecified as `bash -e {0}`, bash with pipefail, custom `perl {0}`, refuses a shell without {0}", async () => {
    const { result, log } = await run("shell-kinds.yml");
    const kinds = job(result, "kinds");
    const l = lines(log);
    // unspecified on Linux: `bash -e {0}` — no pipefail, so `false | true` passes; the file is a .sh
    expect(l.some((line) => /^shell: \S*bash -e \{0\}$/.test(line))).toBe(true);
    expect(l).toContain("unspecified pipe ok sh");
    // `shell: bash`: `bash --noprofile --norc -eo pipefail {0}` — `false | true` fails the step
    expect(l.some((line) => /^shell: \S*bash --noprofile --norc -e -o pipefail \{0\}$/.test(line))).toBe(
      true,
    );
    const bash = kinds.steps.find((s) => s.id === "bash-pipefail");
    expect(bash?.outcome).toBe("failure");
    expect(l).not.toContain("not reached");
    // custom shell: the command and its arguments, {0} the script file
    expect(l).toContain("perl says 3");
    expect(l).toContain("custom-args");
    expect(l).toContain("echo never-run-by-bash");
    // a custom shell without {0}: the runner's refusal
    expect(kinds.steps.find((s) => s.id === "no-placeholder")?.outcome).toBe("failure");
    expect(kinds.annotations.map((a) => a.message)).toContain(INVALID_SHELL);
    // pwsh: run when installed, else refused naming the missing command
    const pwsh = kinds.steps.find((s) => s.id === "pwsh");
    if (which("pwsh", []) === undefined) {
      expect(pwsh?.outcome).toBe("failure");
      expect(
        kinds.annotations.some((a) =>
          /^pwsh: command not found \(PowerShell is not installed/.test(a.message),
        ),
      ).toBe(true);
    } else {
      expect(pwsh?.outcome).toBe("success");
      expect(l).toContain("hello from pwsh");
    }
  });

  it("applies defaults.run.shell of the workflow and the job, and defaults.run.working-directory", async () => {
    // docs "Workflow syntax" → defaults.run, jobs.<job_id>.defaults.run
    const { result, log } = await run("shells.yml");
    const l = lines(log);
    expect(l.some((line) => /^shell: \S*sh -e \{0\}$/.test(line) && !line.includes("bash"))).toBe(true);
    expect(l.some((line) => line.startsWith("sh-default ") && line.endsWith(".sh"))).toBe(true);
    // job default python (`python {0}`, a .py file) in the job default working-directory
    expect(l.some((line) => /^shell: \S*python3? \{0\}$/.test(line))).toBe(true);
    expect(l).toContain("python-default sub .py");
    // a job's defaults.run may use expressions (matrix context)
    expect(l).toContain("matrix-default in matrix-dir");
    expect(result.conclusion).toBe("success");
  });
});

describe("item 4: workflow commands", () => {
  // docs "Workflow commands for GitHub Actions"
  // (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions)
  // and actions/runner src/Runner.Worker/ActionCommandManager.cs, FileCommandManager.cs.
  it("honours set-output/save-state with the deprecation warning, masks, stop-commands, group, echo", async () => {
    const { result, log } = await run("commands.yml");
    const cmds = job(result, "cmds");
    const l = lines(log);
    const legacy = cmds.steps.find((s) => s.id === "legacy");
    expect(legacy?.outputs.old).toBe("value from set-output");
    expect(l).toContain("old=value from set-output");
    const warnings = cmds.annotations.filter((a) => a.level === "warning").map((a) => a.message);
    expect(warnings).toContain(DEPRECATED_COMMAND("set-output"));
    expect(warnings).toContain(DEPRECATED_COMMAND("save-state"));
    // add-mask
    expect(l).toContain("the password is ***");
    expect(log.join("\n")).not.toContain("hunter2-secret");
    // stop-commands: commands are printed, not processed, until the token; a token > 6 chars is masked
    expect(l).toContain("::warning::not an annotation while stopped");
    expect(warnings).not.toContain("not an annotation while stopped");
    expect(log.join("\n")).not.toContain("pause-token-1234");
    // processing resumes after the token: the notice with file/line is an annotation
    expect(cmds.annotations).toContainEqual({
      level: "notice",
      message: "resumed",
      file: "app.py",
      line: 3,
      title: "T",
    });
    expect(l).toContain("▸ My group");
    // every property of an annotation, escaped as the docs say (%2C ',' in a property, %0A a newline)
    expect(cmds.annotations).toContainEqual({
      level: "error",
      message: "two\nlines",
      file: "src/app.py",
      line: 1,
      endLine: 2,
      column: 3,
      endColumn: 4,
      title: "Bad, really",
    });
    // the legacy `##[name k=v;]data` form (ActionCommand.TryParse), anywhere in the line
    expect(legacy?.outputs.legacy).toBe("semi;colon");
    // `%25` is unescaped last: `%253A` is the text `%3A`, not `:`
    expect(cmds.annotations).toContainEqual({ level: "notice", message: "literal %25", title: "100%3A" });
    // ::echo::on echoes the following commands
    expect(l).toContain("::debug::echoed debug");
  });

  it("reads GITHUB_OUTPUT/GITHUB_ENV heredocs and GITHUB_PATH; refuses set-env/add-path unless allowed", async () => {
    const { result, log } = await run("commands.yml");
    const cmds = job(result, "cmds");
    const l = lines(log);
    expect(cmds.steps.find((s) => s.id === "files")?.outputs.multi).toBe("line 1\nline 2");
    expect(l).toContain("greeting=[hello world]");
    expect(l).toContain("tool-on-path");
    expect(l).toContain("multi=line 1|line 2|");
    // set-env / add-path: the step fails with the runner's message (Constants.cs UnsupportedCommandMessageDisabled)
    expect(cmds.steps.find((s) => s.id === "setenv")?.outcome).toBe("failure");
    expect(cmds.steps.find((s) => s.id === "addpath")?.outcome).toBe("failure");
    const errors = cmds.annotations.filter((a) => a.level === "error").map((a) => a.message);
    // an ::error:: annotation does not fail its step; the refused commands do
    expect(errors).toEqual(["two\nlines", DISABLED_COMMAND("set-env"), DISABLED_COMMAND("add-path")]);
    expect(cmds.steps.find((s) => s.id === "legacy")?.outcome).toBe("success");
    expect(DISABLED_COMMAND("set-env")).toMatch(
      /^The `set-env` command is disabled\. Please upgrade to using Environment Files/,
    );
    expect(l).toContain("✖ Unable to process command '::set-env name=FOO::bar' successfully.");
    // with ACTIONS_ALLOW_UNSECURE_COMMANDS=true in the step's env it works
    expect(cmds.steps.find((s) => s.id === "setenv-allowed")?.outcome).toBe("success");
    expect(l).toContain("FOO=allowed");
    expect(result.conclusion).toBe("success");
  });
});
