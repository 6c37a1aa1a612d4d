export { createRestClient, type RestClient } from "@mlops/local-github";
export { type ApiCalls, countApiCalls } from "./api-calls.js";
export {
  type ChaosLife,
  type ChaosOptions,
  chaosFaults,
  checkInvariants,
  describeLife,
  runChaosLife,
} from "./chaos.js";
export type { DemoContext } from "./context.js";
export { type DemoOptions, type DemoResult, runDemo, STAGES, type StageOutcome } from "./demo.js";
export { type ExampleId, exampleSpec } from "./examples.js";
export * from "./github-view.js";
export { mermaidBundlePath, writeGitHubView } from "./output.js";
export { PULL_REQUESTS } from "./stages/pull-requests.js";
export { installToolchainStandIns } from "./toolchain.js";
export { collectView } from "./view-data.js";
export { WorkingCopies } from "./working-copy.js";
