/** The example model repositories the demo can play (`--example node|sklearn`). */
import { join } from "node:path";

export type ExampleId = "node" | "sklearn";

export interface ExampleSpec {
  id: ExampleId;
  /** The example's directory in this repository. */
  dir: string;
  /** The model name in its mlops.yml (also the emulator repository's name). */
  model: string;
  /** `owner/name` of the repository the demo creates in the emulator. */
  repository: string;
  workflows: { prCheck: string; release: string; monitor: string };
  /** The file a variant replaces, and the variants for the "better" and "worse" pull requests. */
  paramsFile: string;
  variants: { better: string; worse: string };
}

export const TOOLKIT_ROOT = join(import.meta.dirname, "..", "..", "..");

const WORKFLOWS = {
  prCheck: ".github/workflows/mlops-pr-check.yml",
  release: ".github/workflows/mlops-release.yml",
  monitor: ".github/workflows/mlops-monitor.yml",
};

export function exampleSpec(id: ExampleId, root = TOOLKIT_ROOT): ExampleSpec {
  const model = id === "node" ? "node-classifier" : "sklearn-classifier";
  return {
    id,
    dir: join(root, "examples", model),
    model,
    repository: `demo-org/${model}`,
    workflows: WORKFLOWS,
    paramsFile: "params.yaml",
    variants: { better: "variants/better.params.yaml", worse: "variants/worse.params.yaml" },
  };
}

export function parseExampleId(value: string): ExampleId {
  if (value === "node" || value === "sklearn") return value;
  throw new Error(`--example must be "node" or "sklearn", not "${value}"`);
}
