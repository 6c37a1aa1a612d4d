import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import type { WorkflowResult } from "@mlops/workflow-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

const fixture = join(import.meta.dirname, "../../workflow-runner/test/fixtures/repo");
const workflows = join(fixture, ".github/workflows");

function cli(args: string[]) {
  return runCliCaptured(args, { cwd: fixture });
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe("mlops run-workflow", () => {
  it("prints the live log and exits 0 when the run succeeds (inputs, secrets, toolkit root)", async () => {
    const result = await cli([
      "run-workflow",
      ".github/workflows/caller.yml",
      "--event",
      "push",
      "--secret",
      "api-key=hunter2-secret",
      "--toolkit-root",
      ".",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("✓ Job report: success");
    expect(result.stdout).toContain("A=octocat/true/3/14");
    expect(result.stdout).not.toContain("hunter2-secret");
  });

  it("--with overrides the with: inputs of the called workflows; a bad --with is a usage error", async () => {
    const result = await cli([
      "run-workflow",
      ".github/workflows/caller.yml",
      "--event",
      "push",
      "--toolkit-root",
      ".",
      "--with",
      "who=cli-user",
      "--with",
      "count=14",
    ]);
    expect(result.code).toBe(0);
    // both calls declare who and count: both take the overrides (the file says octocat and toolkit)
    expect(result.stdout).toContain("A=cli-user/true/14/0");
    expect(result.stdout).toContain("B=cli-user/false/14/8");
    const typo = await cli([
      "run-workflow",
      ".github/workflows/caller.yml",
      "--event",
      "push",
      "--with",
      "whom=x",
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("--with whom: not an input of the called workflows");
    const malformed = await cli([
      "run-workflow",
      ".github/workflows/caller.yml",
      "--event",
      "push",
      "--with",
      "who",
    ]);
    expect(malformed).toMatchObject({ code: 2, stderr: 'mlops: --with: expected key=value, got "who"' });
  });

  it("prints the WorkflowResult as JSON with --json and exits 1 when the run fails", async () => {
    const result = await cli(["run-workflow", join(workflows, "remote.yml"), "--event", "push", "--json"]);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as WorkflowResult;
    expect(json.conclusion).toBe("failure");
    expect(json.jobs[0]?.annotations[0]?.message).toContain("some-org/some-action");
    expect(result.stderr).toContain("✖ Job remote: failure");
  });

  it("registers the run with the emulator with --api-url, reads --payload and --var", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-cli-run-"));
    const payload = join(dir, "payload.json");
    writeFileSync(payload, JSON.stringify({ ref: "refs/heads/release/2" }));
    const result = await cli([
      "run-workflow",
      ".github/workflows/sample.yml",
      "--event",
      "push",
      "--payload",
      payload,
      "--api-url",
      emulator.url,
      "--repository",
      "octo-org/cli-fixture",
      "--var",
      "UNUSED=1",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as WorkflowResult;
    expect(json.conclusion).toBe("success");
    const token = emulator.createToken({ actions: "read" });
    const response = await fetch(`${emulator.url}/repos/octo-org/cli-fixture/actions/runs/${json.runId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await response.json()).toMatchObject({ head_branch: "release/2", conclusion: "success" });
  });

  it("exits 2 with one line for usage and parse errors", async () => {
    const badEvent = await cli(["run-workflow", ".github/workflows/remote.yml", "--event", "nope"]);
    expect(badEvent.code).toBe(2);
    expect(badEvent.stderr).toContain("--event: expected one of");
    const badInput = await cli([
      "run-workflow",
      ".github/workflows/remote.yml",
      "--event",
      "push",
      "--input",
      "x",
    ]);
    expect(badInput).toMatchObject({ code: 2, stderr: 'mlops: --input: expected key=value, got "x"' });
    const notWorkflow = await cli(["run-workflow", "data/a.txt", "--event", "push", "--workspace", "."]);
    expect(notWorkflow.code).toBe(2);
    expect(notWorkflow.stderr).toMatch(/^mlops: data\/a\.txt:1:1: /);
  });

  it("checks workflow_dispatch --input values against on.workflow_dispatch.inputs (issue 15 item 8)", async () => {
    // docs "Workflow syntax for GitHub Actions" → on.workflow_dispatch.inputs
    const dispatch = (...inputs: string[]) =>
      cli([
        "run-workflow",
        ".github/workflows/dispatch-inputs.yml",
        "--event",
        "workflow_dispatch",
        ...inputs.flatMap((input) => ["--input", input]),
      ]);
    const choice = await dispatch("count=2", "level=mid");
    expect(choice).toMatchObject({
      code: 2,
      stderr: `mlops: .github/workflows/dispatch-inputs.yml:9: input 'level' is a choice: 'mid' is not one of its options ["low","high"]`,
    });
    const ok = await dispatch("count=41", "level=high");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('"level":"high","count":41');
  });
});
