// Size of the committed action bundles and each action's start-up to validated inputs (issue 14 item 9).
//
// Usage: node bench/bundle/run.mjs [runs=10] [--root DIR]   (measures what is in DIR/actions/*/dist and
// DIR/actions/_shared now, DIR defaulting to this checkout, so run `pnpm build` first when the sources changed;
// for the layout of an older commit: `git archive <commit> actions | tar -x -C /tmp/old` and `--root /tmp/old`)
//
// - bytes: every file under actions/*/dist/ and actions/_shared/ (JavaScript, source maps, licence texts), and
//   per action the JavaScript Node loads before the first line of the action runs (its entry file and the
//   chunks it imports statically, followed transitively; lazy `import()` chunks are not counted).
// - start-up: `node actions/<name>/dist/index.js` with no inputs at all, `runs` times in a row; the time from
//   spawning Node to the first `::error::` line on stdout, which must be the action's input validation
//   ("Invalid input …"): module loading, runtime set-up and input parsing, everything before the action's work.
//   `node -e 0` with the same measure (spawn → exit) is the floor. CPU: user + sys of the same command run to its
//   exit (it exits right after the input error), from /usr/bin/time; a loaded machine disturbs it less than wall
//   time.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const rootAt = args.indexOf("--root");
const root =
  rootAt >= 0 ? resolve(args.splice(rootAt, 2)[1]) : join(dirname(fileURLToPath(import.meta.url)), "../..");
const runs = Number(args[0] ?? 10);
const actionsDir = join(root, "actions");
const actions = readdirSync(actionsDir)
  .filter((name) => existsSync(join(actionsDir, name, "action.yml")))
  .sort();

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

const distFiles = [
  ...actions.flatMap((name) => filesUnder(join(actionsDir, name, "dist"))),
  ...filesUnder(join(actionsDir, "_shared")),
];
const kindOf = (file) => (file.endsWith(".map") ? "maps" : /\.(c|m)?js$/.test(file) ? "js" : "other");
const bytes = { js: 0, maps: 0, other: 0 };
for (const file of distFiles) bytes[kindOf(file)] += statSync(file).size;
const total = bytes.js + bytes.maps + bytes.other;

/** The entry file and every chunk it imports statically, transitively (ESM `import … from "./x.js"`). */
function loadedAtStart(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    // Static imports only: `import{a}from"./c.js"`, `import"./c.js"`, `export{a}from"./c.js"` (not `import("…")`).
    for (const match of text.matchAll(
      /(?:\bimport|\bexport)\s*(?:[^"'()]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g,
    ))
      visit(resolve(dirname(file), match[1]));
  };
  visit(entry);
  return [...seen];
}

const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir() };

/** Milliseconds from spawn to the first stdout line matching `until` (or to exit when `until` is undefined). */
function timeOnce(args, until) {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(process.execPath, args, { cwd: scratch, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let result;
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (result === undefined && until) {
        const line = out.split("\n").find((l) => l.startsWith("::error::"));
        if (line !== undefined) {
          if (!until.test(line))
            fail(new Error(`${args.join(" ")}: first error is not input validation: ${line}`));
          result = ms();
        }
      }
    });
    child.on("error", fail);
    child.on("close", () => {
      if (!until) return done(ms());
      if (result === undefined) return fail(new Error(`${args.join(" ")}: no ::error:: line\n${out}`));
      done(result);
    });
  });
}

/** Median CPU seconds (user + sys) of `node ARGS` run to exit, from /usr/bin/time. */
function cpuMedian(args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const run = spawnSync("/usr/bin/time", ["-f", "cpu %U %S", process.execPath, ...args], {
      cwd: scratch,
      env,
      encoding: "utf8",
    });
    const line = run.stderr.split("\n").find((l) => l.startsWith("cpu "));
    const [, user, sys] = line?.split(" ").map(Number) ?? [];
    if (user === undefined || sys === undefined) throw new Error(`no /usr/bin/time line: ${run.stderr}`);
    times.push((user + sys) * 1000);
  }
  times.sort((a, b) => a - b);
  return quantile(times, 0.5);
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
async function measure(args, until) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await timeOnce(args, until));
  times.sort((a, b) => a - b);
  return { median: quantile(times, 0.5), p90: quantile(times, 0.9), min: times[0] };
}

const scratch = mkdtempSync(join(tmpdir(), "mlops-bundle-bench-"));
const mib = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
try {
  console.log(
    `Node ${process.version}, ${runs} runs each, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  console.log(
    `dist total ${mib(total)} in ${distFiles.length} files: JavaScript ${mib(bytes.js)}, source maps ${mib(bytes.maps)}, other ${mib(bytes.other)}`,
  );
  console.log("");
  console.log(
    "| action | JS loaded at start | start-up to input validation, median | p90 | min | CPU, median |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  const floor = await measure(["-e", "0"]);
  console.log(
    `| \`node -e 0\` (floor, to exit) | | ${floor.median.toFixed(0)} ms | ${floor.p90.toFixed(0)} ms | ${floor.min.toFixed(0)} ms | ${cpuMedian(["-e", "0"]).toFixed(0)} ms |`,
  );
  for (const name of actions) {
    const entry = join(actionsDir, name, "dist/index.js");
    const loaded = loadedAtStart(entry);
    const loadedBytes = loaded.reduce((sum, file) => sum + statSync(file).size, 0);
    const t = await measure([entry], /Invalid input/);
    const cpu = cpuMedian([entry]);
    console.log(
      `| ${name} | ${kib(loadedBytes)} (${loaded.length} file${loaded.length > 1 ? "s" : ""}) | ${t.median.toFixed(0)} ms | ${t.p90.toFixed(0)} ms | ${t.min.toFixed(0)} ms | ${cpu.toFixed(0)} ms |`,
    );
  }
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
