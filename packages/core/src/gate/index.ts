export { type BootstrapInterval, type BootstrapOptions, pairedBootstrap } from "./bootstrap.js";
export {
  type BootstrapInput,
  evaluateGate,
  formatGateNumber,
  type GateInput,
  type GateResult,
  type RuleOutcome,
} from "./evaluate.js";
export { alignPerExample, type PerExample, parsePerExample } from "./per-example.js";
export { mulberry32 } from "./prng.js";
