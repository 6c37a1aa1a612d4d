#!/usr/bin/env python3
"""Writes candidate/baseline per-example CSVs (id, correct 0/1, loss float) and their metrics files."""
import json, random, sys
n = int(sys.argv[1]); out = sys.argv[2]
rng = random.Random(7)
hc = hl = bc = bl = 0.0
with open(f"{out}/head.csv", "w") as h, open(f"{out}/base.csv", "w") as b:
    h.write("id,correct,loss\n"); b.write("id,correct,loss\n")
    for i in range(n):
        base_ok = 1 if rng.random() < 0.80 else 0
        head_ok = (1 - base_ok) if rng.random() < 0.10 else base_ok
        base_loss = rng.random(); head_loss = base_loss + (rng.random() - 0.5) * 0.1
        h.write(f"ex{i},{head_ok},{head_loss:.6f}\n"); b.write(f"ex{i},{base_ok},{base_loss:.6f}\n")
        hc += head_ok; bc += base_ok; hl += head_loss; bl += base_loss
json.dump({"accuracy": hc / n, "loss": hl / n}, open(f"{out}/head-metrics.json", "w"))
json.dump({"accuracy": bc / n, "loss": bl / n}, open(f"{out}/base-metrics.json", "w"))
