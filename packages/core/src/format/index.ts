export * from "./number.js";
