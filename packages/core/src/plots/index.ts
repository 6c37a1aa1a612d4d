export * from "./curves.js";
export * from "./predictions.js";
export * from "./render.js";
export * from "./report-plots.js";
export * from "./trend.js";
export * from "./user-plots.js";
