import { createRequire as __mlopsCreateRequire } from 'node:module';
const require = __mlopsCreateRequire(import.meta.url);
import{b as a}from"./chunk-23ESZ5ER.js";import"./chunk-C7S2FCUX.js";export default a();
