export * from "./folder.js";
export * from "./matrix.js";
export * from "./rank.js";
