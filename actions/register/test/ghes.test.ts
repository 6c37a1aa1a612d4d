/**
 * On GitHub Enterprise Server the train artifact cannot be read (@actions/artifact ≥ 2 throws
 * GHESNotSupportedError; github/roadmap#930): register says so in one line instead of "no model files"
 * after silent misses, and still takes files named directly.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryRuntime, readInputs, readRunContext, unavailableArtifactStore } from "@mlops/action-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputSchema } from "../src/inputs.js";
import { gatherSources } from "../src/sources.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "register-ghes-"));
  await writeFile(join(dir, "model.bin"), "weights");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const inputs = (given: Record<string, string>) =>
  readInputs(inputSchema, (name) => ({ "github-token": "t", ...given })[name] ?? "");

describe("register on GitHub Enterprise Server", () => {
  it("names the missing artifact service when it would need the train artifact", async () => {
    const error = await gatherSources({
      inputs: inputs({}),
      model: "churn",
      modelConfig: undefined,
      cwd: dir,
      context: readRunContext({ GITHUB_SERVER_URL: "https://ghes.example.com" }),
      artifacts: unavailableArtifactStore("https://ghes.example.com"),
      runtime: createMemoryRuntime(),
    }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /^register: no model files for churn: give 'files' or a 'manifest' \(run\.json\) — the train artifact cannot be read here\. The Actions artifact service is not available on GitHub Enterprise Server/,
    );
  });

  it("registers files named directly", async () => {
    const sources = await gatherSources({
      inputs: inputs({ files: "model.bin" }),
      model: "churn",
      modelConfig: undefined,
      cwd: dir,
      context: readRunContext({}),
      artifacts: unavailableArtifactStore("https://ghes.example.com"),
      runtime: createMemoryRuntime(),
    });
    expect(JSON.stringify(sources)).toContain("model.bin");
  });
});
