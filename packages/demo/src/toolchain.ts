/**
 * Local stand-ins for the toolchain commands the examples' `setup-command`s run on a GitHub runner
 * (`corepack enable && pnpm install`, `sudo apt-get install …`). On this machine the dependencies are
 * already installed (the workspace's `pnpm install`, Debian packages), and the demo must not download
 * anything, so the stand-ins verify that what the command would install is present and say so; a missing
 * dependency fails the step with a clear line.
 *
 * They must win over the real commands whatever the PATH is (the setup-node stand-in puts Node's own
 * directory, which holds `corepack`, first on the PATH, and a real `corepack enable` rewrites the
 * machine's global `pnpm`), so each is also exported as a bash function (`BASH_FUNC_<name>%%`), which
 * every bash of a `run:` step, and any `bash -c` inside it, imports and prefers over PATH lookups.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SCRIPTS: Record<string, string> = {
  corepack: `#!/bin/sh
echo "[demo stand-in] corepack $*: skipped (pnpm is not needed: dependencies come from the workspace)"
`,
  pnpm: `#!/bin/sh
case "$1" in
  install|i)
    node -e '
      const { createRequire } = require("node:module");
      const pkg = require(process.cwd() + "/package.json");
      const req = createRequire(process.cwd() + "/package.json");
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
      const missing = deps.filter((d) => { try { req.resolve(d + "/package.json"); return false; } catch { try { req.resolve(d); return false; } catch { return true; } } });
      if (missing.length) { console.error("[demo stand-in] pnpm install: missing " + missing.join(", ") + " (run pnpm install in the toolkit)"); process.exit(1); }
      console.log("[demo stand-in] pnpm install: " + deps.length + " dependencies already installed (offline)");
    ' ;;
  *) echo "[demo stand-in] pnpm $*: only 'install' is supported here" >&2; exit 1 ;;
esac
`,
  sudo: `#!/bin/sh
cmd="$1"
shift
here=$(dirname "$0")
if [ -x "$here/$cmd" ]; then exec "$here/$cmd" "$@"; fi
echo "[demo stand-in] sudo $cmd: refused (the demo runs no privileged command)" >&2
exit 1
`,
  "apt-get": `#!/bin/sh
case "$1" in
  update) echo "[demo stand-in] apt-get update: skipped (offline)" ;;
  install)
    shift
    missing=""
    for p in "$@"; do
      case "$p" in -*) continue ;; esac
      dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then echo "[demo stand-in] apt-get install: not installed:$missing (install them with apt-get)" >&2; exit 1; fi
    echo "[demo stand-in] apt-get install: already installed: $*" ;;
  *) echo "[demo stand-in] apt-get $*: not supported" >&2; exit 1 ;;
esac
`,
};

/** Writes the stand-ins into `dir`; returns the environment to give workflow steps. */
export function installToolchainStandIns(dir: string, path = process.env.PATH ?? ""): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = { PATH: `${dir}:${path}` };
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const file = join(dir, name);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
    env[`BASH_FUNC_${name}%%`] = `() {  "${file}" "$@"\n}`;
  }
  return env;
}
