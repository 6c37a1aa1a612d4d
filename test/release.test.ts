import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type CliIo, runCli } from "@mlops/cli";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
const [major = 0, minor = 0] = version.split(".").map(Number);
/** The next release the starter templates' `@v1` allows: 1.0.0 before any release, else the next 1.x minor. */
const next = major < 1 ? "1.0.0" : `${major}.${minor + 1}.0`;
const nextMajor = `${Math.max(major, 1) + 1}.0.0`;

function release(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, "scripts/release.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The tags a dry run of `request` says it creates ("tags: v1.0.0, v1"). */
function tagsOf(stdout: string): string[] {
  const line = stdout.split("\n").find((l) => l.includes("; tags: "));
  return line?.split("; tags: ")[1]?.split(", ") ?? [];
}

/** Every `mlops-actions/mlops-actions…@ref` (and schema URL ref) in the files `mlops init` wrote. */
async function refsInitWrites(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "release-init-"));
  writeFileSync(join(dir, "requirements.txt"), "scikit-learn\n");
  writeFileSync(
    join(dir, "train.py"),
    'import json\nimport random\nrandom.seed(0)\njson.dump({"accuracy": 0.9}, open("metrics.json", "w"))\n',
  );
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/train.csv"), "a,b\n1,2\n");
  const io: CliIo = { stdout: () => {}, stderr: () => {}, interactive: false, cwd: dir, env: {} };
  expect(await runCli(["init", "--yes", "--reference-data", "data/train.csv"], io)).toBe(0);
  const texts = [
    readFileSync(join(dir, "mlops.yml"), "utf8"),
    ...readdirSync(join(dir, ".github/workflows")).map((f) =>
      readFileSync(join(dir, ".github/workflows", f), "utf8"),
    ),
  ];
  const refs = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(/mlops-actions\/mlops-actions\/[^\s@"']+@([^\s"'#]+)/g))
      refs.add(m[1] as string);
    for (const m of text.matchAll(/raw\.githubusercontent\.com\/mlops-actions\/mlops-actions\/([^/\s]+)\//g))
      refs.add(m[1] as string);
  }
  return [...refs];
}

describe("scripts/release.mjs (issue 14 item 11)", () => {
  it("the workflows mlops init writes point at a tag a release of this version creates", async () => {
    // init pins the toolkit's own version (package.json); the release commit carries the released
    // version there, so init run from a release pins a tag that release created.
    const script = join(root, "scripts/release.mjs");
    const { releaseTags } = (await import(pathToFileURL(script).href)) as {
      releaseTags: (version: string) => string[];
    };
    expect(releaseTags("1.2.3")).toEqual(["v1.2.3", "v1"]);
    const refs = await refsInitWrites();
    expect(refs).toContain(`v${version}`);
    for (const ref of refs) expect(releaseTags(version), `init writes @${ref}`).toContain(ref);
  });

  it("a dry run of the next 1.x release creates its tag and moves v1, the tag the starter templates pin, and changes nothing", () => {
    // What a real release changes (compared as text, not with git status: other tests run alongside).
    const watched = [
      "package.json",
      "packages/cli/package.json",
      "actions/train/package.json",
      "CHANGELOG.md",
    ];
    const before = watched.map((file) => readFileSync(join(root, file), "utf8"));
    const { code, stdout, stderr } = release(next, "--dry-run");
    expect(stderr.split("\n").filter((l) => l && !l.includes("note:"))).toEqual([]);
    expect(code).toBe(0);
    expect(tagsOf(stdout)).toEqual([`v${next}`, "v1"]);
    expect(stdout).toContain("would run: pnpm build");
    expect(stdout).toContain("would run: pnpm check:dist");
    expect(stdout).toContain(`would run: git tag -a v${next}`);
    expect(stdout).toContain("would run: git tag -f -a v1 ");
    // Release notes are the CHANGELOG's Unreleased section.
    const changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8");
    const firstBullet = changelog
      .split("## [Unreleased]")[1]
      ?.split("\n")
      .find((l) => l.startsWith("- "));
    expect(firstBullet).toBeDefined();
    expect(stdout).toContain(firstBullet as string);
    const templatePins = new Set(
      [
        "mlops-pr-check.yml",
        "mlops-release.yml",
        "mlops-monitor.yml",
        "mlops-fork-report.yml",
        "mlops-insights.yml",
      ].flatMap((f) =>
        [
          ...readFileSync(join(root, "workflows", f), "utf8").matchAll(
            /mlops-actions\/mlops-actions\/[^\s@]+@(\S+)/g,
          ),
        ].map((m) => m[1]),
      ),
    );
    expect([...templatePins]).toEqual(["v1"]);
    expect(watched.map((file) => readFileSync(join(root, file), "utf8"))).toEqual(before);
    expect(existsSync(join(root, `dist/release-notes-v${next}.md`))).toBe(false);
  });

  it("refuses a release whose major tag the templates do not pin, and bad versions (exit 1, 2)", () => {
    const major2 = release(nextMajor, "--dry-run");
    expect(major2.code).toBe(1);
    expect(major2.stderr).toContain(
      `workflows/mlops-release.yml: pins @v1, but this release creates v${nextMajor} and v${nextMajor.split(".")[0]}`,
    );
    const bad = release("one", "--dry-run");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"one" is neither major, minor, patch nor a version X.Y.Z');
    const same = release(version, "--dry-run");
    expect(same.code).toBe(2);
    expect(same.stderr).toContain(`is not above the current version ${version}`);
  });
});
