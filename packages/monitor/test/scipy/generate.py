"""Reference numbers for packages/monitor tests. Run: /usr/bin/python3 test/scipy/generate.py > test/scipy/reference.json"""
import json
import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

rng = np.random.default_rng(42)
out = {"ks": [], "wasserstein": [], "jensenshannon": [], "chisquare": [], "ztest": []}

def ks_case(name, a, b):
    r = stats.ks_2samp(a, b, method="auto")
    out["ks"].append({"name": name, "a": [float(x) for x in a], "b": [float(x) for x in b],
                      "statistic": float(r.statistic), "p_value": float(r.pvalue)})

ks_case("small_shift", rng.normal(0, 1, 40), rng.normal(0.8, 1, 55))
ks_case("small_same", rng.normal(0, 1, 30), rng.normal(0, 1, 30))
ks_case("ties", rng.integers(0, 5, 60), rng.integers(0, 6, 45))
ks_case("medium", rng.normal(0, 1, 700), rng.normal(0.1, 1.1, 900))
ks_case("large_asymptotic", np.round(rng.normal(0, 1, 12000), 4), np.round(rng.normal(0.03, 1, 11000), 4))
ks_case("large_near_alpha", np.round(rng.normal(0, 1, 12000), 3), np.round(rng.normal(0.02, 1, 11000), 3))

for name, a, b in [("w1", rng.normal(0, 1, 200), rng.normal(0.5, 2, 150)), ("w2", rng.exponential(1, 80), rng.exponential(1.3, 90))]:
    out["wasserstein"].append({"name": name, "a": a.tolist(), "b": b.tolist(), "distance": float(stats.wasserstein_distance(a, b))})

for p, q in [([10, 20, 30, 0], [15, 15, 25, 5]), ([1, 1, 1], [3, 0, 1])]:
    out["jensenshannon"].append({"p": p, "q": q, "distance": float(jensenshannon(p, q))})

for ref, cur in [([100, 200, 300], [110, 190, 300]), ([50, 30, 20, 10], [20, 30, 40, 10])]:
    ref = np.array(ref, dtype=float); cur = np.array(cur, dtype=float)
    r = stats.chisquare(cur, ref / ref.sum() * cur.sum())
    out["chisquare"].append({"ref": ref.tolist(), "cur": cur.tolist(), "statistic": float(r.statistic), "p_value": float(r.pvalue)})

for rh, rn, ch, cn in [(300, 1000, 350, 1000), (40, 100, 42, 120)]:
    p = (rh + ch) / (rn + cn)
    z = (ch / cn - rh / rn) / np.sqrt(p * (1 - p) * (1 / rn + 1 / cn))
    out["ztest"].append({"ref_hits": rh, "ref_n": rn, "cur_hits": ch, "cur_n": cn, "statistic": float(z), "p_value": float(2 * stats.norm.sf(abs(z)))})

print(json.dumps(out))
