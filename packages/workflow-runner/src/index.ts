export * from "./lint/index.js";
