// bundled and run by bench/monitor/run.sh: node bench/data/build/ours.js ref.csv cur.csv [--no-workers]  (KS on numerical, chi-square on categorical)
import { monitor } from "../../packages/monitor/src/index.js";

const [ref, cur, flag] = process.argv.slice(2) as [string, string, string?];
const tests = Object.fromEntries([
  ...Array.from({ length: 10 }, (_, i) => [`num${i}`, "ks"] as const),
  ...Array.from({ length: 10 }, (_, i) => [`cat${i}`, "chisquare"] as const),
]);
const { report } = await monitor([ref], [cur], { tests, workers: flag !== "--no-workers" });
console.log(
  JSON.stringify(Object.fromEntries(report.columns.map((c) => [c.name, [c.test, c.statistic, c.p_value]]))),
);
