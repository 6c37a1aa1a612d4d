export * from "./compute.js";
export * from "./events.js";
export * from "./render.js";
export * from "./stats.js";
