export {
  checkJsonDepth,
  DEFAULT_INPUT_LIMITS,
  type InputLimits,
  inputLimits,
  limitHint,
  type ParsedYaml,
  parseJsonText,
  parseYamlText,
  readInputText,
  valueDepth,
} from "./limits.js";
