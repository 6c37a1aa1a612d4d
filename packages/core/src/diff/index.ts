export * from "./diff.js";
