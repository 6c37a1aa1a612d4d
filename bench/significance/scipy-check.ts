// One-off check of pairedBootstrap against scipy.stats.bootstrap (paired, percentile) on 0/1 correctness
// (the counts path) and on float losses (the index path). Run: pnpm exec tsx bench/significance/scipy-check.ts
import { execFileSync } from "node:child_process";
import { mulberry32, pairedBootstrap } from "../../packages/core/src/gate/index.js";

const random = mulberry32(31);
const n = 2000;
const base01 = Array.from({ length: n }, () => (random() < 0.8 ? 1 : 0));
const head01 = base01.map((b) => (random() < 0.1 ? 1 - b : b));
const baseLoss = Array.from({ length: n }, () => random());
const headLoss = baseLoss.map((x) => x + (random() - 0.45) * 0.2);
const py = `
import json, sys, numpy as np
from scipy.stats import bootstrap
d = json.load(sys.stdin); out = {}
for k, (h, b) in d.items():
    r = bootstrap((np.array(h), np.array(b)), lambda h, b, axis=-1: h.mean(axis=axis) - b.mean(axis=axis),
                  paired=True, vectorized=True, method="percentile", n_resamples=20000, random_state=np.random.default_rng(1))
    out[k] = [r.confidence_interval.low, r.confidence_interval.high, r.standard_error]
print(json.dumps(out))`;
const scipy = JSON.parse(
  execFileSync("/usr/bin/python3", ["-c", py], {
    input: JSON.stringify({ correct: [head01, base01], loss: [headLoss, baseLoss] }),
  }).toString(),
) as Record<string, [number, number, number]>;
for (const [name, head, base] of [
  ["correct (counts path)", head01, base01],
  ["loss (index path)", headLoss, baseLoss],
] as const) {
  const ours = pairedBootstrap(head, base, { seed: 1, iterations: 20000 });
  const [low, high, se] = scipy[name.split(" ")[0] as string] as [number, number, number];
  console.log(
    `${name}: ours [${ours.low.toFixed(5)}, ${ours.high.toFixed(5)}] SE ${ours.standardError.toFixed(5)}; scipy [${low.toFixed(5)}, ${high.toFixed(5)}] SE ${se.toFixed(5)}; |Δ bounds| / SE = ${(Math.abs(ours.low - low) / se).toFixed(3)}, ${(Math.abs(ours.high - high) / se).toFixed(3)}`,
  );
}
