import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = join(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

interface DependabotUpdate {
  "package-ecosystem": string;
  directory: string;
  schedule: { interval: string };
  groups?: Record<string, unknown>;
}

describe("repository hygiene (issue 14 items 12, 13)", () => {
  it("dependabot updates npm and github-actions weekly, grouped", () => {
    const config = parse(read(".github/dependabot.yml")) as { version: number; updates: DependabotUpdate[] };
    expect(config.version).toBe(2);
    const byEcosystem = new Map(config.updates.map((u) => [u["package-ecosystem"], u]));
    for (const ecosystem of ["npm", "github-actions"]) {
      const update = byEcosystem.get(ecosystem);
      expect(update, ecosystem).toBeDefined();
      expect(update?.schedule.interval).toBe("weekly");
      expect(Object.keys(update?.groups ?? {}).length, `${ecosystem} groups`).toBeGreaterThan(0);
    }
  });

  it("CODEOWNERS names an owner for every path", () => {
    const rules = read(".github/CODEOWNERS")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(/\s+/));
    const catchAll = rules.find(([pattern]) => pattern === "*");
    expect(catchAll?.slice(1).every((owner) => /^@[\w-]+(\/[\w-]+)?$/.test(owner))).toBe(true);
    expect(catchAll?.length).toBeGreaterThan(1);
  });

  it("SECURITY.md says how to report, which versions are supported and the security model", () => {
    const text = read("SECURITY.md");
    for (const heading of [
      "## Reporting a vulnerability",
      "## Supported versions",
      "## Security model in brief",
    ]) {
      expect(text).toContain(heading);
    }
  });

  it("the architecture document lives in the repository and nothing cites it by a bare §N", () => {
    expect(existsSync(join(root, "docs/architecture.md"))).toBe(true);
    const tracked = execFileSync("git", ["ls-files", "*.ts", "*.mjs", "*.md", "*.yml"], {
      cwd: root,
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean);
    const offenders: string[] = [];
    for (const file of tracked) {
      if (!existsSync(join(root, file))) continue;
      read(file)
        .split("\n")
        .forEach((line, index) => {
          // e.g. the design doc's name or "contracts" then "§3": a section cited without the document's path.
          if (/\b(ARCHITECTURE|architecture|contracts)\s*§\s*\w/.test(line))
            offenders.push(`${file}:${index + 1}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});

/** The workspace package (`packages/X`, `actions/X`, `examples/X`) a repository path lies in, or "" for the root. */
function workspaceOf(path: string): string {
  const [top, name] = path.split("/");
  return (top === "packages" || top === "actions" || top === "examples") && name ? `${top}/${name}` : "";
}

/** Module specifiers of `import … from`, `export … from`, `import("…")` and `vi.mock("…")` in `source`. */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  for (const pattern of [
    /\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\b(?:import|vi\.mock|vi\.importActual)\(\s*["']([^"']+)["']/g,
  ]) {
    for (const match of source.matchAll(pattern)) if (match[1]) found.push(match[1]);
  }
  return found;
}

/**
 * Relative imports in `file` (a repository path) that reach into another workspace package (its `src` or
 * its tests) instead of importing it by name: `file:line → specifier`.
 */
function crossPackageImports(file: string, source: string): string[] {
  const own = workspaceOf(file);
  const offenders: string[] = [];
  source.split("\n").forEach((line, index) => {
    for (const specifier of specifiersOf(line)) {
      if (!specifier.startsWith(".")) continue;
      const target = relative(root, resolve(root, dirname(file), specifier))
        .split("\\")
        .join("/");
      const into = workspaceOf(target);
      if ((into.startsWith("packages/") || into.startsWith("actions/")) && into !== own)
        offenders.push(`${file}:${index + 1} → ${specifier}`);
    }
  });
  return offenders;
}

describe("tests import workspace packages by name (issue 14 item 8)", () => {
  it("the check finds a relative import of another package's src, and lets a package's own src through", () => {
    // Assembled from words so that this file itself holds no such import line.
    const from = (what: string, specifier: string) =>
      `${what} "${specifier}"${what.endsWith("(") ? ")" : ""};`;
    const cliMain = ["..", "packages", "cli", "src", "main.js"].join("/");
    const coreIndex = ["..", "..", "packages", "core", "src", "index.js"].join("/");
    const bad = `${from("import { runCli } from", cliMain)}\n${from("const m = await import(", coreIndex)}`;
    expect(crossPackageImports("test/release.test.ts", bad)).toEqual([
      "test/release.test.ts:1 → ../packages/cli/src/main.js",
    ]);
    expect(crossPackageImports("test/support/x.ts", bad.split("\n")[1] ?? "")).toEqual([
      "test/support/x.ts:1 → ../../packages/core/src/index.js",
    ]);
    expect(
      crossPackageImports(
        "actions/deploy/test/x.test.ts",
        'import { h } from "../../register/test/harness.js";',
      ),
    ).toEqual(["actions/deploy/test/x.test.ts:1 → ../../register/test/harness.js"]);
    const fine =
      'import { main } from "../src/main.js";\nimport { x } from "@mlops/core";\nimport { y } from "./helpers.js";';
    expect(crossPackageImports("actions/deploy/test/x.test.ts", fine)).toEqual([]);
  });

  it("no test file imports another workspace package by relative path (packages/*/src, actions/*/src, their tests)", () => {
    const files = execFileSync(
      "git",
      [
        "ls-files",
        "--cached",
        "--others",
        "--exclude-standard",
        "test",
        "packages/*/test/*",
        "actions/*/test/*",
        "examples/*/test/*",
      ],
      { cwd: root, encoding: "utf8" },
    )
      .split("\n")
      .filter((file) => /\.(ts|mts|mjs|js)$/.test(file) && existsSync(join(root, file)));
    // A check that read nothing would pass silently: the test folders hold about a hundred modules.
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) => crossPackageImports(file, read(file)));
    expect(offenders, "import these by package name (@mlops/…), or export what the test needs").toEqual([]);
  });
});

describe("Node 24 (issue 14 item 10)", () => {
  it("CI tests on Node 20 and 24 with the pinned setup-node", () => {
    const ci = parse(read(".github/workflows/ci.yml")) as {
      jobs: Record<
        string,
        {
          strategy?: { matrix?: { node?: number[] } };
          steps: { uses?: string; with?: Record<string, unknown> }[];
        }
      >;
    };
    const job = ci.jobs.check;
    expect(job?.strategy?.matrix?.node).toEqual([20, 24]);
    const setupNode = job?.steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
    expect(setupNode?.uses).toMatch(/^actions\/setup-node@[0-9a-f]{40}$/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
    expect(setupNode?.with?.["node-version"]).toBe("${{ matrix.node }}");
  });

  it("every action runs on node24 and the README names the runner version it needs", () => {
    for (const name of ["train", "evaluate-gate", "register", "deploy", "monitor-report"]) {
      const action = parse(read(`actions/${name}/action.yml`)) as { runs: { using: string } };
      expect(action.runs.using, name).toBe("node24");
    }
    const requirements = read("README.md").split("**Requirements.**")[1]?.split("\n\n")[0] ?? "";
    expect(requirements).toContain("≥ 2.327.1");
  });
});
