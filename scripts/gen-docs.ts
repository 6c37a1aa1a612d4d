// Writes the inputs/outputs tables of every actions/<name>/README.md from its action.yml, between
// `<!-- mlops:inputs -->`/`<!-- mlops:outputs -->` markers and their `<!-- /mlops:… -->` ends.
// `--check` fails instead of writing when a README is out of date (run in CI).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderTable } from "@mlops/core";
import { parse } from "yaml";

interface Metadata {
  inputs?: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description: string }>;
}

const root = join(import.meta.dirname, "..");
const check = process.argv.includes("--check");

function inputsTable(metadata: Metadata): string {
  const rows = Object.entries(metadata.inputs ?? {}).map(([name, spec]) => [
    `\`${name}\``,
    spec.required ? "yes" : "no",
    spec.default === undefined || spec.default === "" ? "" : `\`${spec.default}\``,
    spec.description,
  ]);
  return renderTable(["Input", "Required", "Default", "Description"], rows);
}

function outputsTable(metadata: Metadata): string {
  const rows = Object.entries(metadata.outputs ?? {}).map(([name, spec]) => [
    `\`${name}\``,
    spec.description,
  ]);
  return renderTable(["Output", "Description"], rows);
}

function replaceSection(text: string, marker: string, content: string, file: string): string {
  const start = `<!-- mlops:${marker} -->`;
  const end = `<!-- /mlops:${marker} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: missing the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

let stale = 0;
for (const name of readdirSync(join(root, "actions")).sort()) {
  if (!existsSync(join(root, "actions", name, "action.yml"))) continue; // actions/_shared: the bundles' chunks
  const readmePath = join(root, "actions", name, "README.md");
  const metadata = parse(readFileSync(join(root, "actions", name, "action.yml"), "utf8")) as Metadata;
  const current = readFileSync(readmePath, "utf8");
  let next = replaceSection(current, "inputs", inputsTable(metadata), readmePath);
  next = replaceSection(next, "outputs", outputsTable(metadata), readmePath);
  if (next === current) continue;
  stale++;
  if (check) console.error(`actions/${name}/README.md is out of date with action.yml: run \`pnpm docs\``);
  else {
    writeFileSync(readmePath, next);
    console.log(`wrote actions/${name}/README.md`);
  }
}
if (check && stale > 0) process.exit(1);
if (check) console.log("action READMEs match action.yml");
