/**
 * GitHub Enterprise Server is detected from GITHUB_SERVER_URL by the rule `@actions/artifact` applies
 * (`isGhes()`: github.com, *.ghe.com and *.localhost are not GHES), and said at the start of every action;
 * the artifact store there refuses at once with one clear line (GHESNotSupportedError otherwise, deep in a
 * run; github/roadmap#930).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemoryRuntime, githubPlatform, startAction, unavailableArtifactStore } from "../src/index.js";
import { createDirectoryArtifactStore } from "../src/testing.js";

describe("githubPlatform", () => {
  it("tells github.com, GHE.com and GHES apart as @actions/artifact does", () => {
    expect(githubPlatform(undefined)).toBe("github.com");
    expect(githubPlatform("https://github.com")).toBe("github.com");
    expect(githubPlatform("https://GitHub.com/")).toBe("github.com");
    expect(githubPlatform("https://octo.ghe.com")).toBe("ghe.com");
    expect(githubPlatform("https://github.localhost")).toBe("github.com"); // the local runner
    expect(githubPlatform("https://ghes.example.com")).toBe("ghes");
    expect(githubPlatform("http://10.0.0.5:8080")).toBe("ghes");
  });
});

describe("startAction on GitHub Enterprise Server", () => {
  const schema = z.object({});
  const start = (serverUrl: string, artifacts?: ReturnType<typeof createDirectoryArtifactStore>) => {
    const runtime = createMemoryRuntime();
    const { deps } = startAction(
      runtime,
      schema,
      { env: { GITHUB_SERVER_URL: serverUrl }, ...(artifacts ? { artifacts } : {}) },
      () => undefined,
    );
    return { runtime, deps };
  };

  it("warns once at the start and gives a store that refuses with the reason", async () => {
    const { runtime, deps } = start("https://ghes.example.com");
    const warnings = runtime.lines.filter((l) => l.level === "warning").map((l) => l.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "GitHub Enterprise Server detected (GITHUB_SERVER_URL=https://ghes.example.com)",
    );
    expect(warnings[0]).toContain("GHESNotSupportedError");
    expect(warnings[0]).toContain("deployment: false");
    expect(deps.artifacts.unavailable).toContain("not available on GitHub Enterprise Server");
    await expect(deps.artifacts.upload("x", [], "/tmp")).rejects.toThrow(
      /not available on GitHub Enterprise Server/,
    );
    await expect(deps.artifacts.download("x", "/tmp")).rejects.toThrow(/github\/roadmap#930/);
  });

  it("says nothing on github.com or GHE.com, and keeps a store the caller gave", () => {
    for (const url of ["https://github.com", "https://octo.ghe.com"]) {
      const { runtime, deps } = start(url);
      expect(runtime.lines.filter((l) => l.level === "warning")).toEqual([]);
      expect(deps.artifacts.unavailable).toBeUndefined();
    }
    const given = createDirectoryArtifactStore("/tmp/somewhere");
    expect(start("https://ghes.example.com", given).deps.artifacts).toBe(given);
    expect(unavailableArtifactStore("https://x").unavailable).toContain("https://x");
  });
});
