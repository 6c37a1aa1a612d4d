#!/usr/bin/env node
// Releases this toolkit: node scripts/release.mjs <X.Y.Z | major | minor | patch> [--dry-run] [--push]
//
// 1. checks: the version is semver and above the current one; the work tree is clean; CHANGELOG.md has
//    an "Unreleased" section with content; every `mlops-actions/mlops-actions/…@vN` pin in the starter
//    templates (workflows/) and reusable workflows names the major tag this release moves (so the
//    workflows `mlops init` writes resolve once the release is pushed);
// 2. bumps "version" in every workspace package.json (root, packages/*, actions/*, examples/*);
// 3. turns "## [Unreleased]" into "## [X.Y.Z] - date" under a new empty "Unreleased" section;
// 4. `pnpm build`, then `pnpm check:dist` (the committed bundles are what the tag ships);
// 5. commits "Release vX.Y.Z", creates the annotated tag vX.Y.Z (release notes as its message) and
//    moves vX to it;
// 6. writes the release notes (the CHANGELOG section) to dist/release-notes-vX.Y.Z.md and prints the
//    push and `gh release create` commands; with --push, runs them.
// --dry-run checks and prints every step without changing anything.
// Exit codes: 0 done, 1 a check failed, 2 bad usage.

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/;
const TOOLKIT_PIN = /mlops-actions\/mlops-actions\/[^\s@"']+@([^\s"'#]+)/g;

function fail(code, message) {
  process.stderr.write(`release: ${message}\n`);
  process.exit(code);
}

function parseSemver(text) {
  const m = SEMVER.exec(text);
  return m ? { major: +m[1], minor: +m[2], patch: +m[3], pre: m[4] } : undefined;
}

function compare(a, b) {
  for (const key of ["major", "minor", "patch"]) if (a[key] !== b[key]) return a[key] - b[key];
  if (a.pre === b.pre) return 0;
  if (!a.pre) return 1;
  if (!b.pre) return -1;
  return a.pre < b.pre ? -1 : 1;
}

/** The next version from "major" | "minor" | "patch" | "X.Y.Z". */
export function nextVersion(current, request) {
  const c = parseSemver(current);
  if (!c) throw new Error(`the current version ${current} in package.json is not semver`);
  const bumped = {
    major: `${c.major + 1}.0.0`,
    minor: `${c.major}.${c.minor + 1}.0`,
    patch: `${c.major}.${c.minor}.${c.patch + 1}`,
  }[request];
  const version = bumped ?? request.replace(/^v/, "");
  const v = parseSemver(version);
  if (!v) throw new Error(`"${request}" is neither major, minor, patch nor a version X.Y.Z`);
  if (compare(v, c) <= 0) throw new Error(`${version} is not above the current version ${current}`);
  return version;
}

/** The tags a release of `version` creates: vX.Y.Z, and the moving major tag vX (not for prereleases). */
export function releaseTags(version) {
  const v = parseSemver(version);
  return v.pre ? [`v${version}`] : [`v${version}`, `v${v.major}`];
}

/** The package.json files whose version moves with the toolkit's. */
export function versionedManifests(base = root) {
  const files = ["package.json"];
  for (const folder of ["packages", "actions", "examples"]) {
    for (const name of readdirSync(join(base, folder))) {
      const path = `${folder}/${name}/package.json`;
      try {
        if (JSON.parse(readFileSync(join(base, path), "utf8")).version) files.push(path);
      } catch {
        // a folder without a package.json
      }
    }
  }
  return files;
}

/** The "## [Unreleased]" section's body (without its heading), or "" when it is missing or empty. */
export function unreleasedNotes(changelog) {
  const m = /^## \[Unreleased\][^\n]*\n([\s\S]*?)(?=^## \[|^\[[^\]]+\]: |(?![\s\S]))/m.exec(changelog);
  return m ? m[1].trim() : "";
}

/** The changelog with "Unreleased" renamed to the version and a new empty "Unreleased" above it. */
export function changelogForRelease(changelog, version, date) {
  return changelog
    .replace(/^## \[Unreleased\][^\n]*\n/m, `## [Unreleased]\n\n## [${version}] - ${date}\n`)
    .replace(
      /^\[Unreleased\]: .*$/m,
      `[Unreleased]: https://github.com/mlops-actions/mlops-actions/compare/v${version}...HEAD\n` +
        `[${version}]: https://github.com/mlops-actions/mlops-actions/releases/tag/v${version}`,
    );
}

/** Every `mlops-actions/mlops-actions/…@ref` pin in the templates and reusable workflows: `file: ref`. */
export function toolkitPins(base = root) {
  const pins = [];
  for (const folder of ["workflows", ".github/workflows"]) {
    for (const name of readdirSync(join(base, folder)).filter((n) => /\.ya?ml$/.test(n))) {
      const text = readFileSync(join(base, folder, name), "utf8");
      for (const m of text.matchAll(TOOLKIT_PIN)) pins.push({ file: `${folder}/${name}`, ref: m[1] });
    }
  }
  return pins;
}

/** Everything a release of `request` would do, as data (what --dry-run prints). */
export function planRelease(request, base = root) {
  const current = JSON.parse(readFileSync(join(base, "package.json"), "utf8")).version;
  const version = nextVersion(current, request);
  const tags = releaseTags(version);
  const problems = [];
  const notes = unreleasedNotes(readFileSync(join(base, "CHANGELOG.md"), "utf8"));
  if (!notes) problems.push('CHANGELOG.md: the "## [Unreleased]" section is missing or empty');
  const seen = new Set();
  for (const pin of toolkitPins(base)) {
    if (seen.has(`${pin.file}@${pin.ref}`)) continue;
    seen.add(`${pin.file}@${pin.ref}`);
    if (!tags.includes(pin.ref)) {
      problems.push(
        `${pin.file}: pins @${pin.ref}, but this release creates ${tags.join(" and ")}; update the pin or release a ${pin.ref.replace(/^v/, "")}.x version`,
      );
    }
  }
  const notesFile = `dist/release-notes-v${version}.md`;
  return {
    current,
    version,
    tags,
    manifests: versionedManifests(base),
    notes,
    notesFile,
    problems,
    commands: [
      ["pnpm", "build"],
      ["pnpm", "check:dist"],
      ["git", "commit", "-am", `Release v${version}`],
      ["git", "tag", "-a", `v${version}`, "-F", notesFile],
      ...tags
        .slice(1)
        .map((tag) => ["git", "tag", "-f", "-a", tag, "-m", `${tag} → v${version}`, `v${version}^{}`]),
    ],
    push: [
      ["git", "push", "origin", "HEAD", `v${version}`],
      ...tags.slice(1).map((tag) => ["git", "push", "--force", "origin", tag]),
      [
        "gh",
        "release",
        "create",
        `v${version}`,
        "--title",
        `v${version}`,
        "--notes-file",
        notesFile,
        "--verify-tag",
      ],
    ],
  };
}

function run(command) {
  process.stdout.write(`$ ${command.join(" ")}\n`);
  execFileSync(command[0], command.slice(1), { cwd: root, stdio: "inherit" });
}

function main(argv) {
  const dryRun = argv.includes("--dry-run");
  const push = argv.includes("--push");
  const positional = argv.filter((a) => !a.startsWith("--"));
  const unknown = argv.filter((a) => a.startsWith("--") && a !== "--dry-run" && a !== "--push");
  if (positional.length !== 1 || unknown.length > 0) {
    fail(2, "usage: node scripts/release.mjs <X.Y.Z | major | minor | patch> [--dry-run] [--push]");
  }
  let plan;
  try {
    plan = planRelease(positional[0]);
  } catch (error) {
    fail(2, error.message);
  }
  const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: root, encoding: "utf8" }).trim();
  if (dirty && !dryRun)
    plan.problems.push("the work tree has uncommitted changes (commit or stash them first)");
  if (dirty && dryRun)
    process.stderr.write(
      "release: note: the work tree has uncommitted changes; a real release refuses them\n",
    );

  const say = (line) => process.stdout.write(`${line}\n`);
  say(
    `${dryRun ? "[dry run] " : ""}release v${plan.version} (from ${plan.current}); tags: ${plan.tags.join(", ")}`,
  );
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) process.stderr.write(`release: ${problem}\n`);
    process.exit(1);
  }
  const date = new Date().toISOString().slice(0, 10);
  say(`version ${plan.current} → ${plan.version} in: ${plan.manifests.join(", ")}`);
  say(`CHANGELOG.md: "## [Unreleased]" → "## [${plan.version}] - ${date}"`);
  say(`release notes → ${plan.notesFile}:`);
  say(plan.notes.replace(/^/gm, "    "));
  for (const command of plan.commands) say(`${dryRun ? "would run" : "will run"}: ${command.join(" ")}`);
  for (const command of plan.push) say(`${push && !dryRun ? "will run" : "then run"}: ${command.join(" ")}`);
  if (dryRun) return;

  for (const file of plan.manifests) {
    const path = join(root, file);
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.replace(/("version":\s*)"[^"]*"/, `$1"${plan.version}"`));
  }
  const changelogPath = join(root, "CHANGELOG.md");
  writeFileSync(changelogPath, changelogForRelease(readFileSync(changelogPath, "utf8"), plan.version, date));
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, plan.notesFile), `${plan.notes}\n`);
  for (const command of plan.commands) run(command);
  if (push) for (const command of plan.push) run(command);
  say(`released v${plan.version} locally${push ? " and pushed" : "; push with the commands above"}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
