/** `pnpm demo [--example node|sklearn] [--verbose|--quiet] [--out DIR]` */
import { parseArgs } from "node:util";
import { runDemo } from "./demo.js";
import { parseExampleId } from "./examples.js";

const USAGE = "usage: pnpm demo [--example node|sklearn] [--verbose|--quiet] [--out DIR]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      example: { type: "string", default: "node" },
      verbose: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.verbose && values.quiet) throw new Error("--verbose and --quiet exclude each other");
  const result = await runDemo({
    example: parseExampleId(values.example),
    verbosity: values.verbose ? "verbose" : values.quiet ? "quiet" : "normal",
    ...(values.out ? { outDir: values.out } : {}),
  });
  return result.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    console.error(USAGE);
    process.exitCode = 2;
  },
);
