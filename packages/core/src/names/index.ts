export {
  attemptArtifactName,
  attemptArtifactNames,
  gateReportArtifactBase,
  monitorReportArtifactBase,
  newestAttemptArtifact,
  parseAttemptArtifactName,
  sweepArtifactName,
  sweepArtifactPrefix,
  trainArtifactBase,
} from "./artifacts.js";
export {
  BASELINE_MODES,
  type BaselineMode,
  describeBaselineModes,
  formatBaselineMode,
  parseBaselineMode,
} from "./baseline-mode.js";
export {
  environmentAlias,
  isValidName,
  MODEL_NAME_PATTERN,
  MODEL_NAME_RULE,
  validateAliasName,
  validateModelName,
} from "./model-name.js";
export {
  describeSelectorKinds,
  formatSelector,
  type ModelSelector,
  type ParseSelectorOptions,
  parseAliasSelector,
  parseModelReference,
  parseSelector,
  SELECTOR_KIND_NAMES,
  SELECTOR_KINDS,
  type SelectorKind,
  type SelectorKindSpec,
  selectorProblem,
  toSelector,
} from "./selector.js";
