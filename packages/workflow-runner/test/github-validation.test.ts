// Issue 15, items 7 and 8: the workflow is refused before any job runs, as GitHub refuses it, and
// workflow_dispatch inputs from the command line are checked against the declaration.
import { join } from "node:path";
import { ConfigError, describeError } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { runWorkflow, type WorkflowResult } from "../src/index.js";

const repo = join(import.meta.dirname, "fixtures", "repo");

async function refused(workflow: string, extra: Partial<Parameters<typeof runWorkflow>[0]> = {}) {
  const log: string[] = [];
  const error = await runWorkflow({
    workflow,
    workspace: repo,
    toolkitRoot: repo,
    event: "push",
    log: (line) => log.push(line),
    ...extra,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  // refused before the run started: nothing was logged, no job ran
  expect(log).toEqual([]);
  return describeError(error);
}

describe("item 7: validation as GitHub does it, every error with file:line:column", () => {
  // docs "Workflow syntax for GitHub Actions" (https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions)
  // → jobs.<job_id>.steps[*].uses: `{owner}/{repo}@{ref}`; "Reuse workflows" → `{owner}/{repo}/.github/workflows/{filename}@{ref}`;
  // actions/runner src/Sdk/WorkflowParser/Conversion/WorkflowTemplateConverter.cs: "Expected format {org}/{repo}[/path]@ref. Actual '…'".
  it("reports unknown keys, wrong types and uses: without @ref, and refuses to start", async () => {
    const text = await refused("invalid/invalid.yml");
    const lines = text.split("\n");
    expect(lines[0]).toBe("invalid/invalid.yml:6:22: Unexpected value 'abc' (and 5 more)");
    expect(lines.slice(1)).toEqual([
      "invalid/invalid.yml:8:15: Expected format {org}/{repo}[/path]@ref. Actual 'actions/checkout'",
      "invalid/invalid.yml:10:9: Unexpected value 'foo'",
      "invalid/invalid.yml:12:5: Unexpected value 'runs_on'",
      "invalid/invalid.yml:12:5: Required property is missing: runs-on",
      "invalid/invalid.yml:16:11: Expected format {owner}/{repo}/.github/workflows/{filename}@{ref} or ./.github/workflows/{filename}. Actual 'octo-org/octo-repo/.github/workflows/reusable.yml'",
    ]);
  });
});

describe("item 8: workflow_dispatch inputs from the command line", () => {
  // docs "Workflow syntax for GitHub Actions" → on.workflow_dispatch.inputs (types boolean, choice, number,
  // environment, string; default; required) and "Contexts reference" → inputs context ("github.event.inputs
  // … preserves Boolean values as strings instead of converting them to booleans").
  const dispatch = (inputs: Record<string, string>) => ({ event: "workflow_dispatch", inputs });
  const file = ".github/workflows/dispatch-inputs.yml";

  it("types inputs.* (boolean, number), keeps github.event.inputs.* strings, applies defaults", async () => {
    const log: string[] = [];
    const result: WorkflowResult = await runWorkflow({
      workflow: file,
      workspace: repo,
      toolkitRoot: repo,
      ...dispatch({ count: "41", flag: "true", target: "staging" }),
      log: (line) => log.push(line),
    });
    const l = log.map((line) => line.trim());
    expect(l).toContain('inputs={"flag":true,"level":"low","count":41,"target":"staging","note":"hello"}');
    expect(l).toContain('event={"flag":"true","level":"low","count":"41","target":"staging","note":"hello"}');
    expect(l).toContain("flag is a true boolean");
    expect(l).toContain("event flag is the string true");
    expect(l).toContain("count is the number 41");
    expect(result.conclusion).toBe("success");
  });

  it("refuses an unknown input, a choice not in options, a non-number, a non-boolean, a missing required one", async () => {
    expect(await refused(file, dispatch({ count: "1", bogus: "x" }))).toBe(
      `${file}:5: Unexpected inputs provided: ["bogus"] (on.workflow_dispatch.inputs declares flag, level, count, target, note)`,
    );
    expect(await refused(file, dispatch({ count: "1", level: "mid" }))).toBe(
      `${file}:9: input 'level' is a choice: 'mid' is not one of its options ["low","high"]`,
    );
    expect(await refused(file, dispatch({ count: "many" }))).toBe(
      `${file}:13: input 'count' is a number: 'many' is not a number`,
    );
    expect(await refused(file, dispatch({ count: "1", flag: "yes" }))).toBe(
      `${file}:6: input 'flag' is a boolean: expected true or false, got 'yes'`,
    );
    expect(await refused(file, dispatch({}))).toBe(
      `${file}:13: input 'count' is required but was not given: --input count=…`,
    );
  });
});

describe("Docker-only features stay refused with a clear message", () => {
  // docs "Workflow syntax for GitHub Actions" → jobs.<job_id>.container, jobs.<job_id>.services, and
  // jobs.<job_id>.steps[*].uses with `docker://`: all need Docker, which the local runner does not use.
  it("fails container:/services: jobs before any step and a docker:// step, naming the feature", async () => {
    const log: string[] = [];
    const result = await runWorkflow({
      workflow: ".github/workflows/docker-only.yml",
      workspace: repo,
      toolkitRoot: repo,
      event: "push",
      log: (line) => log.push(line),
    });
    expect(result.conclusion).toBe("failure");
    const byId = (id: string) => result.jobs.find((j) => j.id === id);
    for (const [id, key] of [
      ["in-container", "container"],
      ["with-services", "services"],
    ] as const) {
      const job = byId(id);
      expect(job?.conclusion).toBe("failure");
      expect(job?.steps).toEqual([]);
      expect(job?.annotations[0]?.message).toMatch(
        new RegExp(
          `^\\.github/workflows/docker-only\\.yml:\\d+: ${key}: needs Docker, which the local runner does not use`,
        ),
      );
    }
    expect(log.join("\n")).not.toContain("must not run");
    const step = byId("docker-step")?.steps[0];
    expect(step?.conclusion).toBe("failure");
    expect(byId("docker-step")?.annotations[0]?.message).toContain(
      "Docker actions are not supported by the local runner: 'docker://alpine:3.20'",
    );
  });
});
