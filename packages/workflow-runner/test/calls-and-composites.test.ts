/**
 * Issue 15 items 5 and 6: GitHub's limits on reusable workflows and composite actions, checked on generated
 * working copies (the outside suite in test/suite covers the everyday behaviour).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runWorkflow } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-calls-"));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function run(dir: string, workflow = ".github/workflows/main.yml") {
  const log: string[] = [];
  const result = await runWorkflow({
    workflow,
    workspace: dir,
    toolkitRoot: dir,
    event: "push",
    log: (l) => log.push(l),
  });
  return { result, log };
}

/** main.yml → level-1.yml → … → level-<n>.yml (each calls the next; the last runs a step). */
function chain(n: number): Record<string, string> {
  const files: Record<string, string> = {
    ".github/workflows/main.yml": "on: push\njobs:\n  call:\n    uses: ./.github/workflows/level-1.yml\n",
  };
  for (let i = 1; i <= n; i++) {
    const body =
      i < n
        ? `  next:\n    uses: ./.github/workflows/level-${i + 1}.yml\n`
        : `  leaf:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "reached level ${i}"\n`;
    files[`.github/workflows/level-${i}.yml`] = `on: workflow_call\njobs:\n${body}`;
  }
  return files;
}

describe("item 5: reusable workflows within GitHub's limits", () => {
  // docs "Reuse workflows" → Nesting reusable workflows: "You can connect a maximum of ten levels of
  // workflows - that is, the top-level caller workflow and up to nine levels of reusable workflows"
  // (https://docs.github.com/en/actions/how-tos/reuse-automations/reuse-workflows#nesting-reusable-workflows)
  it("runs ten levels of workflows (the caller and nine called) and refuses an eleventh before any job", async () => {
    const nine = await run(workspace(chain(9)));
    expect(nine.result.conclusion).toBe("success");
    expect(nine.log.some((line) => line.includes("reached level 9"))).toBe(true);
    await expect(run(workspace(chain(10)))).rejects.toThrow(
      /level-9\.yml:\d+: reusable workflows nest deeper than GitHub allows: at most 10 levels/,
    );
  });

  // docs "Reusing workflow configurations" → Limitations: "You can call a maximum of 50 unique reusable
  // workflows from a single workflow file" (https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations#limitations)
  it("refuses a 51st unique called workflow; calling one file twice counts once", async () => {
    const files = (count: number, twice = false) => {
      const out: Record<string, string> = {};
      let jobs = "";
      for (let i = 1; i <= count; i++) {
        jobs += `  c${i}:\n    uses: ./.github/workflows/w${i}.yml\n`;
        out[`.github/workflows/w${i}.yml`] =
          `on: workflow_call\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n`;
      }
      if (twice) jobs += "  again:\n    uses: ./.github/workflows/w1.yml\n";
      out[".github/workflows/main.yml"] = `on: push\njobs:\n${jobs}`;
      return out;
    };
    await expect(run(workspace(files(51)))).rejects.toThrow(/more than 50 unique reusable workflows/);
    const fifty = await run(workspace(files(50, true)));
    expect(fifty.result.conclusion).toBe("success");
    expect(fifty.result.jobs).toHaveLength(51);
  }, 60_000);

  // docs "Workflow syntax" → on.workflow_call.secrets (GitHub: "Invalid secret, … is not defined in the
  // referenced workflow.", "Secret … is required, but not provided while calling.")
  it("refuses an undeclared secret or input and a missing required secret before any job runs", async () => {
    const callee =
      "on:\n  workflow_call:\n    inputs:\n      name:\n        type: string\n    secrets:\n      token:\n        required: true\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";
    const first = "  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo first job ran\n";
    const main = (call: string) =>
      `on: push\njobs:\n${first}  call:\n    uses: ./.github/workflows/callee.yml\n${call}`;
    const cases: Array<[string, RegExp]> = [
      ["    secrets:\n      token: x\n      other: y\n", /main\.yml:8: Invalid secret, other is not defined/],
      ["    with:\n      nme: typo\n    secrets:\n      token: x\n", /Invalid input, nme is not defined/],
      ["    with:\n      name: a\n", /Secret token is required, but not provided while calling/],
    ];
    for (const [call, error] of cases) {
      const log: string[] = [];
      const dir = workspace({
        ".github/workflows/callee.yml": callee,
        ".github/workflows/main.yml": main(call),
      });
      await expect(
        runWorkflow({
          workflow: ".github/workflows/main.yml",
          workspace: dir,
          event: "push",
          log: (l) => log.push(l),
        }),
      ).rejects.toThrow(error);
      expect(log.join("\n")).not.toContain("first job ran");
    }
    // secrets: inherit is not checked against the declaration (the caller's secrets are passed as they are)
    const inherit = workspace({
      ".github/workflows/callee.yml": callee,
      ".github/workflows/main.yml": main("    secrets: inherit\n"),
    });
    expect((await run(inherit)).result.conclusion).toBe("success");
  });
});

describe("item 6: composite actions", () => {
  // docs "Reusing workflow configurations" → comparison: composite actions "Can be nested to have up to 10
  // composite actions in one workflow"
  it("runs ten nested composite actions and refuses the eleventh with the using step's line", async () => {
    const files = (depth: number) => {
      const out: Record<string, string> = {
        ".github/workflows/main.yml":
          "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./a1\n",
      };
      for (let i = 1; i <= depth; i++) {
        const step =
          i < depth
            ? `    - uses: ./a${i + 1}\n`
            : `    - shell: bash\n      run: echo "deepest is $(basename "$GITHUB_ACTION_PATH")"\n`;
        out[`a${i}/action.yml`] =
          `name: a${i}\ndescription: level ${i}\nruns:\n  using: composite\n  steps:\n${step}`;
      }
      return out;
    };
    const ten = await run(workspace(files(10)));
    expect(ten.result.conclusion).toBe("success");
    expect(ten.log.some((line) => line.includes("deepest is a10"))).toBe(true);
    const eleven = await run(workspace(files(11)));
    expect(eleven.result.conclusion).toBe("failure");
    expect(eleven.log.join("\n")).toMatch(/a10\/action\.yml:6: composite actions nest deeper than 10/);
  }, 60_000);
});
