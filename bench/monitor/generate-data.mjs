// Seeded generator: node bench/monitor/generate-data.mjs <rows> <out.csv> <shift> [empty-share]
// 10 numerical (num0..9) and 10 categorical (cat0..9, 5 to 50 categories) columns; with `empty-share`
// (e.g. 0.01) that share of the fields is left empty (a null for pandas and for us alike).
import { createWriteStream } from "node:fs";

const [rows = "1000000", out = "bench/data/ref-1m.csv", shift = "0", empty = "0"] = process.argv.slice(2);
let s = 12345 + Number(shift) * 7919;
const rnd = () => {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  return s / 2 ** 32;
};
// a second stream decides the empty fields, so the values are the same as without them
let e = 777 + Number(shift) * 31;
const emptyRnd = () => {
  e = (Math.imul(e, 1664525) + 1013904223) >>> 0;
  return e / 2 ** 32;
};
const emptyShare = Number(empty);
const normal = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
const w = createWriteStream(out);
const header = [
  ...Array.from({ length: 10 }, (_, i) => `num${i}`),
  ...Array.from({ length: 10 }, (_, i) => `cat${i}`),
];
let buf = `${header.join(",")}\n`;
const sh = Number(shift);
for (let r = 0; r < Number(rows); r++) {
  const f = [];
  for (let i = 0; i < 10; i++) f.push((normal() * (i + 1) + (i < 3 ? sh * 0.1 : 0) + 100).toFixed(4));
  for (let i = 0; i < 10; i++) f.push(`c${Math.floor(rnd() ** (i < 3 && sh ? 1.1 : 1) * (5 + i * 5))}`);
  if (emptyShare > 0) for (let i = 0; i < f.length; i++) if (emptyRnd() < emptyShare) f[i] = "";
  buf += `${f.join(",")}\n`;
  if (buf.length > 1 << 20) {
    if (!w.write(buf)) await new Promise((res) => w.once("drain", res));
    buf = "";
  }
}
w.end(buf);
