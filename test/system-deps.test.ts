import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { missingOf } from "../scripts/system-deps.mjs";

const root = join(import.meta.dirname, "..");

describe("pnpm test and the system packages (issue 14 item 14)", () => {
  it("installs nothing, names what is missing and skips only the tests that need it, by name", () => {
    const run = spawnSync(process.execPath, ["scripts/test.mjs", "packages/demo/test/github-view.test.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, MLOPS_MISSING_SYSTEM_PACKAGES: "chromium" },
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("Missing Debian packages: chromium. The tests that need them are skipped.");
    expect(`${run.stdout}${run.stderr}`).not.toContain("Installing Debian packages");
    const lines = run.stdout.trimEnd().split("\n");
    const closing = lines.findIndex((line) => line.startsWith("tests: "));
    // The renderMarkdown test needs no browser and still runs; the three page tests skip, each named.
    expect(lines[closing]).toBe("tests: 1 passed, 0 failed, 3 skipped");
    expect(lines.slice(closing + 1)).toEqual([
      "skipped: packages/demo/test/github-view.test.ts > GitHub view of the emulator state shows the pull request, its sticky comment as a GFM table and its check run",
      "skipped: packages/demo/test/github-view.test.ts > GitHub view of the emulator state shows the release with its model card, the deployment and the monitoring issue",
      "skipped: packages/demo/test/github-view.test.ts > GitHub view of the emulator state renders every Mermaid block to an SVG from the local copy of Mermaid, offline",
      "missing Debian packages: chromium (sudo node scripts/system-deps.mjs)",
    ]);
  }, 120_000);

  it("the test runner never calls the installer; CI runs it as a separate setup step", () => {
    expect(readFileSync(join(root, "scripts/test.mjs"), "utf8")).not.toMatch(
      /ensureSystemPackages|apt-get install/,
    );
    expect(readFileSync(join(root, ".ci/run"), "utf8")).toMatch(
      /node scripts\/system-deps\.mjs\n[\s\S]*pnpm test/,
    );
    expect(readFileSync(join(root, ".github/workflows/ci.yml"), "utf8")).toContain(
      "node scripts/system-deps.mjs",
    );
  });

  it("missingOf refuses a package it does not know (no silent 'present')", () => {
    expect(() => missingOf("python3-torch")).toThrow("system-deps: unknown package python3-torch");
  });
});
