import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/** The metadata contract every action must keep (see CONTRIBUTING.md). */
interface ActionMetadata {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
}

const root = join(import.meta.dirname, "..");
// Every folder with an action.yml (actions/_shared holds the chunks the bundles share).
const actionNames = readdirSync(join(root, "actions"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "actions", entry.name, "action.yml")))
  .map((entry) => entry.name)
  .sort();

describe("action metadata contract", () => {
  it("covers the five actions", () => {
    expect(actionNames).toEqual(["deploy", "evaluate-gate", "monitor-report", "register", "train"]);
  });

  describe.each(actionNames)("actions/%s", (name) => {
    const metadata = parse(readFileSync(join(root, "actions", name, "action.yml"), "utf8")) as ActionMetadata;

    it("runs on node24 from the committed bundle", () => {
      expect(metadata.runs).toEqual({ using: "node24", main: "dist/index.js" });
    });

    it("has a name and a description", () => {
      expect(metadata.name).toMatch(/^mlops: /);
      expect(metadata.description?.length ?? 0).toBeGreaterThan(20);
    });

    it("describes every input and output", () => {
      for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
        expect(spec.description, `input ${input}`).toBeTruthy();
        expect(input, `input ${input} is kebab-case`).toMatch(/^[a-z][a-z0-9-]*$/);
      }
      for (const [output, spec] of Object.entries(metadata.outputs ?? {})) {
        expect(spec.description, `output ${output}`).toBeTruthy();
      }
    });

    it("declares exactly the inputs of its zod input schema", async () => {
      const { inputSchema } = (await import(`../actions/${name}/src/inputs.ts`)) as {
        inputSchema: { shape: Record<string, unknown> };
      };
      expect(Object.keys(inputSchema.shape).sort()).toEqual(Object.keys(metadata.inputs ?? {}).sort());
    });

    it("marks required inputs in the schema as required in action.yml", async () => {
      const { inputSchema } = (await import(`../actions/${name}/src/inputs.ts`)) as {
        inputSchema: { shape: Record<string, { safeParse(value: string): { success: boolean } }> };
      };
      for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
        const acceptsEmpty = inputSchema.shape[input]?.safeParse("").success;
        const hasDefault = spec.default !== undefined && spec.default !== "";
        if (!acceptsEmpty)
          expect(
            spec.required || hasDefault,
            `input ${input} rejects "" so needs required or a default`,
          ).toBe(true);
      }
    });
  });
});
