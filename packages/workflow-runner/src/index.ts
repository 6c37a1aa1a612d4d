export * from "./lint/index.js";
export * from "./run/index.js";
