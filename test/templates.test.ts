import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/** Starter templates: each has a valid properties file and calls an existing reusable workflow correctly. */
const root = join(import.meta.dirname, "..");
const templates = readdirSync(join(root, "workflows"))
  .filter((name) => name.endsWith(".yml"))
  .sort();

interface Workflow {
  on?: { workflow_call?: { inputs?: Record<string, { required?: boolean }> } };
  jobs: Record<
    string,
    {
      uses?: string;
      with?: Record<string, unknown>;
      steps?: { uses?: string; with?: Record<string, unknown> }[];
    }
  >;
}

function reusableInputs(file: string): Record<string, { required?: boolean }> {
  const workflow = parse(readFileSync(join(root, ".github/workflows", file), "utf8")) as Workflow;
  expect(workflow.on?.workflow_call, `${file} is callable`).toBeDefined();
  return workflow.on?.workflow_call?.inputs ?? {};
}

function actionInputs(name: string): Record<string, { required?: boolean }> {
  return (
    parse(readFileSync(join(root, "actions", name, "action.yml"), "utf8")) as {
      inputs: Record<string, { required?: boolean }>;
    }
  ).inputs;
}

describe("starter templates", () => {
  it("exist for the PR check, release, monitoring, the fork companion and the monthly insights", () => {
    expect(templates).toEqual([
      "mlops-fork-report.yml",
      "mlops-insights.yml",
      "mlops-monitor.yml",
      "mlops-pr-check.yml",
      "mlops-release.yml",
    ]);
  });

  describe.each(templates)("workflows/%s", (template) => {
    const workflow = parse(readFileSync(join(root, "workflows", template), "utf8")) as Workflow;

    it("has a properties file with a name, a description and valid optional fields", () => {
      const properties = JSON.parse(
        readFileSync(join(root, "workflows", template.replace(/\.yml$/, ".properties.json")), "utf8"),
      ) as Record<string, unknown>;
      expect(typeof properties.name).toBe("string");
      expect(typeof properties.description).toBe("string");
      expect(
        Object.keys(properties).every((key) =>
          ["name", "description", "iconName", "categories", "filePatterns", "creator", "labels"].includes(
            key,
          ),
        ),
      ).toBe(true);
      for (const pattern of (properties.filePatterns as string[] | undefined) ?? [])
        expect(() => new RegExp(pattern)).not.toThrow();
      if (properties.categories) expect(Array.isArray(properties.categories)).toBe(true);
    });

    it("calls reusable workflows and actions of this repository that exist, with inputs they declare", () => {
      let calls = 0;
      for (const [id, job] of Object.entries(workflow.jobs)) {
        const targets: [string, Record<string, unknown>, Record<string, { required?: boolean }>][] = [];
        const reusable = /^mlops-actions\/mlops-actions\/\.github\/workflows\/([^@]+)@/.exec(job.uses ?? "");
        if (reusable) {
          expect(existsSync(join(root, ".github/workflows", reusable[1]!)), `${id} → ${reusable[1]}`).toBe(
            true,
          );
          targets.push([reusable[1]!, job.with ?? {}, reusableInputs(reusable[1]!)]);
        }
        for (const step of job.steps ?? []) {
          const action = /^mlops-actions\/mlops-actions\/actions\/([^@]+)@/.exec(step.uses ?? "");
          if (action) targets.push([action[1]!, step.with ?? {}, actionInputs(action[1]!)]);
        }
        for (const [target, given, declared] of targets) {
          calls++;
          for (const input of Object.keys(given))
            expect(Object.keys(declared), `${template} passes ${input} to ${target}`).toContain(input);
          for (const [input, spec] of Object.entries(declared)) {
            if (spec.required && !("default" in spec))
              expect(Object.keys(given), `${template} must pass ${input} to ${target}`).toContain(input);
          }
        }
      }
      expect(calls).toBeGreaterThan(0);
    });
  });
});

describe("keyless signing permissions (docs/signing.md)", () => {
  type Jobs = Record<string, { uses?: string; permissions?: Record<string, string> }>;
  const jobsOf = (path: string) => (parse(readFileSync(join(root, path), "utf8")) as { jobs: Jobs }).jobs;
  const signingGrants = (permissions: Record<string, string> | undefined) => ({
    "id-token": permissions?.["id-token"],
    attestations: permissions?.attestations,
  });

  it("reusable-release.yml grants id-token: write and attestations: write to its register job only", () => {
    const jobs = jobsOf(".github/workflows/reusable-release.yml");
    expect(signingGrants(jobs.register?.permissions)).toEqual({ "id-token": "write", attestations: "write" });
    for (const [id, job] of Object.entries(jobs))
      if (id !== "register")
        expect(signingGrants(job.permissions), id).toEqual({
          "id-token": undefined,
          attestations: undefined,
        });
  });

  it.each([
    "workflows/mlops-release.yml",
    "examples/node-classifier/.github/workflows/mlops-release.yml",
    "examples/sklearn-classifier/.github/workflows/mlops-release.yml",
  ])("%s passes them to the reusable release workflow (a called workflow can only narrow them)", (path) => {
    const jobs = Object.values(jobsOf(path)).filter((job) => job.uses?.includes("reusable-release.yml"));
    expect(jobs).toHaveLength(1);
    expect(signingGrants(jobs[0]?.permissions)).toEqual({ "id-token": "write", attestations: "write" });
  });

  it("no other template or reusable workflow asks for them", () => {
    const others = [
      ...templates.filter((t) => t !== "mlops-release.yml").map((t) => `workflows/${t}`),
      ...readdirSync(join(root, ".github/workflows"))
        .filter((f) => f.startsWith("reusable-") && f !== "reusable-release.yml")
        .map((f) => `.github/workflows/${f}`),
    ];
    for (const path of others)
      for (const [id, job] of Object.entries(jobsOf(path)))
        expect(signingGrants(job.permissions), `${path} ${id}`).toEqual({
          "id-token": undefined,
          attestations: undefined,
        });
  });
});
