// Start-up of the `mlops` CLI: the packed npm package (installed offline into a temporary prefix) against the
// checkout's tsx launcher, with `node -e 0` as the floor. Wall time of N sequential runs (median and min) and
// the median CPU time (user + sys, from /usr/bin/time), which a shared machine's load disturbs less.
// Usage: node bench/cli-startup.mjs [runs=20]   (runs `pnpm pack:cli` first)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 20);
const scratch = mkdtempSync(join(tmpdir(), "mlops-startup-"));
try {
  execFileSync(process.execPath, [join(root, "scripts/pack-cli.mjs"), "--out", join(scratch, "out")], {
    stdio: "ignore",
  });
  const tarball = join(scratch, "out", readdirSync(join(scratch, "out"))[0]);
  execFileSync(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--prefix", join(scratch, "prefix"), tarball],
    {
      stdio: "ignore",
    },
  );
  const installed = join(scratch, "prefix/node_modules/.bin/mlops");
  const cases = [
    ["node -e 0 (floor)", process.execPath, ["-e", "0"]],
    ["installed package: mlops --version", installed, ["--version"]],
    [
      "checkout (tsx): node packages/cli/bin/mlops.mjs --version",
      process.execPath,
      [join(root, "packages/cli/bin/mlops.mjs"), "--version"],
    ],
    [
      "installed package: mlops diff a.json b.json",
      installed,
      ["diff", join(root, "examples/metrics/base.json"), join(root, "examples/metrics/head.json")],
    ],
  ];
  console.log(
    `${runs} runs each, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  console.log("| command | wall, median | wall, min | CPU, median |\n|---|---:|---:|---:|");
  for (const [label, command, args] of cases) {
    const times = [];
    const cpu = [];
    const timeFile = join(scratch, "time.txt");
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const result = spawnSync("/usr/bin/time", ["-f", "%U %S", "-o", timeFile, command, ...args], {
        cwd: scratch,
        stdio: "ignore",
      });
      times.push(performance.now() - started);
      if (result.status !== 0) throw new Error(`${label} exited ${result.status}`);
      const [user, sys] = readFileSync(timeFile, "utf8").trim().split(/\s+/).slice(-2).map(Number);
      cpu.push((user + sys) * 1000);
    }
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const min = Math.min(...times);
    console.log(
      `| ${label} | ${Math.round(median(times))} ms | ${Math.round(min)} ms | ${Math.round(median(cpu))} ms |`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
