export { type BootstrapInterval, type BootstrapOptions, pairedBootstrap } from "./bootstrap.js";
export {
  type BootstrapInput,
  evaluateGate,
  formatGateNumber,
  type GateInput,
  type GateResult,
  gatePasses,
  type OnSkipped,
  type RuleOutcome,
  type SkipReason,
} from "./evaluate.js";
export { alignPerExample, type PerExample, parsePerExample } from "./per-example.js";
export { mulberry32 } from "./prng.js";
