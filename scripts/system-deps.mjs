// The Debian packages some tests need (the scikit-learn example, the browser tests and their screenshots).
// `node scripts/system-deps.mjs` is the setup step that installs what is missing (root + apt-get), else
// explains; CI (.ci/run, .github/workflows/ci.yml) runs it before `pnpm test`. `pnpm test` itself never
// installs anything: it names what is missing, and the tests that need it skip (see `missingOf`).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const SYSTEM_PACKAGES = [
  { name: "python3-sklearn", present: () => python("import sklearn") },
  { name: "python3-pandas", present: () => python("import pandas") },
  { name: "python3-scipy", present: () => python("import scipy") },
  { name: "python3-yaml", present: () => python("import yaml") },
  { name: "chromium", present: () => existsSync("/usr/bin/chromium") },
  // The legend squares (🟦 🟧) under the Mermaid charts in the browser tests' screenshots.
  {
    name: "fonts-noto-color-emoji",
    present: () => existsSync("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
  },
];

function python(code) {
  return existsSync("/usr/bin/python3") && spawnSync("/usr/bin/python3", ["-c", code]).status === 0;
}

export function missingSystemPackages() {
  return SYSTEM_PACKAGES.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
}

/**
 * The packages among `names` that are missing on this machine: as `scripts/test.mjs` found them
 * (MLOPS_MISSING_SYSTEM_PACKAGES, probed once per run), else probed now. Tests that need a package
 * skip themselves with `describe.skipIf(missingOf(...).length > 0)`.
 */
export function missingOf(...names) {
  const unknown = names.filter((name) => !SYSTEM_PACKAGES.some((pkg) => pkg.name === name));
  if (unknown.length > 0) throw new Error(`system-deps: unknown package ${unknown.join(", ")}`);
  const known = process.env.MLOPS_MISSING_SYSTEM_PACKAGES;
  if (known !== undefined) {
    const missing = new Set(known.split(",").filter(Boolean));
    return names.filter((name) => missing.has(name));
  }
  return SYSTEM_PACKAGES.filter((pkg) => names.includes(pkg.name) && !pkg.present()).map((pkg) => pkg.name);
}

export function ensureSystemPackages() {
  const missing = missingSystemPackages();
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    console.error(`Some tests need Debian packages that are missing: ${missing.join(" ")}`);
    console.error(`Install them with: sudo apt-get install -y ${missing.join(" ")}`);
    process.exit(2);
  }
  console.log(`Installing Debian packages the tests need: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], {
    stdio: "inherit",
    env,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) ensureSystemPackages();
