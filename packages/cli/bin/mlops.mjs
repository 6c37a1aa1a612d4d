#!/usr/bin/env node
// The `mlops` command. The sources are TypeScript, loaded through tsx so that every package (and its
// worker threads and helper scripts) resolves exactly as in the repository.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/main.ts");
process.exitCode = await runCli(process.argv.slice(2));
