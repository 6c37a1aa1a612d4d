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
  type RuleStatus,
  ruleOutcomeFlags,
  type SkipReason,
} from "./evaluate.js";
export {
  ARITHMETIC,
  type ArithmeticSpec,
  COMPARATOR_NAMES,
  COMPARATORS,
  type ComparatorSpec,
  isComparator,
} from "./operators.js";
export { alignPerExample, type PerExample, parsePerExample } from "./per-example.js";
export { mulberry32 } from "./prng.js";
