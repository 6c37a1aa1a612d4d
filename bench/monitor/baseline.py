"""pandas + scipy baseline: /usr/bin/python3 bench/monitor/baseline.py ref.csv cur.csv"""
import sys, json
import pandas as pd
from scipy import stats
ref = pd.read_csv(sys.argv[1]); cur = pd.read_csv(sys.argv[2])
out = {}
for c in ref.columns:
    if c.startswith("num"):
        r = stats.ks_2samp(ref[c], cur[c]); out[c] = ["ks", float(r.statistic), float(r.pvalue)]
    else:
        rv = ref[c].value_counts(); cv = cur[c].value_counts()
        keys = sorted(set(rv.index) | set(cv.index))
        fo = [cv.get(k, 0) for k in keys]; fe = [rv.get(k, 0) / len(ref) * len(cur) for k in keys]
        r = stats.chisquare(fo, fe); out[c] = ["chisquare", float(r.statistic), float(r.pvalue)]
print(json.dumps(out))
