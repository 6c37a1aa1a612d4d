export * from "./load.js";
export * from "./source.js";
