export * from "./alias-history.js";
export * from "./budget.js";
export * from "./builder.js";
export * from "./gate-decision.js";
export * from "./gate-report.js";
export * from "./gate-run.js";
export * from "./sweep-report.js";
export * from "./table.js";
