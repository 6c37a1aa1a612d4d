"""Writes the header-less numpy fixtures of the reader and CLI tests (real np.savetxt output):
/usr/bin/python3 packages/monitor/test/numpy/generate.py   (from the repo root; numpy from Debian's python3-numpy)

- reference.txt / current.txt: np.savetxt defaults — space-delimited, "%.18e", no header — 200 rows × 4
  columns; the current data's first column is shifted by one standard deviation (it drifts, the others do not);
- reference-comma.csv: the same reference with delimiter=",", still without a header;
- expected.json: what np.loadtxt + scipy.stats.ks_2samp make of the .txt files, per column.
"""
import json
from pathlib import Path

import numpy as np
from scipy import stats

here = Path(__file__).parent
rng = np.random.default_rng(20261207)
reference = rng.normal(size=(200, 4))
current = rng.normal(size=(200, 4))
current[:, 0] += 1.0
np.savetxt(here / "reference.txt", reference)
np.savetxt(here / "current.txt", current)
np.savetxt(here / "reference-comma.csv", reference, delimiter=",")

ref, cur = np.loadtxt(here / "reference.txt"), np.loadtxt(here / "current.txt")
expected = {}
for i in range(ref.shape[1]):
    r = stats.ks_2samp(ref[:, i], cur[:, i], method="auto")
    expected[f"c{i + 1}"] = {"statistic": float(r.statistic), "p_value": float(r.pvalue), "mean": float(ref[:, i].mean())}
(here / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
