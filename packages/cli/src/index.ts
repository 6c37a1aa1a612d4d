export type { CliIo } from "./io.js";
export { buildProgram, runCli } from "./main.js";
