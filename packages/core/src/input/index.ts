export { type CsvRow, type CsvTable, type CsvTextOptions, csvDelimiter, parseCsvText } from "./csv.js";
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
export {
  decodeUtf8Text,
  describeByte,
  firstInvalidUtf8,
  NOT_UTF8_HINT,
  stripBom,
  UTF8_BOM,
} from "./text.js";
