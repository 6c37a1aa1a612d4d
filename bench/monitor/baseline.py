"""pandas + scipy baseline: /usr/bin/python3 bench/monitor/baseline.py ref.csv cur.csv
KS (scipy.stats.ks_2samp) on the num* columns, chi-square (scipy.stats.chisquare, expected counts from the
reference shares) on the cat* columns; empty fields are NaN for pandas and are left out, as we leave out nulls."""
import sys, json
import pandas as pd
from scipy import stats
ref = pd.read_csv(sys.argv[1]); cur = pd.read_csv(sys.argv[2])
out = {}
for c in ref.columns:
    if c.startswith("num"):
        r = stats.ks_2samp(ref[c].dropna(), cur[c].dropna()); out[c] = ["ks", float(r.statistic), float(r.pvalue)]
    else:
        rv = ref[c].value_counts(); cv = cur[c].value_counts()  # value_counts leaves NaN out
        keys = sorted(set(rv.index) | set(cv.index))
        fo = [cv.get(k, 0) for k in keys]; fe = [rv.get(k, 0) / rv.sum() * cv.sum() for k in keys]
        r = stats.chisquare(fo, fe); out[c] = ["chisquare", float(r.statistic), float(r.pvalue)]
print(json.dumps(out))
