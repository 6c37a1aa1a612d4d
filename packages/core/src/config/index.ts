export * from "./load.js";
export * from "./protection.js";
export * from "./schema.js";
