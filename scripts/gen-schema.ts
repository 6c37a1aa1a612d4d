// Writes schema/mlops.schema.json from the zod schema of mlops.yml; `--check` fails when it is stale.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchema } from "@mlops/core";

const file = join(import.meta.dirname, "..", "schema", "mlops.schema.json");
const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {}
  if (current !== text) {
    console.error(
      "schema/mlops.schema.json is out of date with the zod schema: run `pnpm exec tsx scripts/gen-schema.ts`",
    );
    process.exit(1);
  }
  console.log("schema/mlops.schema.json matches the zod schema");
} else {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
