export * from "./builder.js";
export * from "./table.js";
