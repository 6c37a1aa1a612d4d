// The Debian packages some tests need (the scikit-learn example, the browser test of the demo page).
// `node scripts/system-deps.mjs` installs what is missing when it can (root + apt-get), else explains.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const SYSTEM_PACKAGES = [
  { name: "python3-sklearn", present: () => python("import sklearn") },
  { name: "python3-pandas", present: () => python("import pandas") },
  { name: "python3-scipy", present: () => python("import scipy") },
  { name: "python3-yaml", present: () => python("import yaml") },
  { name: "chromium", present: () => existsSync("/usr/bin/chromium") },
];

function python(code) {
  return existsSync("/usr/bin/python3") && spawnSync("/usr/bin/python3", ["-c", code]).status === 0;
}

export function missingSystemPackages() {
  return SYSTEM_PACKAGES.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
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
