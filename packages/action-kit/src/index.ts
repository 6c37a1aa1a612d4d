export * from "./artifact-store.js";
export * from "./command.js";
export * from "./context.js";
export * from "./github-runtime.js";
export * from "./inputs.js";
export * from "./memory-runtime.js";
export * from "./run-action.js";
export * from "./runtime.js";
