// The npm package of the CLI (`pnpm pack:cli`): packed, installed offline into an empty folder outside the
// repository, and run from there with no tsx and no workspace packages in reach.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../../..");
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

let scratch: string;
let mlops: string;
let manifest: { name: string; bin: Record<string, string>; dependencies?: unknown; files: string[] };

/** Runs the installed `mlops` in `cwd` with a PATH that holds only node's folder (no pnpm, no tsx). */
async function installed(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(mlops, args, { cwd, env: cleanEnv() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: `${join(process.execPath, "..")}:/usr/bin:/bin`, HOME: scratch, LANG: "C.UTF-8" };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "mlops-package-"));
  expect(relative(root, scratch).startsWith("..")).toBe(true);
  const out = join(scratch, "out");
  await run(process.execPath, [join(root, "scripts/pack-cli.mjs"), "--out", out], { cwd: root });
  const tarballs = readdirSync(out).filter((name) => name.endsWith(".tgz"));
  expect(tarballs).toEqual([`mlops-actions-cli-${version}.tgz`]);
  const prefix = join(scratch, "prefix");
  mkdirSync(prefix);
  // Offline, with an empty cache: the package must not need the registry.
  await run(
    "npm",
    [
      "install",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--cache",
      join(scratch, "npm-cache"),
      join(out, tarballs[0] as string),
    ],
    { cwd: prefix },
  );
  const installedDir = join(prefix, "node_modules/@mlops-actions/cli");
  manifest = JSON.parse(readFileSync(join(installedDir, "package.json"), "utf8"));
  mlops = join(prefix, "node_modules/.bin/mlops");
}, 240_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the packed CLI, installed outside the repository", () => {
  it("is one package with a bin and no runtime dependencies", () => {
    expect(manifest.name).toBe("@mlops-actions/cli");
    expect(manifest.bin).toEqual({ mlops: "dist/mlops.js" });
    expect(manifest.dependencies).toBeUndefined();
    const installedDir = join(mlops, "../../@mlops-actions/cli");
    expect(readdirSync(join(mlops, "../..")).sort()).toEqual([
      ".bin",
      ".package-lock.json",
      "@mlops-actions",
    ]);
    // Every module the bundle imports is one of its own chunks or a Node built-in (no tsx, no workspace
    // package, nothing that would need node_modules).
    const specifiers = new Set<string>();
    for (const file of readdirSync(join(installedDir, "dist")).filter((f) => /\.m?js$/.test(f))) {
      const code = readFileSync(join(installedDir, "dist", file), "utf8");
      // `import` not inside a string or a property name, of a module-like name (minified code has
      // `"import"`, and error texts such as jose's `…for JWK import")` or tsyringe's `'import "reflect-metadata"'`).
      for (const match of code.matchAll(/(?<![\w$.'"`])import\s*(?:[\w$*{},\s]*?from\s*)?\(?"([\w@./:-]+)"/g))
        specifiers.add(match[1] as string);
    }
    // `kerberos`: an optional import (in a try) of the proxy agent inside @actions/artifact, used only
    // for Negotiate proxy authentication, as in the action bundles.
    const foreign = [...specifiers].filter(
      (s) =>
        s !== "kerberos" &&
        !s.startsWith("./") &&
        !s.startsWith("https://") &&
        !builtinModules.includes(s.replace(/^node:/, "")),
    );
    expect(specifiers.size).toBeGreaterThan(10);
    expect(foreign).toEqual([]);
    // The emulator's Sigstore stand-ins need the reflect-metadata polyfill: bundled, not imported.
    const chunks = readdirSync(join(installedDir, "dist")).filter((f) => /\.m?js$/.test(f));
    expect(
      chunks.some((f) => readFileSync(join(installedDir, "dist", f), "utf8").includes("defineMetadata")),
    ).toBe(true);
    expect(existsSync(join(installedDir, "README.md"))).toBe(true);
  });

  it("mlops --version prints the toolkit's version", async () => {
    const empty = mkdtempSync(join(scratch, "empty-"));
    const result = await installed(["--version"], empty);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("mlops init writes the config and the workflows from the package's templates", async () => {
    const project = mkdtempSync(join(scratch, "project-"));
    writeFileSync(join(project, "requirements.txt"), "scikit-learn\n");
    writeFileSync(join(project, "train.py"), "print('train')\n");
    const result = await installed(["init", "--yes"], project);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const pr = readFileSync(join(project, ".github/workflows/mlops-pr-check.yml"), "utf8");
    expect(pr).toContain(`mlops-actions/mlops-actions/.github/workflows/reusable-pr-check.yml@v${version}`);
    const config = readFileSync(join(project, "mlops.yml"), "utf8");
    expect(config).toContain("python train.py");
    expect((await installed(["validate"], project)).code).toBe(0);
  });

  it("mlops monitor compares two CSV files and exits 1 on drift with --fail-on-drift", async () => {
    const data = mkdtempSync(join(scratch, "data-"));
    const rows = (shift: number) =>
      ["x,kind", ...Array.from({ length: 400 }, (_, i) => `${(i % 100) + shift},${i % 2 ? "a" : "b"}`)].join(
        "\n",
      );
    writeFileSync(join(data, "reference.csv"), rows(0));
    writeFileSync(join(data, "current.csv"), rows(60));
    const result = await installed(
      [
        "monitor",
        "--reference",
        "reference.csv",
        "--current",
        "current.csv",
        "--format",
        "json",
        "--fail-on-drift",
      ],
      data,
    );
    expect(result.stderr).toContain("dataset drift");
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { columns: { name: string; drifted: boolean }[] };
    expect(report.columns.map((c) => [c.name, c.drifted])).toEqual([
      ["x", true],
      ["kind", false],
    ]);
  });

  it("mlops emulator + mlops run-workflow run a toolkit action and the artifact stand-in from the package", async () => {
    const repo = mkdtempSync(join(scratch, "repo-"));
    mkdirSync(join(repo, ".github/workflows"), { recursive: true });
    writeFileSync(
      join(repo, ".github/workflows/gate.yml"),
      [
        "name: gate",
        "on: push",
        "permissions:",
        "  contents: read",
        "  actions: write",
        "jobs:",
        "  gate:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - run: |",
        `          echo '{"accuracy": 0.9}' > metrics.json`,
        `      - uses: mlops-actions/mlops-actions/actions/evaluate-gate@v${version}`,
        "        with:",
        "          model-name: demo",
        "          metrics: metrics.json",
        "          rules: accuracy >= 0.8",
        '          baseline: "none"',
        '          comment: "false"',
        '          check: "false"',
        "      - uses: actions/upload-artifact@v4",
        "        with:",
        "          name: metrics",
        "          path: metrics.json",
        "",
      ].join("\n"),
    );
    const emulator = spawn(mlops, ["emulator"], {
      cwd: repo,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await firstLine(emulator);
      const result = await installed(
        [
          "run-workflow",
          ".github/workflows/gate.yml",
          "--event",
          "push",
          "--api-url",
          url,
          "--repository",
          "me/repo",
        ],
        repo,
      );
      expect(result.stdout).toContain("✅ demo: gate passed (1 rule)");
      expect(result.code).toBe(0);
      const artifacts = (await (await fetch(`${url}/repos/me/repo/actions/artifacts`)).json()) as {
        artifacts: { name: string }[];
      };
      expect(artifacts.artifacts.map((a) => a.name).sort()).toEqual(["metrics", "mlops-gate-demo"]);
    } finally {
      emulator.kill("SIGTERM");
    }
  });
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split("\n");
      if (line.length > 1) resolve((line[0] ?? "").trim());
    });
    child.once("exit", (code) =>
      reject(new Error(`mlops emulator exited with ${code} before printing its URL`)),
    );
  });
}
