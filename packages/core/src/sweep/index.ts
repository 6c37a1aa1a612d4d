export * from "./matrix.js";
export * from "./rank.js";
