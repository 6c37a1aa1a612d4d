export * from "./mermaid.js";
export * from "./number.js";
