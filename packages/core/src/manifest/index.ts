export {
  compareModelVersions,
  looksLikeModelVersion,
  type ModelVersion,
  modelVersionProblem,
  nextAutoVersion,
  type ParsedModelVersion,
  parseModelVersion,
  sameModelVersion,
  sortModelVersionsDescending,
  tryParseModelVersion,
} from "./model-version.js";
export {
  buildModelManifest,
  buildRunManifest,
  describeIssues,
  parseModelManifest,
  parseRunManifest,
} from "./parse.js";
export {
  MAX_METADATA_METRICS_CHARS,
  metadataMetrics,
  parseReleaseMetadata,
  type ReleaseMetadata,
  releaseCardOf,
  renderReleaseBody,
} from "./release-metadata.js";
export {
  type ModelManifest,
  modelManifestSchema,
  type RunManifest,
  runManifestSchema,
} from "./schemas.js";
