"""Reference numbers for packages/monitor performance tests.
Run from packages/monitor: /usr/bin/python3 test/sklearn/generate.py > test/sklearn/reference.json"""
import json
import numpy as np
from sklearn import metrics

rng = np.random.default_rng(7)
out = {"sklearn": __import__("sklearn").__version__, "binary": [], "multiclass": [], "regression": []}

for n in (60, 500):
    y = rng.integers(0, 2, n)
    score = np.clip(np.round(0.35 * y + rng.uniform(0, 0.65, n), 3), 0, 1)  # rounded: ties happen
    pred = (score >= 0.5).astype(int)
    out["binary"].append({
        "y": y.tolist(), "score": score.tolist(),
        "accuracy": metrics.accuracy_score(y, pred), "precision": metrics.precision_score(y, pred),
        "recall": metrics.recall_score(y, pred), "f1": metrics.f1_score(y, pred),
        "roc_auc": metrics.roc_auc_score(y, score)})

y = rng.choice(["cat", "dog", "bird"], 300)
pred = np.where(rng.uniform(size=300) < 0.7, y, rng.choice(["cat", "dog", "bird"], 300))
out["multiclass"].append({
    "y": y.tolist(), "pred": pred.tolist(), "accuracy": metrics.accuracy_score(y, pred),
    "precision": metrics.precision_score(y, pred, average="macro"),
    "recall": metrics.recall_score(y, pred, average="macro"), "f1": metrics.f1_score(y, pred, average="macro")})

y = rng.normal(50, 10, 400)
pred = y + rng.normal(0, 3, 400)
out["regression"].append({
    "y": y.tolist(), "pred": pred.tolist(), "mae": metrics.mean_absolute_error(y, pred),
    "rmse": float(np.sqrt(metrics.mean_squared_error(y, pred))), "r2": metrics.r2_score(y, pred)})

print(json.dumps(out))
