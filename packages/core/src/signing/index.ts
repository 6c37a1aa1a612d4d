export * from "./dsse.js";
export * from "./envelope.js";
export * from "./keys.js";
export * from "./local.js";
export * from "./policy.js";
export * from "./report.js";
export * from "./statements.js";
export * from "./verify.js";
