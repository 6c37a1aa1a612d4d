/**
 * Chaos benchmark (issue 12, "Faults across the whole life"): plays the demo's whole life through the runner
 * and the bundled actions with seeded transient faults (5xx, 429, secondary rate limits, resets mid-body)
 * on a share of the workflows' requests, REST and artifact runtime alike, and checks the invariants
 * (`packages/demo/src/chaos.ts`). Needs the action bundles (`pnpm build`).
 * Run: `pnpm exec tsx bench/chaos.ts [--rates 0.1,0.2] [--seeds 1,2,3,4,5] [--surface rest|runtime] [--example node] [--verbose]`
 * (`--surface`: faults on the REST API only, or on the artifact runtime only; default both).
 */
import { parseArgs } from "node:util";
import { type ChaosLife, describeLife, type ExampleId, runChaosLife } from "@mlops/demo";

const { values } = parseArgs({
  options: {
    rates: { type: "string", default: "0.1,0.2" },
    seeds: { type: "string", default: "1,2,3,4,5" },
    example: { type: "string", default: "node" },
    verbose: { type: "boolean", default: false },
    surface: { type: "string" },
  },
});
const rates = values.rates.split(",").map(Number);
const seeds = values.seeds.split(",").map(Number);
const lives: ChaosLife[] = [];
for (const rate of rates) {
  for (const seed of seeds) {
    const life = await runChaosLife({
      seed,
      rate,
      example: values.example as ExampleId,
      ...(values.surface === "rest" || values.surface === "runtime" ? { surface: values.surface } : {}),
      ...(values.verbose ? { write: (line: string) => console.error(line), verbose: true } : {}),
    });
    lives.push(life);
    console.log(describeLife(life));
  }
}
console.log(
  "\n| fault rate | lives | succeeded | with violations | unexplained failures | faults injected (mean) | wall (mean) |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const rate of rates) {
  const some = lives.filter((life) => life.rate === rate);
  const mean = (f: (l: ChaosLife) => number) => some.reduce((sum, l) => sum + f(l), 0) / some.length;
  console.log(
    `| ${Math.round(rate * 100)} % | ${some.length} | ${some.filter((l) => l.ok).length} | ${some.filter((l) => l.violations.length > 0).length} | ${some.filter((l) => l.unexplained.length > 0).length} | ${mean((l) => l.faults).toFixed(0)} | ${mean((l) => l.seconds).toFixed(0)} s |`,
  );
}
process.exitCode = lives.every((l) => l.ok && l.violations.length === 0) ? 0 : 1;
