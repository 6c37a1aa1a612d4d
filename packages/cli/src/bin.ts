#!/usr/bin/env node
// The `mlops` command of the npm package: scripts/pack-cli.mjs bundles this file to `dist/mlops.js`.
// (From a checkout, `bin/mlops.mjs` runs the same `runCli` from the TypeScript sources through tsx.)
import { runCli } from "./main.js";

process.exitCode = await runCli(process.argv.slice(2));
