export * from "./compare.js";
export * from "./monitor.js";
export * from "./profile.js";
export * from "./read-csv.js";
export * from "./render.js";
export * from "./stats/distances.js";
export * from "./stats/ks.js";
export { chiSquareSf, normalSf } from "./stats/special.js";
